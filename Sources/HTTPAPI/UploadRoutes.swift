import AirlockCore
import Hummingbird
import Logging
import Review
import SigV4

/// `POST /v1/uploads`, `POST /v1/uploads/{id}/complete`, `GET /v1/files/{id}`, `GET /v1/files/{id}/download`,
/// `DELETE /v1/files/{id}`.
struct UploadRoutes: Sendable {
    let environment: APIEnvironment

    struct CompleteBody: Decodable {
        struct Part: Decodable {
            var number: Int
            var etag: String
        }
        var parts: [Part]
    }

    struct CreateBody: Decodable {
        var profile: String
        var filename: String
        var size: Int64
        var contentType: String
        var sha256: String?
        var owner: String?
    }

    func register(on router: Router<APIContext>) {
        router.post("/v1/uploads") { request, context in try await self.create(request, context: context) }
        router.post("/v1/uploads/:id/complete") { request, context in try await self.complete(request, context: context) }
        router.get("/v1/files/:id") { _, context in try await self.show(context: context) }
        router.get("/v1/files/:id/download") { _, context in try await self.download(context: context) }
        router.delete("/v1/files/:id") { _, context in try await self.delete(context: context) }
    }

    // MARK: Create

    func create(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.uploader, .admin])
        let body = try await request.decode(as: CreateBody.self, context: context)
        guard let profile = environment.profiles[body.profile] else { throw APIError.invalid("profile_unknown", "no profile '\(body.profile)'") }
        guard principal.mayUse(profile: body.profile) else { throw APIError.forbidden("this key may not use profile '\(body.profile)'") }
        var owner = principal.owner
        if let named = body.owner {
            guard principal.service else { throw APIError.forbidden("only service keys may name an owner") }
            guard !named.isEmpty, named.utf8.count <= 256 else { throw APIError.invalid("invalid_request", "owner must be 1-256 bytes") }
            owner = named
        }
        guard body.size >= 0, body.contentType.utf8.count <= 255 else {
            throw APIError.invalid("invalid_request", "size must be >= 0 and contentType at most 255 bytes")
        }
        // It becomes a signed header and a POST policy condition: a control character there is the client's mistake,
        // refused before anything is recorded.
        guard MediaTypeSyntax.isValid(body.contentType) else {
            throw APIError.invalid("content_type_invalid", "contentType must be a media type (type/subtype, printable ASCII, no control characters)")
        }
        var sha256: String?
        if let declared = body.sha256 {
            let lowered = declared.lowercased()
            guard Hex.isSHA256(lowered) else {
                throw APIError.invalid("invalid_request", "sha256 must be 64 hex digits")
            }
            sha256 = lowered
        }
        // The request-time checks of inspection: filename, extension, declared size and type against the profile.
        let reasons = ProfilePolicy.checkDeclaration(
            filename: body.filename,
            declaredSize: body.size,
            declaredType: body.contentType,
            profile: profile
        )
        if let first = reasons.first {
            throw APIError.invalid(first.code.rawValue, reasons.map(\.detail).joined(separator: "; "))
        }
        let idempotencyKey = request.headers[.init("Idempotency-Key")!]
        if let key = idempotencyKey, key.isEmpty || key.utf8.count > 200 {
            throw APIError.invalid("invalid_request", "Idempotency-Key must be 1-200 bytes")
        }
        let now = environment.clock.now()
        let id = UploadID.generate(at: now)
        let object = environment.layout.incoming(id)
        let multipart = body.size > environment.multipartThreshold
        var multipartUploadID: String?
        if multipart {
            // The multipart upload exists before the intent that names it (an orphan is aborted by the store's
            // lifecycle rule for incomplete uploads).
            do {
                multipartUploadID = try await environment.store.createMultipartUpload(
                    object,
                    contentType: body.contentType,
                    metadata: [("airlock-id", id.rawValue)]
                )
            } catch {
                throw APIError.unavailable
            }
        }
        let intent = Upload(
            id: id,
            owner: owner,
            profile: body.profile,
            filename: body.filename,
            safeName: FilenamePolicy.safeName(body.filename, normalize: environment.normalize),
            declaredSize: body.size,
            declaredType: body.contentType,
            declaredSHA256: sha256,
            incomingKey: object.key,
            multipartUploadID: multipartUploadID,
            idempotencyKey: idempotencyKey,
            createdAt: now,
            expiresAt: now + Int64(environment.uploadExpiresSeconds) * 1000
        )
        let stored: Upload
        do {
            stored = try await environment.catalog.createUpload(intent)
        } catch {
            context.logger.error("recording an upload intent failed", metadata: ["error": "\(error)"])
            throw APIError.unavailable
        }
        if stored.id != intent.id, let orphan = multipartUploadID {
            try? await environment.store.abortMultipartUpload(object, uploadID: orphan)
        }
        if stored.id != intent.id {
            // A retry with the same Idempotency-Key: the same upload, if the declaration is the same.
            guard stored.profile == intent.profile, stored.filename == intent.filename, stored.declaredSize == intent.declaredSize,
                stored.declaredType == intent.declaredType, stored.declaredSHA256 == intent.declaredSHA256
            else { throw APIError.conflict("idempotency_conflict", "this Idempotency-Key was used for a different upload") }
            guard stored.state == .pending, stored.expiresAt > now + 1000 else {
                throw APIError.conflict("upload_not_pending", "this upload is \(stored.state.rawValue)")
            }
        }
        let remaining = Int((stored.expiresAt - now) / 1000)
        let form: JSONText
        do {
            let target = ObjectRef(bucket: environment.layout.incoming.bucket, key: stored.incomingKey)
            if let uploadID = stored.multipartUploadID {
                form = try environment.signer.parts(
                    of: target,
                    uploadID: uploadID,
                    size: stored.declaredSize,
                    partSize: UploadSigner.partLayout(for: stored.declaredSize, preferred: environment.partSize).partSize,
                    expiresSeconds: remaining,
                    now: now
                )
            } else {
                form = try environment.signer.upload(stored, to: target, expiresSeconds: remaining, now: now)
            }
        } catch {
            // No form was handed out: the intent this request recorded must not stay pending.
            context.logger.error("signing an upload failed", metadata: ["error": "\(String(describing: type(of: error)))"])
            if stored.id == intent.id {
                _ = try? await environment.catalog.transition(id: stored.id, from: .pending, to: .expired, now: environment.clock.now())
            }
            throw APIError.internalError
        }
        return .json(
            .created,
            .object([
                ("id", .string(stored.id.rawValue)), ("state", .string(stored.state.rawValue)),
                ("expiresAt", .string(Timestamp.iso8601(stored.expiresAt))), ("upload", form),
            ])
        )
    }

    // MARK: Complete

    func complete(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let upload = try await owned(context: context, principal: principal, allowReviewers: false)
        switch upload.state {
        case .pending:
            guard upload.expiresAt + 3_600_000 > environment.clock.now() else {
                throw APIError.conflict("upload_expired", "this upload's URLs have expired")
            }
            let object = ObjectRef(bucket: environment.layout.incoming.bucket, key: upload.incomingKey)
            if let uploadID = upload.multipartUploadID {
                let body = try await request.decode(as: CompleteBody.self, context: context)
                let expected = UploadSigner.partLayout(for: upload.declaredSize, preferred: environment.partSize).count
                guard body.parts.map(\.number).sorted() == Array(1...expected),
                    body.parts.allSatisfy({ !$0.etag.isEmpty && $0.etag.utf8.count <= 128 })
                else {
                    throw APIError.invalid("parts_invalid", "list every part 1...\(expected) once, each with the ETag the store returned")
                }
                do {
                    try await environment.store.completeMultipartUpload(object, uploadID: uploadID, parts: body.parts.map { ($0.number, $0.etag) })
                } catch let failure as StoreFailure where failure.kind == .permanent || failure.kind == .notFound {
                    // Wrong ETags, missing or undersized parts: the store's answer, as a conflict the client can fix.
                    if try await environment.store.head(object) == nil {
                        throw APIError.conflict("parts_invalid", "the store refused the parts")
                    }
                } catch {
                    throw APIError.unavailable
                }
            }
            let head: ObjectInfo?
            do {
                head = try await environment.store.head(object)
            } catch {
                throw APIError.unavailable
            }
            guard head != nil else { throw APIError.conflict("object_missing", "nothing has been uploaded for this id yet") }
            _ = try await environment.catalog.markUploaded(id: upload.id, now: environment.clock.now())
            environment.wake()
            return .json(.accepted, .object([("id", .string(upload.id.rawValue)), ("state", .string(UploadState.uploaded.rawValue))]))
        case .expired:
            throw APIError.conflict("upload_expired", "this upload's URLs have expired")
        default:
            // Already noticed (by an earlier complete or the reconciler): the same answer again.
            return .json(.accepted, .object([("id", .string(upload.id.rawValue)), ("state", .string(upload.state.rawValue))]))
        }
    }

    // MARK: Files

    func show(context: APIContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let upload = try await owned(context: context, principal: principal, allowReviewers: true)
        return .json(.ok, UploadJSON.file(upload))
    }

    func download(context: APIContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let upload = try await owned(context: context, principal: principal, allowReviewers: false)
        guard upload.state == .processed else {
            throw APIError.conflict("not_processed", "only processed files can be downloaded (this one is \(upload.state.rawValue))")
        }
        let now = environment.clock.now()
        let object = environment.layout.processed(upload.id, safeName: upload.safeName)
        let signed: (url: String, expiresAt: String)
        do {
            signed = try environment.downloads.download(
                object,
                filename: upload.safeName,
                contentType: upload.detectedType ?? "application/octet-stream",
                expiresSeconds: environment.downloadExpiresSeconds,
                now: now
            )
        } catch {
            throw APIError.internalError
        }
        return .json(.ok, .object([("url", .string(signed.url)), ("expiresAt", .string(signed.expiresAt))]))
    }

    func delete(context: APIContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let upload = try await owned(context: context, principal: principal, allowReviewers: false)
        guard upload.state == .processed else {
            throw APIError.conflict("not_processed", "only processed files can be deleted (this one is \(upload.state.rawValue))")
        }
        do {
            try await environment.store.delete(environment.layout.processed(upload.id, safeName: upload.safeName))
        } catch {
            throw APIError.unavailable
        }
        guard try await environment.catalog.transition(id: upload.id, from: .processed, to: .deleted, now: environment.clock.now()) else {
            throw APIError.conflict("state_changed", "the file changed state meanwhile")
        }
        try await environment.audit(
            AuditEntry(at: environment.clock.now(), actor: principal.actor, action: "upload.deleted", uploadID: upload.id.rawValue)
        )
        return Response(status: .noContent)
    }

    /// The upload named in the path, if the caller owns it (or reviews); otherwise 404, never a hint that it exists.
    func owned(context: APIContext, principal: Principal, allowReviewers: Bool) async throws -> Upload {
        guard let text = context.parameters.get("id"), let id = UploadID(text), let upload = try await environment.catalog.upload(id: id),
            upload.owner == principal.owner || (allowReviewers && principal.reviews)
        else { throw APIError.notFound }
        return upload
    }
}
