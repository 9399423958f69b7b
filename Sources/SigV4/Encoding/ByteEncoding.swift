/// Byte-level character classes and tables shared by the encoders.
///
/// Foundation's percent-encoding, `DateFormatter` and `String` splitting dominate the cost of other signers
/// (docs/architecture.md); everything on the signing path works on UTF-8 bytes instead (see ``ByteWriter``).
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

    static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// For every 12-bit value, its two base64 characters (first in the high byte).
    static let base64Pairs: [UInt16] = (0..<4096).map { value in
        UInt16(base64Alphabet[value >> 6]) << 8 | UInt16(base64Alphabet[value & 0x3F])
    }

    /// Appends the UTF-8 of `string` percent-encoded (for buffers that grow, such as ``CanonicalQuery``'s).
    static func appendURIEncoded(_ string: String, keepSlash: Bool, to out: inout [UInt8]) {
        let needed = string.utf8.count * 3
        guard needed > 0 else { return }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: needed))
        let written = out.withUnsafeMutableBufferPointer { buffer in
            var writer = ByteWriter(UnsafeMutableBufferPointer(rebasing: buffer[start...]))
            writer.writeURIEncoded(string, keepSlash: keepSlash)
            return writer.count
        }
        out.removeLast(needed - written)
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 of a string literal without creating a `String`.
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
