package import AirlockCore
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// Quarantined samples as the zip analysts expect (one entry, password `infected`), for `POST
/// /v1/quarantine/{id}/download` with `{"zip": true}` and the review page.
///
/// The zip cannot be a presigned store URL (the store holds the raw bytes), so Airlock serves it itself at
/// `GET /v1/quarantine/{id}/archive?expires=…&signature=…`: a link that expires like the raw download's and is signed
/// with `ReviewEnvironment.linkKey` (HMAC-SHA256 over the id and the expiry). Serving it streams the object into a private,
/// already unlinked temp file, computes its CRC-32, then sends header, encrypted bytes and trailer. File reads run on
/// `ReviewEnvironment.blocking`'s threads.
public struct AnalysisArchive: Sendable {
    package let environment: ReviewEnvironment
    package let expiresSeconds: Int

    /// The signed link and its expiry: absolute under `http.publicURL` when it is configured, else a path. Never built
    /// from the request's Host (a client chooses that).
    package func link(for upload: Upload) -> (url: String, expiresAt: String) {
        let expires = environment.clock.now() / 1000 + Int64(expiresSeconds)
        let signature = sign(id: upload.id.rawValue, expires: expires)
        return (
            "\(environment.publicURL ?? "")/v1/quarantine/\(upload.id.rawValue)/archive?expires=\(expires)&signature=\(signature)",
            Timestamp.iso8601(expires * 1000)
        )
    }

    package func sign(id: String, expires: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("airlock-analysis-zip\n\(id)\n\(expires)".utf8),
            using: SymmetricKey(data: environment.linkKey)
        )
        return Hex.lowercase(mac)
    }
}

extension AnalysisArchive {
    /// The entry's cipher after its header, and the header's bytes (blocking: reads the file for its CRC-32).
    package static func begin(_ file: OpenFile, size: Int64, name: String, epochSeconds: Int64) throws -> (zip: AnalysisZip, header: [UInt8]) {
        var zip = AnalysisZip(name: name, crc: try file.crc32(size: size), size: size, epochSeconds: epochSeconds)
        var generator = SystemRandomNumberGenerator()
        let header = zip.header(random: (0..<11).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return (zip, header)
    }

    /// The next encrypted piece of the file at `offset` (blocking).
    package static func encryptedChunk(_ file: OpenFile, at offset: Int64, size: Int64, zip: inout AnalysisZip) throws -> [UInt8] {
        var chunk = try file.read(at: offset, count: Int(min(1 << 16, size - offset)))
        zip.encrypt(&chunk)
        return chunk
    }

    /// Writes the zip of the first `size` bytes of `source` to `output` (blocking; `airlock quarantine download --zip`).
    public static func write(source: OpenFile, size: Int64, name: String, epochSeconds: Int64, to output: Int32) throws {
        var (zip, header) = try begin(source, size: size, name: name, epochSeconds: epochSeconds)
        try writeAll(output, header)
        var offset: Int64 = 0
        while offset < size {
            let chunk = try encryptedChunk(source, at: offset, size: size, zip: &zip)
            offset += Int64(chunk.count)
            try writeAll(output, chunk)
        }
        try writeAll(output, zip.trailer())
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw OpenFile.ReadError() }
            written += result
        }
    }
}
