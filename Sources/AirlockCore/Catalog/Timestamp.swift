/// Catalog times as text.
public enum Timestamp {
    /// `2026-11-21T22:40:05Z` (UTC, whole seconds).
    public static func iso8601(_ millis: EpochMillis) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let (year, month, day, secondOfDay) = civil(seconds: seconds)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }

    /// The UTC calendar date and second of the day of `seconds` since 1970-01-01 (proleptic Gregorian).
    public static func civil(seconds: Int64) -> (year: Int64, month: Int64, day: Int64, secondOfDay: Int64) {
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day, secondOfDay)
    }

    /// `2026-11-21` or `2026-11-21T10:00:00Z` (UTC) → milliseconds; `nil` for anything else.
    public static func parse(_ text: String) -> EpochMillis? {
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first else { return nil }
        let date = first.split(separator: "-", omittingEmptySubsequences: false).compactMap { Int64($0) }
        guard date.count == 3, (1...12).contains(date[1]), (1...31).contains(date[2]) else { return nil }
        var seconds: Int64 = 0
        if parts.count == 2 {
            let time = parts[1].hasSuffix("Z") ? parts[1].dropLast() : parts[1]
            let fields = time.split(separator: ":").compactMap { Int64($0.prefix(2)) }
            guard fields.count >= 2, fields[0] < 24, fields[1] < 60, fields.count < 3 || fields[2] < 60 else { return nil }
            seconds = fields[0] * 3600 + fields[1] * 60 + (fields.count > 2 ? fields[2] : 0)
        }
        // Days from civil (proleptic Gregorian).
        let (year, month, day) = (date[0] - (date[1] <= 2 ? 1 : 0), date[1], date[2])
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return (days * 86_400 + seconds) * 1000
    }
}
