/// An upload's id: a UUIDv7 (random, ordered by creation time), lowercase, as it appears in keys and URLs.
public struct UploadID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts only the canonical lowercase form (so an id read from a key or a URL is exactly one string).
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) else { return nil }
            }
        }
        rawValue = String(text)
    }

    /// A new id for the given time.
    public static func generate(at millis: EpochMillis, using generator: inout some RandomNumberGenerator) -> UploadID {
        var bytes = [UInt8](repeating: 0, count: 16)
        let time = UInt64(max(0, millis)) & 0xFFFF_FFFF_FFFF
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: time >> (40 - 8 * UInt64(index))) }
        let random = (generator.next() as UInt64, generator.next() as UInt64)
        for index in 6..<16 {
            let source = index < 14 ? random.0 : random.1
            bytes[index] = UInt8(truncatingIfNeeded: source >> (8 * UInt64(index % 8)))
        }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // variant 10
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return UploadID(String(decoding: text, as: UTF8.self))!
    }

    public static func generate(at millis: EpochMillis) -> UploadID {
        var generator = SystemRandomNumberGenerator()
        return generate(at: millis, using: &generator)
    }

    public static func < (lhs: UploadID, rhs: UploadID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}
