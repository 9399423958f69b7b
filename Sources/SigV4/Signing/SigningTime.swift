#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A UTC instant broken into calendar fields, computed arithmetically (no calendar or formatter).
///
/// SigV4 signs at whole-second precision: the fractional part of the injected `Date` is dropped.
public struct SigningTime: Sendable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int
    let year: Int
    let month: Int
    let day: Int
    let hour: Int
    let minute: Int
    let second: Int

    /// Days since 1970-01-01: the signing-key cache key.
    var dayNumber: Int { Self.floorDiv(secondsSinceEpoch, 86_400) }

    /// Creates a signing time from a `Date`, truncated to the second.
    public init(_ date: Date) {
        self.init(secondsSinceEpoch: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    /// Creates a signing time from seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int) {
        self.secondsSinceEpoch = secondsSinceEpoch
        let days = Self.floorDiv(secondsSinceEpoch, 86_400)
        let secondOfDay = secondsSinceEpoch - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = Self.floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// The instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSinceEpoch)) }

    /// Parses the SigV4 basic format `YYYYMMDDTHHMMSSZ` (what `--date` takes); `nil` if malformed.
    public init?(amzDate text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), hour < 24, minute < 60, second < 60,
            day >= 1, day <= Self.daysInMonth(year: year, month: month)
        else { return nil }
        // days_from_civil
        let y = month <= 2 ? year - 1 : year
        let era = Self.floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        self.init(secondsSinceEpoch: days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// `YYYYMMDDTHHMMSSZ`, the `X-Amz-Date` format.
    public var amzDate: String {
        ByteWriter.string(capacity: 16) { writeAmzDate(to: &$0) }
    }

    /// `YYYY-MM-DDTHH:MM:SS.000Z`, the POST policy `expiration` format (milliseconds always present).
    public var iso8601Milliseconds: String {
        ByteWriter.string(capacity: 24) { writeISO8601(to: &$0, milliseconds: true) }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, what the CLI prints as `expiresAt`.
    public var iso8601: String {
        ByteWriter.string(capacity: 24) { writeISO8601(to: &$0, milliseconds: false) }
    }

    /// `YYYYMMDD` (8 bytes).
    func writeDay(to out: inout ByteWriter) {
        out.writePadded(year, width: 4)
        out.writePadded(month, width: 2)
        out.writePadded(day, width: 2)
    }

    /// `YYYYMMDDTHHMMSSZ` (16 bytes).
    func writeAmzDate(to out: inout ByteWriter) {
        writeDay(to: &out)
        out.write(UInt8(ascii: "T"))
        out.writePadded(hour, width: 2)
        out.writePadded(minute, width: 2)
        out.writePadded(second, width: 2)
        out.write(UInt8(ascii: "Z"))
    }

    /// ISO 8601 in UTC (20 bytes, 24 with milliseconds).
    func writeISO8601(to out: inout ByteWriter, milliseconds: Bool) {
        out.writePadded(year, width: 4)
        out.write(UInt8(ascii: "-"))
        out.writePadded(month, width: 2)
        out.write(UInt8(ascii: "-"))
        out.writePadded(day, width: 2)
        out.write(UInt8(ascii: "T"))
        out.writePadded(hour, width: 2)
        out.write(UInt8(ascii: ":"))
        out.writePadded(minute, width: 2)
        out.write(UInt8(ascii: ":"))
        out.writePadded(second, width: 2)
        if milliseconds { out.write(".000") }
        out.write(UInt8(ascii: "Z"))
    }

    /// Adds whole seconds.
    public func adding(seconds: Int) -> SigningTime {
        SigningTime(secondsSinceEpoch: secondsSinceEpoch + seconds)
    }

    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
