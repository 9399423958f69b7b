import AirlockCore
import Crypto
import Hummingbird
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Quarantined samples as the zip analysts expect (one entry, password `infected`), for `POST
/// /v1/quarantine/{id}/download` with `{"zip": true}` and the review page.
///
/// The zip cannot be a presigned store URL (the store holds the raw bytes), so Airlock serves it itself at
/// `GET /v1/quarantine/{id}/archive?expires=…&signature=…`: a link that expires like the raw download's and is signed
/// with `APIEnvironment.linkKey` (HMAC-SHA256 over the id and the expiry). Serving it streams the object into a private,
/// already unlinked temp file, computes its CRC-32, then sends header, encrypted bytes and trailer. File reads run on
/// `APIEnvironment.blocking`'s threads.
public struct AnalysisArchive: Sendable {
    let environment: APIEnvironment
    let expiresSeconds: Int

    /// The signed link and its expiry: absolute under `http.publicURL` when it is configured, else a path. Never built
    /// from the request's Host (a client chooses that).
    func link(for upload: Upload) -> (url: String, expiresAt: String) {
        let expires = environment.clock.now() / 1000 + Int64(expiresSeconds)
        let signature = sign(id: upload.id.rawValue, expires: expires)
        return ("\(environment.publicURL ?? "")/v1/quarantine/\(upload.id.rawValue)/archive?expires=\(expires)&signature=\(signature)", Timestamp.iso8601(expires * 1000))
    }

    func sign(id: String, expires: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("airlock-analysis-zip\n\(id)\n\(expires)".utf8), using: SymmetricKey(data: environment.linkKey))
        return Hex.lowercase(mac)
    }

    /// `work` on the environment's blocking threads; its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        try await environment.blocking {
            let value = try work()
            result.withLock { $0 = value }
        }
        guard let value = result.withLock({ $0 }) else { throw OpenFile.ReadError() }
        return value
    }

    /// `GET /v1/quarantine/{id}/archive`: the signature is the authorization.
    func serve(_ request: Request, context: APIContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let id = context.parameters.get("id"), let expires = query["expires"].flatMap({ Int64(String($0)) }), let signature = query["signature"].map(String.init),
            APIKeyAuthenticator.constantTimeEqual(Array(signature.utf8), Array(sign(id: id, expires: expires).utf8))
        else {
            throw APIError(.forbidden, "invalid_link", "the link is not valid")
        }
        guard environment.clock.now() / 1000 <= expires else { throw APIError(.forbidden, "link_expired", "the link expired; ask for a new one") }
        guard let uploadID = UploadID(id), let upload = try await environment.catalog.upload(id: uploadID), upload.state == .quarantined else {
            throw APIError.notFound
        }
        let object = environment.layout.quarantine(upload.id)
        guard let head = try await environment.store.head(object) else { throw APIError.conflict("object_missing", "the quarantined object is gone") }
        guard head.size <= AnalysisZip.maxSize else {
            throw APIError(.contentTooLarge, "too_large", "the object is too large for a zip; download the raw object instead")
        }

        guard let file = OpenFile.privateTemporary(in: environment.temporaryDirectory) else { throw APIError.internalError }
        let info: ObjectInfo
        do {
            info = try await environment.store.download(object, ifMatch: head.etag, to: file.descriptor)
        } catch {
            throw APIError.unavailable
        }
        let name = upload.safeName + ".quarantined"
        let epochSeconds = environment.clock.now() / 1000
        let (started, header) = try await run { try Self.begin(file, size: info.size, name: name, epochSeconds: epochSeconds) }
        let length = AnalysisZip.length(nameBytes: started.name.count, size: info.size)
        let attachment = "attachment; filename=\"\(upload.id.rawValue).zip\""
        let body = ResponseBody(contentLength: Int(length)) { writer in
            var zip = started  // the cipher's state after the header; each chunk continues it
            try await writer.write(ByteBuffer(bytes: header))
            var offset: Int64 = 0
            while offset < info.size {
                let (at, current) = (offset, zip)
                let (chunk, next) = try await run {
                    var state = current
                    return (try Self.encryptedChunk(file, at: at, size: info.size, zip: &state), state)
                }
                zip = next
                offset += Int64(chunk.count)
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.write(ByteBuffer(bytes: zip.trailer()))
            try await writer.finish(nil)
            withExtendedLifetime(file) {}
        }
        return Response(
            status: .ok, headers: [.contentType: "application/zip", .contentDisposition: attachment, .cacheControl: "no-store"], body: body
        )
    }
}

extension AnalysisArchive {
    /// The entry's cipher after its header, and the header's bytes (blocking: reads the file for its CRC-32).
    static func begin(_ file: OpenFile, size: Int64, name: String, epochSeconds: Int64) throws -> (zip: AnalysisZip, header: [UInt8]) {
        var zip = AnalysisZip(name: name, crc: try file.crc32(size: size), size: size, epochSeconds: epochSeconds)
        var generator = SystemRandomNumberGenerator()
        let header = zip.header(random: (0..<11).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return (zip, header)
    }

    /// The next encrypted piece of the file at `offset` (blocking).
    static func encryptedChunk(_ file: OpenFile, at offset: Int64, size: Int64, zip: inout AnalysisZip) throws -> [UInt8] {
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

/// An open file descriptor, closed when the last reference goes.
public final class OpenFile: Sendable {
    public let descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// A new file (mode 0600) in `directory` that no other process can open: unlinked at once, gone when closed.
    public static func privateTemporary(in directory: String) -> OpenFile? {
        var template = Array("\(directory)/airlock-zip-XXXXXX\0".utf8).map { CChar(bitPattern: $0) }
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { return nil }
        unlink(template)
        return OpenFile(descriptor: descriptor)
    }

    deinit { close(descriptor) }

    struct ReadError: Error {}

    /// Exactly `count` bytes at `offset` (blocking).
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled)) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw ReadError() }
            filled += result
        }
        return bytes
    }

    /// CRC-32 of the first `size` bytes (blocking).
    func crc32(size: Int64) throws -> UInt32 {
        var crc: UInt32 = 0
        var offset: Int64 = 0
        while offset < size {
            let chunk = try read(at: offset, count: Int(min(1 << 20, size - offset)))
            crc = CRC32.checksum(chunk, continuing: crc)
            offset += Int64(chunk.count)
        }
        return crc
    }
}
