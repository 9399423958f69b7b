import AirlockCore
import Hummingbird
import NIOCore
import Review
import Synchronization

/// `GET /v1/quarantine/{id}/archive`: serving the analysis zip whose link `AnalysisArchive` signs.
extension AnalysisArchive {
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
        guard let id = context.parameters.get("id"), let expires = query["expires"].flatMap({ Int64(String($0)) }),
            let signature = query["signature"].map(String.init),
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
            throw ReviewError.tooLargeForZip
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
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: attachment, .cacheControl: "no-store"],
            body: body
        )
    }
}
