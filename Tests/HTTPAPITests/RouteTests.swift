import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Review
import SigV4
import Synchronization
import Testing

@testable import HTTPAPI

/// The API's routes in process (`app.test(.router)`): no server, no store (an in-memory one), a SQLite catalog in a
/// temp directory. The real-server flows are in `ServeFlowTests`; these pin the refusals and the fixed routes, each by
/// status and stable error code, and check that a refusal leaves no intent, store request or audit entry behind.
struct RouteTests {
    static let uploaderKey = "alk_route-tests-uploader-key-0000000000000000000"
    static let reviewerKey = "alk_route-tests-reviewer-key-0000000000000000000"
    static let maxBodyBytes = 2048

    /// What one test sees: the client, and the ports behind the router to look for side effects.
    struct Harness: Sendable {
        let client: any TestClientProtocol
        let catalog: SQLCatalog
        let store: MemoryObjectStore
        let audited: AuditTrail

        func call(
            _ method: HTTPRequest.Method,
            _ uri: String,
            key: String? = nil,
            json: String? = nil,
            headers: HTTPFields = [:]
        ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
            var fields = headers
            if let key { fields[.authorization] = "Bearer \(key)" }
            if json != nil { fields[.contentType] = "application/json" }
            let response = try await client.execute(uri: uri, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
            return (response.status, response.headers, String(buffer: response.body))
        }

        /// How many uploads the catalog holds, in any state.
        func uploadCount() async throws -> Int { try await catalog.countByState().values.reduce(0, +) }

        var auditCount: Int { audited.entries.withLock { $0.count } }
    }

    /// What the routes appended to the audit log.
    final class AuditTrail: Sendable {
        let entries = Mutex<[AuditEntry]>([])
    }

    /// The `error.code` of an API error body, or nil.
    static func errorCode(_ body: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], let error = object["error"] as? [String: Any]
        else { return nil }
        return error["code"] as? String
    }

