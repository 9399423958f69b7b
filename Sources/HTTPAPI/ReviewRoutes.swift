import AirlockCore
import Foundation
import Hummingbird
import Review

/// The quarantine review API, hash lists and the audit log (reviewers; audit also admins). Every action is audited.
struct ReviewRoutes: Sendable {
    let environment: APIEnvironment
    /// `uploads.quarantineDownloadExpires`.
    let quarantineDownloadSeconds: Int

    struct NoteBody: Decodable {
        var note: String?
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
        router.get("/v1/quarantine/:id/archive") { request, context in try await self.actions.archive.serve(request, context: context) }
        router.post("/v1/quarantine/:id/release") { request, context in try await self.release(request, context: context) }
        router.post("/v1/quarantine/:id/rescan") { _, context in try await self.rescan(context: context) }
        router.delete("/v1/quarantine/:id") { request, context in try await self.purge(request, context: context) }
        router.get("/v1/hashlists/:list") { _, context in try await self.hashList(context: context) }
        router.post("/v1/hashlists/:list") { request, context in try await self.addHash(request, context: context) }
        router.delete("/v1/hashlists/:list/:sha256") { _, context in try await self.removeHash(context: context) }
        router.get("/v1/audit") { request, context in try await self.audit(request, context: context) }
    }

    var actions: ReviewActions { ReviewActions(environment: environment.review, quarantineDownloadSeconds: quarantineDownloadSeconds) }

    // MARK: Quarantine

    /// Newest first. Filters `reason`, `since` (ISO 8601 date or time, UTC), `flag`; `cursor` (the last id seen) and `limit`.
    func list(_ request: Request, context: APIContext) async throws -> Response {
        _ = try context.require([.reviewer, .admin])
        let query = request.uri.queryParameters
        var filter = ReviewActions.Filter()
        filter.limit = Int(query["limit"].map(String.init) ?? "") ?? 50
        filter.cursor = try query["cursor"].map { text -> UploadID in
            guard let id = UploadID(text) else { throw APIError.invalid("invalid_request", "cursor is not an upload id") }
            return id
        }
        if let reason = query["reason"] {
            guard let code = ReasonCode(rawValue: String(reason)) else {
                throw APIError.invalid("invalid_request", "unknown reason code '\(reason)'")
            }
            filter.reason = code
        }
        filter.flag = query["flag"].map { UploadFlag(rawValue: String($0)) }
        if let text = query["since"] {
            guard let millis = Timestamp.parse(String(text)) else {
                throw APIError.invalid("invalid_request", "since must be an ISO 8601 date or time")
            }
            filter.since = millis
        }
        let page = try await actions.list(filter)
        return .json(
            .ok,
            .object([("items", .array(page.items.map(UploadJSON.quarantined))), ("nextCursor", page.next.map { .string($0.rawValue) } ?? .null)])
        )
    }

    func detail(context: APIContext) async throws -> Response {
        _ = try context.require([.reviewer, .admin])
        return .json(.ok, UploadJSON.quarantined(try await actions.quarantined(context.parameters.get("id"))))
    }

    func download(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await actions.quarantined(context.parameters.get("id"))
        let body = try await Self.optionalBody(NoteBody.self, request: request, context: context)
        let signed =
            body?.zip == true
            ? try await actions.zipDownload(upload, by: principal)
            : try await actions.download(upload, by: principal)
        return .json(.ok, .object([("url", .string(signed.url)), ("expiresAt", .string(signed.expiresAt))]))
    }

    /// Queues a new inspection of the quarantined bytes (a worker does it); 202.
    func rescan(context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await actions.quarantined(context.parameters.get("id"))
        try await actions.rescan(upload, by: principal)
        return .json(.accepted, .object([("id", .string(upload.id.rawValue)), ("state", .string(UploadState.quarantined.rawValue))]))
    }

    /// 200 `processed` when released; 202 `quarantined` with `pendingApproval` when a second reviewer must confirm.
    func release(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await actions.quarantined(context.parameters.get("id"))
        guard let body = try await Self.optionalBody(NoteBody.self, request: request, context: context) else {
            throw APIError.invalid("note_required", "a release needs a note")
        }
        switch try await actions.release(upload, note: body.note ?? "", trust: body.trust == true, by: principal) {
        case .released:
            return .json(.ok, .object([("id", .string(upload.id.rawValue)), ("state", .string(UploadState.processed.rawValue))]))
        case .awaitingSecondReviewer:
            return .json(
                .accepted,
                .object([("id", .string(upload.id.rawValue)), ("state", .string(UploadState.quarantined.rawValue)), ("pendingApproval", .bool(true))])
            )
        }
    }

    func purge(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let upload = try await actions.quarantined(context.parameters.get("id"))
        guard let body = try await Self.optionalBody(NoteBody.self, request: request, context: context) else {
            throw APIError.invalid("note_required", "a purge needs a note")
        }
        try await actions.purge(upload, note: body.note ?? "", block: body.block == true, by: principal)
        return Response(status: .noContent)
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
                (
                    "items",
                    .array(
                        entries.map { entry in
                            .object([
                                ("sha256", .string(entry.sha256)), ("note", entry.note.map(JSONText.string) ?? .null),
                                ("actor", .string(entry.actor)),
                                ("createdAt", .string(Timestamp.iso8601(entry.createdAt))),
                            ])
                        }
                    )
                )
            ])
        )
    }

    func addHash(_ request: Request, context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let kind = try listKind(context: context)
        let body = try await request.decode(as: HashBody.self, context: context)
        let sha256 = try await actions.addHash(body.sha256, to: kind, note: body.note, by: principal)
        return .json(.created, .object([("sha256", .string(sha256)), ("list", .string(kind.rawValue))]))
    }

    func removeHash(context: APIContext) async throws -> Response {
        let principal = try context.require([.reviewer, .admin])
        let kind = try listKind(context: context)
        try await actions.removeHash(context.parameters.get("sha256") ?? "", from: kind, by: principal)
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
                (
                    "items",
                    .array(
                        entries.map { entry in
                            .object([
                                ("sequence", .int(Int(entry.sequence))), ("at", .string(Timestamp.iso8601(entry.at))),
                                ("actor", .string(entry.actor)),
                                ("action", .string(entry.action)), ("uploadId", entry.uploadID.map(JSONText.string) ?? .null),
                                ("note", entry.note.map(JSONText.string) ?? .null),
                                ("detail", .string(entry.detail)), ("hash", .string(entry.hash)),
                            ])
                        }
                    )
                ),
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
