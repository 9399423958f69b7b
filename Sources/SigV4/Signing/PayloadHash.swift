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
