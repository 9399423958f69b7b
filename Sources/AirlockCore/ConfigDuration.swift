/// A duration as configuration writes it: `90s`, `15m`, `8h`, `7d`, `500ms`, or compound `1h30m`.
public struct ConfigDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public static func seconds(_ value: Int64) -> ConfigDuration { ConfigDuration(milliseconds: value * 1000) }
    public static func minutes(_ value: Int64) -> ConfigDuration { .seconds(value * 60) }
    public static func hours(_ value: Int64) -> ConfigDuration { .seconds(value * 3600) }
    public static func days(_ value: Int64) -> ConfigDuration { .seconds(value * 86_400) }

    /// Whole seconds, rounded down.
    public var seconds: Int64 { milliseconds / 1000 }

    /// The value as a Swift `Duration`.
    public var duration: Duration { .milliseconds(milliseconds) }

    /// Parses a duration; `nil` for anything else (a bare number, a negative value, an unknown unit, overflow).
    public init?(parsing text: String) {
        let trimmed = Array(text.trimmingSpaces().utf8)
        guard !trimmed.isEmpty else { return nil }
        var total: Int64 = 0
        var index = 0
        while index < trimmed.count {
            var value: Int64 = 0
            let start = index
            while index < trimmed.count, trimmed[index] >= UInt8(ascii: "0"), trimmed[index] <= UInt8(ascii: "9") {
                let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = shifted.addingReportingOverflow(Int64(trimmed[index] - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                value = next
                index += 1
            }
            guard index > start else { return nil }
            let unitStart = index
            while index < trimmed.count, trimmed[index] >= UInt8(ascii: "a"), trimmed[index] <= UInt8(ascii: "z") { index += 1 }
            let factor: Int64
            switch String(decoding: trimmed[unitStart..<index], as: UTF8.self) {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            default: return nil
            }
            let (part, o3) = value.multipliedReportingOverflow(by: factor)
            let (sum, o4) = total.addingReportingOverflow(part)
            guard !o3, !o4 else { return nil }
            total = sum
        }
        milliseconds = total
    }

    /// The largest unit that divides the duration exactly: `15m`, `7d`, `90s`, `500ms`.
    public var description: String {
        for (suffix, factor) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds != 0 && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