    static func withRouter(
        readiness: @escaping @Sendable () async -> [(name: String, ready: Bool, detail: String)] = { [] },
        authFailureLimit: (perMinute: Int, burst: Int)? = nil,
        _ test: @escaping @Sendable (Harness) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-routes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let catalog = try await CatalogFactory.openSQLite(
            path: directory + "/catalog.sqlite",
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        do {
            try await run(catalog: catalog, readiness: readiness, authFailureLimit: authFailureLimit, test)
        } catch {
            await catalog.close()
            throw error
        }
        await catalog.close()
    }

    private static func run(
        catalog: SQLCatalog,
        readiness: @escaping @Sendable () async -> [(name: String, ready: Bool, detail: String)],
        authFailureLimit: (perMinute: Int, burst: Int)?,
        _ test: @escaping @Sendable (Harness) async throws -> Void
    ) async throws {
        let now = SystemWallClock().now()
        for (name, role, key) in [("uploader", "uploader", uploaderKey), ("reviewer", "reviewer", reviewerKey)] {
            try await catalog.createAPIKey(
                APIKeyRecord(
                    id: "key_\(name)",
                    name: name,
                    role: role,
                    owner: "key:\(name)",
                    service: false,
                    profiles: [],
                    keyHash: APIKeyAuthenticator.hash(key),
                    createdAt: now
                )
            )
        }
        let store = MemoryObjectStore()
        let audited = AuditTrail()
        let bucket = BucketPrefix(bucket: "airlock", prefix: "")
        let presigner = Presigner(
            signer: try Signer(
                credentials: Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                region: "us-east-1"
            ),
            endpoint: try S3Endpoint(url: "http://127.0.0.1:9")
        )
        let review = ReviewEnvironment(
            catalog: catalog,
            store: store,
            layout: ObjectLayout(
                incoming: BucketPrefix(bucket: bucket.bucket, prefix: "incoming/"),
                processed: BucketPrefix(bucket: bucket.bucket, prefix: "processed/"),
                quarantine: BucketPrefix(bucket: bucket.bucket, prefix: "quarantine/")
            ),
            clock: SystemWallClock(),
            downloads: DownloadSigner(presigner: presigner),
            audit: { entry in audited.entries.withLock { $0.append(entry) } },
            wake: {}
        )
        var environment = APIEnvironment(
            review: review,
            signer: UploadSigner(presigner: presigner, supportsPostPolicy: true, verifiesChecksums: false),
            profiles: ["documents": UploadProfile(name: "documents", maxSize: 1 << 20, allow: [.init(extensions: ["txt"], types: ["text/plain"])])],
            uploadExpiresSeconds: 900,
            downloadExpiresSeconds: 300,
            normalize: { $0 }
        )
        environment.corsOrigins = ["https://app.example"]
        environment.readiness = readiness
        if let authFailureLimit { environment.authFailureLimit = authFailureLimit }
        let router = APIServer.router(
            environment: environment,
            authenticator: APIKeyAuthenticator(catalog: catalog, clock: SystemWallClock()),
            maxBodyBytes: maxBodyBytes
        )
        let app = Application(router: router, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.test(.router) { client in
            try await test(Harness(client: client, catalog: catalog, store: store, audited: audited))
        }
    }

    static func createBody(profile: String = "documents", filename: String = "a.txt", size: Int = 3, contentType: String = "text/plain") -> String {
        JSONText.object([("profile", .string(profile)), ("filename", .string(filename)), ("size", .int(size)), ("contentType", .string(contentType))])
            .rendered
    }

    // MARK: Fixed routes

    @Test func healthAnswersOK() async throws {
        try await Self.withRouter { harness in
            let response = try await harness.call(.get, "/health")
            #expect(response.status == .ok)
            #expect(response.body == #"{"status":"ok"}"#)
            #expect(response.headers[.init("X-Request-Id")!]?.hasPrefix("req_") == true)
        }
    }

    @Test func readyIs503WithTheFailingCheckNamed() async throws {
        try await Self.withRouter(readiness: { [("catalog", true, "reachable"), ("store", false, "unreachable")] }) { harness in
            let response = try await harness.call(.get, "/ready")
            #expect(response.status == .serviceUnavailable)
            #expect(
                response.body
                    == #"{"status":"not_ready","checks":{"catalog":{"ready":true,"detail":"reachable"},"store":{"ready":false,"detail":"unreachable"}}}"#
            )
        }
        try await Self.withRouter(readiness: { [("catalog", true, "reachable")] }) { harness in
            let response = try await harness.call(.get, "/ready")
            #expect(response.status == .ok)
            #expect(response.body.hasPrefix(#"{"status":"ready""#), "\(response.body)")
        }
    }

    @Test func theOpenAPIDocumentIsServedAsYAML() async throws {
        try await Self.withRouter { harness in
            let response = try await harness.call(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.body == OpenAPIDocument.yaml)
            #expect(response.body.hasPrefix("openapi: 3."), "\(response.body.prefix(40))")
            #expect(response.body.contains("/v1/uploads:") && response.body.contains("/v1/quarantine:"))
        }
    }

    @Test func anUnknownRouteIsA404WithTheStableCode() async throws {
        try await Self.withRouter { harness in
            let response = try await harness.call(.get, "/v1/nothing-here", key: Self.uploaderKey)
            #expect(response.status == .notFound && Self.errorCode(response.body) == "not_found", "\(response.body)")
        }
    }

    // MARK: Authentication

    @Test func aMissingOrInvalidKeyIs401Unauthenticated() async throws {
        try await Self.withRouter { harness in
            let missing = try await harness.call(.post, "/v1/uploads", json: Self.createBody())
            #expect(missing.status == .unauthorized && Self.errorCode(missing.body) == "unauthenticated", "\(missing.body)")
            for header in ["Bearer alk_not-a-key-of-this-catalog", "Bearer not-even-a-key", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer"] {
                let invalid = try await harness.call(.post, "/v1/uploads", json: Self.createBody(), headers: [.authorization: header])
                #expect(
                    invalid.status == .unauthorized && Self.errorCode(invalid.body) == "unauthenticated",
                    "\(header): \(invalid.status) \(invalid.body)"
                )
                #expect(invalid.headers[.contentType] == "application/json")
            }
            #expect(try await harness.uploadCount() == 0)
            #expect(harness.store.requests("head") + harness.store.requests("upload") == 0)
        }
    }

