import AirlockCore
import Foundation
import Hummingbird
import Logging

/// The quarantine review API, hash lists and the audit log (reviewers; audit also admins). Every action is audited.
struct ReviewRoutes: Sendable {
    let environment: APIEnvironment
    /// `uploads.quarantineDownloadExpires`.
    let quarantineDownloadSeconds: Int

    struct NoteBody: Decodable {
        var note: String
        var trust: Bool?
        var block: Bool?
        var zip: Bool?
    }

    struct HashBody: Decodable {
        var sha256: String
        var note: String?
    }

    func register(on router: Router<APIContext>) {
        router.get("/v1/quarantine") { request, context in try await self.list(request, context: context) }
        router.get("/v1/quarantine/:id") { _, context in try await self.detail(context: context) }
        router.post("/v1/quarantine/:id/download") { request, context in try await self.download(request, context: context) }
        router.post("/v1/quarantine/:id/release") { request, context in try await self.release(request, context: context) }
        router.post("/v1/quarantine/:id/rescan") { _, context in try await self.rescan(context: context) }
        router.delete("/v1/quarantine/:id") { request, context in try await self.purge(request, context: context) }
        router.get("/v1/hashlists/:list") { _, context in try await self.hashList(context: context) }
        router.post("/v1/hashlists/:list") { request, context in try await self.addHash(request, context: context) }
        router.delete("/v1/hashlists/:list/:sha256") { _, context in try await self.removeHash(context: context) }
        router.get("/v1/audit") { request, context in try await self.audit(request, context: context) }
    }

    // MARK: Quarantine

