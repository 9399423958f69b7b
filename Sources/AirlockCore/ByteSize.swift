/// A size in bytes as configuration writes it: `10240`, `512KiB`, `50MiB`, `5GiB`, `1TiB` (binary units), or `10MB`
/// (decimal units).
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) {
        self.bytes = bytes
    }

    private static let units: [(suffix: String, factor: Int64)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("kB", 1_000), ("B", 1),
    ]

    /// Parses a size; `nil` when the text is not a non-negative size or overflows.
    public init?(parsing text: String) {
        let trimmed = text.trimmingSpaces()
        var number = Substring(trimmed)
        var factor: Int64 = 1
        for unit in Self.units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        let digits = number.trimmingSpaces()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let value = Int64(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        bytes = product
    }

    /// The largest binary unit that divides the size exactly: `50MiB`, `10240` prints as `10KiB`.
    public var description: String {
        if bytes == 0 { return "0" }
        for unit in Self.units where unit.suffix.hasSuffix("iB") && bytes % unit.factor == 0 {
            return "\(bytes / unit.factor)\(unit.suffix)"
        }
        return "\(bytes)"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    public static func kibibytes(_ value: Int64) -> ByteSize { ByteSize(bytes: value << 10) }
    public static func mebibytes(_ value: Int64) -> ByteSize { ByteSize(bytes: value << 20) }
    public static func gibibytes(_ value: Int64) -> ByteSize { ByteSize(bytes: value << 30) }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs, and line breaks too when `newlines` (`\r\n` is one Character).
    public func trimmingSpaces(newlines: Bool = false) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || (newlines && $0.isNewline) }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
