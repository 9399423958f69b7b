import Crypto

/// The `x-amz-content-sha256` value of a request body held in memory.
public enum PayloadHash {
    /// Lowercase hex SHA-256 of `bytes`.
    public static func hex(of bytes: [UInt8]) -> String {
        let digest = bytes.withUnsafeBytes { SHA256.hash(data: $0) }
        return digest.withUnsafeBytes { raw in
            ByteWriter.string(capacity: 64) { $0.writeLowerHex(raw) }
        }
    }

    /// Base64 SHA-256 of `bytes` (the `x-amz-checksum-sha256` and `Content-MD5`-style header form).
    public static func base64(of bytes: [UInt8]) -> String {
        let digest = bytes.withUnsafeBytes { SHA256.hash(data: $0) }
        return digest.withUnsafeBytes { raw in
            ByteWriter.string(capacity: 44) { $0.writeBase64(raw.assumingMemoryBound(to: UInt8.self)) }
        }
    }
}

extension PayloadHash {
    /// Base64 MD5 of `bytes`: the `Content-MD5` header S3 requires on some bucket configuration requests (not a
    /// security use of MD5).
    public static func contentMD5(of bytes: [UInt8]) -> String {
        let digest = bytes.withUnsafeBytes { Insecure.MD5.hash(data: $0) }
        return digest.withUnsafeBytes { raw in
            ByteWriter.string(capacity: 24) { $0.writeBase64(raw.assumingMemoryBound(to: UInt8.self)) }
        }
    }
}

/// RFC 3986 percent-encoding as SigV4 and S3 use it (uppercase hex, unreserved characters kept).
public enum URIEncoding {
    /// Encodes `text`, keeping `/` when `keepSlash` (object keys in paths and `x-amz-copy-source`).
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        ByteWriter.string(capacity: text.utf8.count * 3) { $0.writeURIEncoded(text, keepSlash: keepSlash) }
    }
}

extension PayloadHash {
    /// The base64 form of a lowercase hex SHA-256 or MD5 (a checksum as the `x-amz-checksum-sha256` or `Content-MD5`
    /// header wants it); `nil` unless `hex` is exactly 64 (or 32) lowercase hex digits.
    public static func base64(hexDigest hex: String) -> String? {
        let bytes = Array(hex.utf8)
        guard bytes.count == 64 || bytes.count == 32 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var raw: [UInt8] = []
        raw.reserveCapacity(32)
        var index = 0
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            raw.append(high << 4 | low)
            index += 2
        }
        return raw.withUnsafeBufferPointer { buffer in ByteWriter.string(capacity: 44) { $0.writeBase64(buffer) } }
    }
}

extension PayloadHash {
    /// Whether `value` has the shape of a base64 SHA-256 (43 base64 characters and one `=`): what a form field or
    /// header named `x-amz-checksum-sha256` must carry.
    public static func isBase64SHA256(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 44, bytes[43] == UInt8(ascii: "=") else { return false }
        return bytes[..<43].allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default: false
            }
        }
    }
}