    /// Filters `reason`, `since` (ISO 8601 date or time, UTC), `flag`; `cursor` (the last id seen) and `limit`.
    func list(_ request: Request, context: APIContext) async throws -> Response {
        _ = try context.require([.reviewer, .admin])
        let query = request.uri.queryParameters
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 200)
        var cursor = try query["cursor"].map { text -> UploadID in
            guard let id = UploadID(text) else { throw APIError.invalid("invalid_request", "cursor is not an upload id") }
            return id
        }
        let reason = query["reason"].map(String.init)
        if let reason, ReasonCode(rawValue: reason) == nil { throw APIError.invalid("invalid_request", "unknown reason code '\(reason)'") }
        let flag = query["flag"].map(String.init)
        var since: EpochMillis?
        if let text = query["since"] {
            guard let millis = Timestamp.parse(String(text)) else { throw APIError.invalid("invalid_request", "since must be an ISO 8601 date or time") }
            since = millis
        }
        var items: [Upload] = []
        var scanned = 0
        // Filters apply while paging through ids; the scan is bounded so a rare filter cannot run away.
        scan: while items.count < limit && scanned < 5000 {
            let page = try await environment.catalog.uploads(state: .quarantined, owner: nil, after: cursor, limit: 200)
            if page.isEmpty { break }
            for upload in page {
                scanned += 1
                cursor = upload.id
                if let reason, !upload.reasons.contains(where: { $0.code.rawValue == reason }) { continue }
                if let flag, !upload.flags.contains(flag) { continue }
                if let since, upload.updatedAt < since { continue }
                items.append(upload)
                if items.count == limit { break scan }
            }
        }
        let next: JSONText = items.count == limit ? .string(items.last!.id.rawValue) : .null
        return .json(.ok, .object([("items", .array(items.map(Self.summary))), ("nextCursor", next)]))
    }

    static func summary(_ upload: Upload) -> JSONText {
        var fields: [(String, JSONText)] = []
        if case .object(let file) = UploadRoutes.file(upload) { fields = file }
        fields += [("owner", .string(upload.owner)), ("profile", .string(upload.profile)), ("originalKey", upload.originalKey.map(JSONText.string) ?? .null)]
        return .object(fields)
    }

    func quarantined(context: APIContext) async throws -> Upload {
        guard let text = context.parameters.get("id"), let id = UploadID(text), let upload = try await environment.catalog.upload(id: id), upload.state == .quarantined else {
            throw APIError.notFound
        }
        return upload
    }

    func detail(context: APIContext) async throws -> Response {
        _ = try context.require([.reviewer, .admin])
        let upload = try await quarantined(context: context)
        return .json(.ok, Self.summary(upload))
    }

    func download(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await quarantined(context: context)
        let body = try await Self.optionalBody(NoteBody.self, request: request, context: context)
        if body?.zip == true { throw APIError.invalid("unsupported", "zip downloads are not available yet; download the raw object") }
        let now = environment.clock.now()
        let signed: (url: String, expiresAt: String)
        do {
            signed = try environment.signer.download(
                environment.layout.quarantine(upload.id), filename: upload.safeName + ".quarantined", contentType: "application/octet-stream",
                expiresSeconds: quarantineDownloadSeconds, now: now
            )
        } catch {
            throw APIError.internalError
        }
        try await environment.audit(AuditEntry(at: now, actor: principal.actor, action: "quarantine.download", uploadID: upload.id.rawValue))
        return .json(.ok, .object([("url", .string(signed.url)), ("expiresAt", .string(signed.expiresAt))]))
    }

    /// Queues a new inspection of the quarantined bytes (a worker does it); 202.
    func rescan(context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await quarantined(context: context)
        guard try await environment.catalog.requestRescan(id: upload.id, now: environment.clock.now()) else { throw APIError.notFound }
        try await environment.audit(AuditEntry(at: environment.clock.now(), actor: principal.actor, action: "quarantine.rescan", uploadID: upload.id.rawValue))
        environment.wake()
        return .json(.accepted, .object([("id", .string(upload.id.rawValue)), ("state", .string(UploadState.quarantined.rawValue))]))
    }

    /// Moves the object to processed (copy pinned to its ETag, verified, source deleted) and records who and why.
    func release(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await quarantined(context: context)
        guard let body = try await Self.optionalBody(NoteBody.self, request: request, context: context), !body.note.isEmpty else {
            throw APIError.invalid("note_required", "a release needs a note")
        }
        guard upload.originalKey == nil else { throw APIError.conflict("unsolicited", "an unsolicited object has no owner to release it to") }
        let source = environment.layout.quarantine(upload.id)
        let destination = environment.layout.processed(upload.id, safeName: upload.safeName)
        do {
            guard let head = try await environment.store.head(source) else { throw APIError.conflict("object_missing", "the quarantined object is gone") }
            let copied = try await environment.store.copy(
                from: source, ifMatch: head.etag, size: head.size, to: destination, contentType: upload.detectedType ?? "application/octet-stream",
                metadata: [("airlock-id", upload.id.rawValue), ("airlock-outcome", "released"), ("airlock-sha256", upload.sha256 ?? "")]
            )
            if copied.partSize == nil, !copied.etag.isEmpty, ETagText.normalized(copied.etag) != ETagText.normalized(head.etag) {
                try await environment.store.delete(destination)
                throw APIError.conflict("object_changed", "the quarantined object changed during the release")
            }
            try await environment.store.delete(source)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.unavailable
        }
        try await conclude(upload, to: .processed, action: "quarantine.release", principal: principal, note: body.note, list: body.trust == true ? .allow : nil)
        return .json(.ok, .object([("id", .string(upload.id.rawValue)), ("state", .string(UploadState.processed.rawValue))]))
    }

    func purge(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await quarantined(context: context)
        guard let body = try await Self.optionalBody(NoteBody.self, request: request, context: context), !body.note.isEmpty else {
            throw APIError.invalid("note_required", "a purge needs a note")
        }
        do {
            try await environment.store.delete(environment.layout.quarantine(upload.id))
        } catch {
            throw APIError.unavailable
        }
        try await conclude(upload, to: .purged, action: "quarantine.purge", principal: principal, note: body.note, list: body.block == true ? .deny : nil)
        return Response(status: .noContent)
    }

    /// Moves a reviewed upload out of quarantine, audits the decision and, when asked, lists its SHA-256.
    func conclude(_ upload: Upload, to state: UploadState, action: String, principal: Principal, note: String, list: HashListKind?) async throws {
        guard try await environment.catalog.transition(id: upload.id, from: .quarantined, to: state, now: environment.clock.now()) else {
            throw APIError.conflict("state_changed", "the upload changed state meanwhile")
        }
        let now = environment.clock.now()
        try await environment.audit(AuditEntry(at: now, actor: principal.actor, action: action, uploadID: upload.id.rawValue, note: note))
        if let list, let sha256 = upload.sha256 {
            try await environment.catalog.setHashListEntry(HashListEntry(sha256: sha256, list: list, note: note, actor: principal.actor, createdAt: now))
            try await environment.audit(
                AuditEntry(at: now, actor: principal.actor, action: "hashlist.\(list.rawValue)", uploadID: upload.id.rawValue, note: note, detail: "{\"sha256\":\"\(sha256)\"}")
            )
        }
    }

    // MARK: Hash lists

    func listKind(context: APIContext) throws -> HashListKind {
        guard let text = context.parameters.get("list"), let kind = HashListKind(rawValue: text) else { throw APIError.notFound }
        return kind
    }

    func hashList(context: APIContext) async throws -> Response {
        _ = try context.require([.reviewer, .admin])
        let kind = try listKind(context: context)
        let entries = try await environment.catalog.hashListEntries().filter { $0.list == kind }
        return .json(
            .ok,
            .object([
                ("items", .array(entries.map { entry in
                    .object([
                        ("sha256", .string(entry.sha256)), ("note", entry.note.map(JSONText.string) ?? .null), ("actor", .string(entry.actor)),
                        ("createdAt", .string(Timestamp.iso8601(entry.createdAt))),
                    ])
                })),
            ])
        )
    }

    func addHash(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let kind = try listKind(context: context)
        let body = try await request.decode(as: HashBody.self, context: context)
        let sha256 = body.sha256.lowercased()
        guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw APIError.invalid("invalid_request", "sha256 must be 64 hex digits")
        }
        let now = environment.clock.now()
        try await environment.catalog.setHashListEntry(HashListEntry(sha256: sha256, list: kind, note: body.note, actor: principal.actor, createdAt: now))
        try await environment.audit(AuditEntry(at: now, actor: principal.actor, action: "hashlist.\(kind.rawValue)", note: body.note, detail: "{\"sha256\":\"\(sha256)\"}"))
        return .json(.created, .object([("sha256", .string(sha256)), ("list", .string(kind.rawValue))]))
    }

    func removeHash(context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let kind = try listKind(context: context)
        guard let sha256 = context.parameters.get("sha256")?.lowercased(), try await environment.catalog.removeHashListEntry(sha256: sha256, list: kind) else {
            throw APIError.notFound
        }
        try await environment.audit(
            AuditEntry(at: environment.clock.now(), actor: principal.actor, action: "hashlist.remove", detail: "{\"sha256\":\"\(sha256)\",\"list\":\"\(kind.rawValue)\"}")
        )
        return Response(status: .noContent)
    }

    // MARK: Audit

    func audit(_ request: Request, context: APIContext) async throws -> Response {
        _ = try context.require([.reviewer, .admin])
        let query = request.uri.queryParameters
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 100, 1), 1000)
        let after = Int64(query["cursor"].map(String.init) ?? "") ?? 0
        let entries = try await environment.catalog.auditEntries(after: after, limit: limit)
        return .json(
            .ok,
            .object([
                ("items", .array(entries.map { entry in
                    .object([
                        ("sequence", .int(Int(entry.sequence))), ("at", .string(Timestamp.iso8601(entry.at))), ("actor", .string(entry.actor)),
                        ("action", .string(entry.action)), ("uploadId", entry.uploadID.map(JSONText.string) ?? .null), ("note", entry.note.map(JSONText.string) ?? .null),
                        ("detail", .string(entry.detail)), ("hash", .string(entry.hash)),
                    ])
                })),
                ("nextCursor", entries.count == limit ? .string(String(entries.last!.sequence)) : .null),
            ])
        )
    }

    // MARK: Helpers

    static func optionalBody<Body: Decodable>(_ type: Body.Type, request: Request, context: APIContext) async throws -> Body? {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
    }
}