    @Test func repeatedAuthenticationFailuresAreThrottledWith429() async throws {
        // A burst of 3 failures refilled at one a minute: the calls below cannot outlast it even on a loaded machine
        // (the default, 20 refilled at 10 a minute, refills while a slow run makes its 20 calls).
        try await Self.withRouter(authFailureLimit: (perMinute: 1, burst: 3)) { harness in
            for _ in 0..<3 {
                let failed = try await harness.call(.get, "/v1/quarantine", key: "alk_wrong")
                #expect(failed.status == .unauthorized)
            }
            let throttled = try await harness.call(.get, "/v1/quarantine", key: Self.reviewerKey)
            #expect(throttled.status == .tooManyRequests && Self.errorCode(throttled.body) == "rate_limited", "\(throttled.body)")
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    // MARK: Upload intents

    @Test func invalidUploadIntentsGetTheirCodesAndLeaveNothingBehind() async throws {
        try await Self.withRouter { harness in
            let cases: [(body: String, code: String)] = [
                (Self.createBody(profile: "nope"), "profile_unknown"),
                (Self.createBody(filename: "../etc/passwd.txt"), "filename_invalid"),
                (Self.createBody(filename: "a\u{202E}txt.exe"), "filename_invalid"),
                (Self.createBody(filename: "run.exe"), "extension_not_allowed"),
                (Self.createBody(size: 2 << 20), "size_exceeded"),
                (Self.createBody(contentType: "application/pdf"), "type_not_allowed"),
                (Self.createBody(contentType: "text/plain\r\nX-Injected: 1"), "content_type_invalid"),
                (#"{"profile":"documents","filename":"a.txt","size":3,"contentType":"text/plain","sha256":"xyz"}"#, "invalid_request"),
                (#"{"profile":"documents","filename":"a.txt","size":3}"#, "invalid_request"),
                ("not json", "invalid_request"),
            ]
            for (body, code) in cases {
                let response = try await harness.call(.post, "/v1/uploads", key: Self.uploaderKey, json: body)
                #expect(
                    response.status == .badRequest && Self.errorCode(response.body) == code,
                    "\(body.debugDescription): \(response.status) \(response.body)"
                )
            }
            #expect(try await harness.uploadCount() == 0)
            #expect(harness.store.requests("head") + harness.store.requests("upload") + harness.store.requests("list") == 0)
            #expect(harness.auditCount == 0)
            // The same request, well formed, is accepted: the refusals above were for what they named.
            let accepted = try await harness.call(.post, "/v1/uploads", key: Self.uploaderKey, json: Self.createBody())
            #expect(accepted.status == .created, "\(accepted.body)")
            #expect(try await harness.uploadCount() == 1)
        }
    }

    @Test func aReviewerMayNotCreateUploads() async throws {
        try await Self.withRouter { harness in
            let response = try await harness.call(.post, "/v1/uploads", key: Self.reviewerKey, json: Self.createBody())
            #expect(response.status == .forbidden && Self.errorCode(response.body) == "forbidden", "\(response.body)")
            #expect(try await harness.uploadCount() == 0)
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await Self.withRouter { harness in
            let filename = String(repeating: "a", count: Self.maxBodyBytes) + ".txt"
            let response = try await harness.call(.post, "/v1/uploads", key: Self.uploaderKey, json: Self.createBody(filename: filename))
            #expect(response.status == .contentTooLarge && Self.errorCode(response.body) == "body_too_large", "\(response.body)")
            #expect(response.body.contains("\(Self.maxBodyBytes) bytes"), "\(response.body)")
            #expect(try await harness.uploadCount() == 0)
        }
    }

    // MARK: Review routes

    @Test func reviewRoutesRefuseNonReviewers() async throws {
        try await Self.withRouter { harness in
            let sha256 = String(repeating: "ab", count: 32)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/v1/quarantine", nil), (.get, "/v1/quarantine/01890000-0000-7000-8000-000000000000", nil),
                (.post, "/v1/quarantine/01890000-0000-7000-8000-000000000000/release", #"{"note":"ok"}"#),
                (.post, "/v1/quarantine/01890000-0000-7000-8000-000000000000/rescan", nil),
                (.delete, "/v1/quarantine/01890000-0000-7000-8000-000000000000", #"{"note":"ok"}"#), (.get, "/v1/hashlists/deny", nil),
                (.post, "/v1/hashlists/deny", #"{"sha256":"\#(sha256)","note":"x"}"#), (.delete, "/v1/hashlists/deny/\(sha256)", nil),
                (.get, "/v1/audit", nil),
            ]
            for (method, uri, body) in routes {
                let anonymous = try await harness.call(method, uri, json: body)
                #expect(
                    anonymous.status == .unauthorized && Self.errorCode(anonymous.body) == "unauthenticated",
                    "\(method) \(uri): \(anonymous.body)"
                )
                let uploader = try await harness.call(method, uri, key: Self.uploaderKey, json: body)
                #expect(uploader.status == .forbidden && Self.errorCode(uploader.body) == "forbidden", "\(method) \(uri): \(uploader.body)")
            }
            #expect(try await harness.catalog.hashListEntries().isEmpty)
            #expect(harness.auditCount == 0)
            // A reviewer gets through to the same routes.
            let listed = try await harness.call(.get, "/v1/quarantine", key: Self.reviewerKey)
            #expect(listed.status == .ok && listed.body == #"{"items":[],"nextCursor":null}"#, "\(listed.body)")
            let missing = try await harness.call(.get, "/v1/quarantine/01890000-0000-7000-8000-000000000000", key: Self.reviewerKey)
            #expect(missing.status == .notFound && Self.errorCode(missing.body) == "not_found", "\(missing.body)")
        }
    }

    /// A reason code and a flag a newer airlock stored (a rolling deploy) are served exactly as stored, in the same
    /// JSON shape as known ones: the upload is not unreadable to this replica.
    @Test func codesANewerAirlockStoredAreServedAsStored() async throws {
        try await Self.withRouter { harness in
            let now = SystemWallClock().now()
            let upload = Upload(
                id: UploadID.generate(at: now),
                owner: "key:uploader",
                profile: "documents",
                filename: "a.txt",
                safeName: "a.txt",
                declaredSize: 3,
                declaredType: "text/plain",
                incomingKey: "incoming/a",
                state: .quarantined,
                flags: [.rescannedClean, .unrecognized("future_flag")],
                outcome: .rejected,
                reasons: [Reason(.unrecognized("future_check"), "from v9"), Reason(.typeMismatch, "detected text/html")],
                createdAt: now,
                expiresAt: now + 60_000
            )
            _ = try await harness.catalog.createUpload(upload)
            let expected: [String: Any] = [
                "reasons": [["code": "future_check", "detail": "from v9"], ["code": "type_mismatch", "detail": "detected text/html"]],
                "flags": ["rescanned_clean", "future_flag"],
            ]
            for uri in ["/v1/quarantine/\(upload.id)", "/v1/quarantine"] {
                let answer = try await harness.call(.get, uri, key: Self.reviewerKey)
                #expect(answer.status == .ok, "\(uri): \(answer.body)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                let item = try #require(uri == "/v1/quarantine" ? (object["items"] as? [[String: Any]])?.first : object, "\(answer.body)")
                #expect(item["reasons"] as? [[String: String]] == expected["reasons"] as? [[String: String]], "\(answer.body)")
                #expect(item["flags"] as? [String] == expected["flags"] as? [String], "\(answer.body)")
            }
        }
    }

    @Test func reviewerRefusalsKeepTheirCodesOverHTTP() async throws {
        try await Self.withRouter { harness in
            let bad = try await harness.call(.post, "/v1/hashlists/deny", key: Self.reviewerKey, json: #"{"sha256":"not-hex","note":"x"}"#)
            #expect(bad.status == .badRequest && Self.errorCode(bad.body) == "invalid_request", "\(bad.body)")
            let control = try await harness.call(
                .post,
                "/v1/hashlists/deny",
                key: Self.reviewerKey,
                json: #"{"sha256":"\#(String(repeating: "cd", count: 32))","note":"a\u0007"}"#
            )
            #expect(control.status == .badRequest && Self.errorCode(control.body) == "note_invalid", "\(control.body)")
            let absent = try await harness.call(.delete, "/v1/hashlists/allow/\(String(repeating: "ef", count: 32))", key: Self.reviewerKey)
            #expect(absent.status == .notFound && Self.errorCode(absent.body) == "not_found", "\(absent.body)")
            #expect(harness.auditCount == 0)
        }
    }

    @Test func theReviewPageRefusesAnUploaderKey() async throws {
        try await Self.withRouter { harness in
            let page = try await harness.call(.get, "/review")
            #expect(page.status == .ok && page.body.contains("action=\"/review/sign-in\""), "\(page.status)")
            let nonce = try #require(
                page.headers[values: .setCookie].first { $0.hasPrefix("airlock_signin=") }?.dropFirst("airlock_signin=".count).prefix { $0 != ";" }
            )
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: "airlock_signin=\(nonce)"]
            let uploader = try await harness.client.execute(
                uri: "/review/sign-in",
                method: .post,
                headers: form,
                body: ByteBuffer(string: "nonce=\(nonce)&credential=\(Self.uploaderKey)")
            )
            #expect(uploader.status == .forbidden && String(buffer: uploader.body).contains("does not have the reviewer role"))
            #expect(!uploader.headers[values: .setCookie].contains { $0.hasPrefix("airlock_review=") })
            let reviewer = try await harness.client.execute(
                uri: "/review/sign-in",
                method: .post,
                headers: form,
                body: ByteBuffer(string: "nonce=\(nonce)&credential=\(Self.reviewerKey)")
            )
            #expect(reviewer.status == .seeOther && reviewer.headers[values: .setCookie].contains { $0.hasPrefix("airlock_review=") })
            #expect(harness.audited.entries.withLock { $0.map(\.action) } == ["review.sign_in"])
        }
    }

    // MARK: CORS

    @Test func preflightsFromAllowedOriginsAreAnsweredAndOthersGetNoCORSHeaders() async throws {
        try await Self.withRouter { harness in
            let allowed = try await harness.call(
                .options,
                "/v1/uploads",
                headers: [.origin: "https://app.example", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization"]
            )
            #expect(allowed.status == .noContent)
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example")
            #expect(allowed.headers[.accessControlAllowMethods] == "GET, POST, DELETE")
            #expect(allowed.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            let other = try await harness.call(
                .options,
                "/v1/uploads",
                headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"]
            )
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            #expect(other.status != .noContent)
            // Errors carry the CORS headers too, so a browser can read the code.
            let refused = try await harness.call(.post, "/v1/uploads", json: Self.createBody(), headers: [.origin: "https://app.example"])
            #expect(refused.status == .unauthorized && refused.headers[.accessControlAllowOrigin] == "https://app.example")
        }
    }
}
