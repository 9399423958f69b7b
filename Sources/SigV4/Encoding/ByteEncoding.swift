/// Byte-level encoders used on the signing hot path.
///
/// Everything here appends to a `[UInt8]` and allocates nothing else: Foundation's percent-encoding,
/// `DateFormatter` and `String` splitting dominate the cost of other signers (FACTS.md).
enum ByteEncoding {
    /// RFC 3986 unreserved characters: `A-Z a-z 0-9 - . _ ~`. Everything else is percent-encoded.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func upperHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x37
    }

    @inline(__always)
    static func lowerHex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x57
    }

    /// Appends `bytes` percent-encoded the way SigV4 wants it (uppercase hex, unreserved kept).
    /// - Parameter keepSlash: Keep `/` literal (object key paths) instead of encoding it as `%2F`.
    @inline(__always)
    static func appendURIEncoded(_ bytes: UnsafeBufferPointer<UInt8>, keepSlash: Bool, to out: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex(byte >> 4))
                out.append(upperHex(byte & 0x0F))
            }
        }
    }

    /// Appends the UTF-8 of `string` percent-encoded (see ``appendURIEncoded(_:keepSlash:to:)``).
    @inline(__always)
    static func appendURIEncoded(_ string: String, keepSlash: Bool, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { appendURIEncoded($0, keepSlash: keepSlash, to: &out) }
    }

    /// Appends `bytes` as lowercase hexadecimal.
    @inline(__always)
    static func appendLowerHex<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(lowerHex(byte >> 4))
            out.append(lowerHex(byte & 0x0F))
        }
    }

    /// Lowercase hexadecimal of `bytes` as a `String`.
    static func lowerHexString<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendLowerHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends a non-negative integer in decimal.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0, "appendDecimal takes non-negative values")
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) &+ 0x30)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int in decimal
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                out.append(buffer[index])
            }
        }
    }

    /// Appends `value` as exactly `width` decimal digits, zero-padded.
    @inline(__always)
    static func appendPadded(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor &*= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(truncatingIfNeeded: rest / divisor) &+ 0x30)
            rest %= divisor
            divisor /= 10
        }
    }

    private static let base64Alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends standard base64 (with padding) of `bytes`.
    static func appendBase64(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let alphabet = base64Alphabet
        var index = 0
        let count = bytes.count
        out.reserveCapacity(out.count + (count + 2) / 3 * 4)
        while index + 3 <= count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(alphabet[Int(chunk >> 6 & 0x3F)])
            out.append(alphabet[Int(chunk & 0x3F)])
            index += 3
        }
        let remaining = count - index
        if remaining > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if remaining == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(remaining == 2 ? alphabet[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 of a string literal or other `StaticString` without creating a `String`.
    @inline(__always)
    mutating func append(static literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends the UTF-8 of `string`.
    @inline(__always)
    mutating func append(utf8 string: String) {
        var string = string
        string.withUTF8 { append(contentsOf: $0) }
    }
}
