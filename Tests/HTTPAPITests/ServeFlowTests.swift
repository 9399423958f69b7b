import AirlockCore
import AirlockTesting
import Crypto
import Foundation
import JWTKit
import Logging
import S3
import SigV4
import Testing

@testable import Catalog

#if canImport(Glibc)
import Glibc
#endif

/// `airlock serve` end to end: a real process on loopback with the test store (Ceph RGW or SeaweedFS), a SQLite catalog, libmagic and libclamav;
/// API keys made with `airlock keys create`; uploads sent with the presigned forms it returns.
@Suite(.serialized) final class ServeFlowTests {
    let directory: String
    let config: String
    let port: Int
    let server: BackgroundProcess
    let bucket = S3TestServer.uniqueBucketName("api")
    let binary = Repository.path(".build/debug/airlock")
    static let jwtSecret = "the-test-idp-shares-this-hs256-secret"
    /// Parts of the webhook's URL that must never show (its receiver never answers: port 9).
    static let webhookSecrets = ["hook-user", "hook-pass-Zq81", "T0KEN-IN-PATH", "query-token-Xy72"]
    static let webhookURL = "http://hook-user:hook-pass-Zq81@127.0.0.1:9/hooks/T0KEN-IN-PATH?token=query-token-Xy72"
    static let maxConnectionsPerClient = 24

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        port = 20_000 + Int(getpid() % 1000)
        let s3 = S3TestServer.current
        config = directory + "/airlock.yaml"
        try """
        http: {host: 127.0.0.1, port: \(port), maxBodyBytes: 4096, rateLimit: {perSecond: 2, burst: 40}, corsOrigins: ["https://app.example"],
               publicURL: "http://127.0.0.1:\(port)/", timeouts: {head: 2s, body: 2s, idle: 30s}, maxConnectionsPerClient: \(Self.maxConnectionsPerClient),
               authFailures: {perMinute: 6, burst: 12}}
        audit: {key: "an-audit-key-of-at-least-32-bytes-for-tests", checkpoints: {interval: 1s}}
        events: {webhooks: [{url: "\(Self.webhookURL)", secret: "a-webhook-secret-0123"}]}
        store: {backend: \(s3.backend.rawValue), endpoint: "\(s3.endpoint)", region: \(s3.region), addressing: path,
                accessKeyId: \(s3.accessKey), secretAccessKey: "\(s3.secretKey)"}
        buckets:
          incoming: {bucket: \(bucket), prefix: incoming/}
          processed: {bucket: \(bucket), prefix: processed/}
          quarantine: {bucket: \(bucket), prefix: quarantine/}
        catalog: {url: "\(try await Self.catalogURL(directory: directory))"}
        scanner: {engine: libclamav, database: "\(Repository.path("fixtures/clamav"))", tempDir: "\(directory)/tmp", maxSignatureAge: 3650d}
        worker: {concurrency: 2, lease: 30s, reconcileInterval: 1s, metricsPort: 0}
        uploads: {multipartThreshold: 6MiB, partSize: 5MiB}
        auth: {jwt: {issuer: "https://idp.example", audience: airlock, hs256Secret: "\(Self.jwtSecret)"}}
        profiles:
          documents:
            maxSize: 1MiB
            allow:
              - {extensions: [txt], types: [text/plain]}
              - {extensions: [pdf], types: [application/pdf]}
          bulk:
            maxSize: 64MiB
            allow:
              - {extensions: [txt], types: [text/plain]}
          images:
            maxSize: 1MiB
            allow:
              - {extensions: [png], types: [image/png]}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let migrated = try await TestProcess.run([binary, "migrate", "--config", config])
        guard migrated.status == 0 else { throw TestProcess.Failure(description: "migrate: \(migrated.stderrText)") }
        let created = try await TestProcess.run([binary, "storage", "init", "--config", config])
        guard created.status == 0 else { throw TestProcess.Failure(description: "storage init: \(created.stderrText)") }
        server = try BackgroundProcess([binary, "serve", "--config", config], logPath: directory + "/serve.log")
        // Generous: the whole suite starts many processes at once on two cores. Asked once more after the deadline, so
        // that only the server's start-up is timed, never how long this task waited for a thread.
        let deadline = ContinuousClock.now + .seconds(90)
        var last = "no answer"
        while true {
            let expired = ContinuousClock.now >= deadline
            do {
                let health = try await Curl.request("GET", "http://127.0.0.1:\(port)/health")
                if health.status == 200 { return }
                last = "status \(health.status)"
            } catch {
                last = "\(error)"
            }
            if expired { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestProcess.Failure(
            description:
                "airlock serve did not start (last /health: \(last)): \((try? String(contentsOfFile: directory + "/serve.log", encoding: .utf8)) ?? "")"
        )
    }

    /// SQLite by default; a fresh PostgreSQL database when AIRLOCK_TEST_API_CATALOG=postgres (scripts/test runs both).
    static func catalogURL(directory: String) async throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard environment["AIRLOCK_TEST_API_CATALOG"] == "postgres" else { return "sqlite://\(directory)/catalog.sqlite" }
        let url = environment["AIRLOCK_TEST_POSTGRES_URL"] ?? "postgres://airlock:airlock@127.0.0.1:15432/airlock"
        let components = try #require(URLComponents(string: url))
        let database = "airlock_api_\(UInt32.random(in: 0...UInt32.max))"
        let opened = CatalogFactory.postgres(
            host: components.host ?? "127.0.0.1",
            port: components.port ?? 5432,
            username: components.user ?? "airlock",
            password: components.password,
            database: String(components.path.dropFirst()),
            maxConnections: 2,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await opened.run() }
            defer { group.cancelAll() }
            _ = try await opened.catalog.driver.query("CREATE DATABASE \(database)", [])
        }
        var target = components
        target.path = "/" + database
        return try #require(target.string)
    }

    deinit {
        server.signal(SIGTERM)
        server.wait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func key(_ name: String, role: String = "uploader", extra: [String] = []) async throws -> String {
        let output = try await TestProcess.run([binary, "keys", "create", "--role", role, "--name", name, "--config", config] + extra)
        guard output.status == 0, let object = try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any],
            let key = object["key"] as? String
        else {
            throw TestProcess.Failure(description: "keys create: \(output.stderrText)")
        }
        return key
    }

    func call(
        _ method: String,
        _ path: String,
        key: String?,
        json: Any? = nil,
        raw: Data? = nil,
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: [String: Any], headers: [String: String]) {
        var sent = headers
        if let key { sent.append(("Authorization", "Bearer \(key)")) }
        var body: Data?
        if let json { body = try JSONSerialization.data(withJSONObject: json) }
        if let raw { body = raw }
        if body != nil { sent.append(("Content-Type", "application/json")) }
        let response = try await Curl.request(method, "http://127.0.0.1:\(port)" + path, headers: sent, body: body)
        let object = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
        return (response.status, object, response.headers)
    }

    func errorCode(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["code"] as? String }

    /// `airlock verify --deep` finds the buckets and the catalog in agreement (run after a flow).
    func expectNoDrift(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let verified = try await TestProcess.run([binary, "verify", "--deep", "--config", config])
        #expect(verified.status == 0, "\(verified.stdoutText)\(verified.stderrText)", sourceLocation: sourceLocation)
    }

    /// Sends the bytes with the presigned form or request the API returned.
    func send(_ upload: [String: Any], bytes: [UInt8]) async throws -> Int {
        let method = upload["method"] as? String
        let url = try #require(upload["url"] as? String)
        if method == "POST" {
            let fields = try #require(upload["fields"] as? [String: String])
            let ordered = fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            return try await Curl.request("POST", url, body: Data(bytes), form: ordered).status
        }
        let headers = (upload["headers"] as? [String: String] ?? [:]).map { ($0.key, $0.value) }
        return try await Curl.request("PUT", url, headers: headers, body: Data(bytes)).status
    }

    func waitForState(_ id: String, key: String, notIn states: Set<String> = ["pending", "uploaded", "inspecting"]) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let file = try await call("GET", "/v1/files/\(id)", key: key)
            if let state = file.body["state"] as? String, !states.contains(state) { return file.body }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("upload \(id) did not finish")
        return [:]
    }

    @Test func aCleanUploadFromRequestToDownload() async throws {
        let app = try await key("mobile-app", extra: ["--profiles", "documents"])
        let text = Array("Quarterly figures, as promised.\n".utf8)
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: app,
            json: ["profile": "documents", "filename": "Report Q3.txt", "size": text.count, "contentType": "text/plain"]
        )
        #expect(created.status == 201, "\(created.body)")
        #expect(created.headers["x-request-id"]?.hasPrefix("req_") == true)
        let id = try #require(created.body["id"] as? String)
        #expect(created.body["state"] as? String == "pending")
        let form = try #require(created.body["upload"] as? [String: Any])
        #expect(form["method"] as? String == "POST")
        #expect(try await send(form, bytes: text) == 204)
        // The form pins the size: other bytes are refused by the store itself.
        #expect(try await send(form, bytes: text + Array("more".utf8)) == 400)

        let completed = try await call("POST", "/v1/uploads/\(id)/complete", key: app)
        // The reconciler may have noticed the object (and a worker finished it) before `complete`: that is the same upload.
        #expect(
            completed.status == 202 && ["uploaded", "inspecting", "processed"].contains(completed.body["state"] as? String ?? ""),
            "\(completed.body)"
        )
        let file = try await waitForState(id, key: app)
        #expect(file["state"] as? String == "processed", "\(file)")
        #expect(file["outcome"] as? String == "clean")
        #expect(file["detectedType"] as? String == "text/plain")
        #expect((file["sha256"] as? String)?.count == 64)

        let download = try await call("GET", "/v1/files/\(id)/download", key: app)
        #expect(download.status == 200)
        let url = try #require(download.body["url"] as? String)
        let fetched = try await Curl.request("GET", url)
        #expect(fetched.status == 200 && Array(fetched.body) == text)
        #expect(fetched.headers["content-disposition"] == #"attachment; filename="Report Q3.txt"; filename*=UTF-8''Report%20Q3.txt"#)

        // Another owner learns nothing; the owner deletes it.
        let other = try await key("other-app")
        #expect(try await call("GET", "/v1/files/\(id)", key: other).status == 404)
        #expect(try await call("GET", "/v1/files/\(id)/download", key: other).status == 404)
        #expect(try await call("DELETE", "/v1/files/\(id)", key: other).status == 404)
        #expect(try await call("DELETE", "/v1/files/\(id)", key: app).status == 204)
        #expect(try await call("GET", "/v1/files/\(id)", key: app).body["state"] as? String == "deleted")
        #expect(try await Curl.request("GET", url).status == 404)
        let audit = try await TestProcess.run([binary, "audit", "export", "--config", config])
        #expect(audit.stdoutText.contains(#""actor":"key:mobile-app","action":"upload.deleted","uploadId":"\#(id)""#))
        try await expectNoDrift()
    }

    /// A declared SHA-256 is pinned in the upload form where the store verifies checksums (SeaweedFS): the store itself
    /// refuses other bytes of the same size. Where it does not (Ceph RGW 16), the form carries no checksum and the worker
    /// quarantines the bytes as `checksum_mismatch`.
    @Test func aDeclaredSHA256IsEnforcedByTheStoreWhereItVerifiesChecksums() async throws {
        let app = try await key("checksum-app")
        let text = Array("The figures we agreed on.\n".utf8)
        let other = Array("The figures we changed!!!\n".utf8)
        #expect(text.count == other.count)
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: app,
            json: [
                "profile": "documents", "filename": "agreed.txt", "size": text.count, "contentType": "text/plain",
                "sha256": PayloadHash.hex(of: text),
            ]
        )
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.body["id"] as? String)
        let form = try #require(created.body["upload"] as? [String: Any])
        let fields = try #require(form["fields"] as? [String: String])
        let declared = try #require(PayloadHash.base64(hexDigest: PayloadHash.hex(of: text)))
        if BackendProfile.of(S3TestServer.current.backend).verifiesChecksums {
            #expect(fields["x-amz-checksum-sha256"] == declared)
            // Other bytes of the declared size: refused at upload time (BadDigest), nothing stored.
            #expect(try await send(form, bytes: other) == 400)
            #expect(try await call("POST", "/v1/uploads/\(id)/complete", key: app).status == 409)
            #expect(try await send(form, bytes: text) == 204)
            _ = try await call("POST", "/v1/uploads/\(id)/complete", key: app)
            let file = try await waitForState(id, key: app)
            #expect(file["state"] as? String == "processed" && file["sha256"] as? String == PayloadHash.hex(of: text), "\(file)")
        } else {
            #expect(fields["x-amz-checksum-sha256"] == nil)
            // The store takes them; the worker's own hash catches them.
            #expect(try await send(form, bytes: other) == 204)
            _ = try await call("POST", "/v1/uploads/\(id)/complete", key: app)
            let file = try await waitForState(id, key: app)
            let reasons = (file["reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(file["state"] as? String == "quarantined" && reasons.contains("checksum_mismatch"), "\(file)")
        }
        try await expectNoDrift()
    }

    @Test func infectedUploadsAreQuarantinedAndNeverDownloadable() async throws {
        let app = try await key("scanner-app")
        let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: app,
            json: ["profile": "documents", "filename": "notes.txt", "size": eicar.count, "contentType": "text/plain"]
        )
        let id = try #require(created.body["id"] as? String)
        #expect(try await send(try #require(created.body["upload"] as? [String: Any]), bytes: eicar) == 204)
        // No complete: the reconciler notices the object.
        let file = try await waitForState(id, key: app)
        #expect(file["state"] as? String == "quarantined" && file["outcome"] as? String == "infected", "\(file)")
        let download = try await call("GET", "/v1/files/\(id)/download", key: app)
        #expect(download.status == 409 && errorCode(download.body) == "not_processed")
    }

    @Test func requestsAreCheckedBeforeAnyURLIsSigned() async throws {
        let app = try await key("checked-app", extra: ["--profiles", "documents"])
        let none = try await call(
            "POST",
            "/v1/uploads",
            key: nil,
            json: ["profile": "documents", "filename": "a.txt", "size": 1, "contentType": "text/plain"]
        )
        #expect(none.status == 401 && errorCode(none.body) == "unauthenticated")
        #expect((none.body["error"] as? [String: Any])?["requestId"] as? String == none.headers["x-request-id"])
        #expect(try await call("POST", "/v1/uploads", key: "alk_forged", json: ["profile": "documents"]).status == 401)
        #expect(try await call("POST", "/v1/uploads", key: app, headers: [("Authorization", "Basic x")]).status == 401)

        func create(_ body: [String: Any]) async throws -> (Int, String?) {
            let response = try await call("POST", "/v1/uploads", key: app, json: body)
            return (response.status, errorCode(response.body))
        }
        #expect(
            try await create(["profile": "documents", "filename": "setup.exe", "size": 10, "contentType": "text/plain"]) == (
                400, "extension_not_allowed"
            )
        )
        #expect(
            try await create(["profile": "documents", "filename": "../../a.txt", "size": 10, "contentType": "text/plain"]) == (
                400, "filename_invalid"
            )
        )
        #expect(
            try await create(["profile": "documents", "filename": "a.txt", "size": 2 << 20, "contentType": "text/plain"]) == (400, "size_exceeded")
        )
        #expect(try await create(["profile": "documents", "filename": "a.txt", "size": 0, "contentType": "text/plain"]) == (400, "empty"))
        #expect(try await create(["profile": "documents", "filename": "a.txt", "size": 10, "contentType": "image/png"]) == (400, "type_not_allowed"))
        #expect(
            try await create(["profile": "documents", "filename": "a.txt", "size": 10, "contentType": "application/pdf"]) == (400, "type_mismatch")
        )
        #expect(try await create(["profile": "images", "filename": "a.png", "size": 10, "contentType": "image/png"]) == (403, "forbidden"))
        #expect(try await create(["profile": "nope", "filename": "a.txt", "size": 10, "contentType": "text/plain"]) == (400, "profile_unknown"))
        #expect(
            try await create(["profile": "documents", "filename": "a.txt", "size": 10, "contentType": "text/plain", "owner": "someone-else"]) == (
                403, "forbidden"
            )
        )
        #expect(
            try await create(["profile": "documents", "filename": "a.txt", "size": "ten", "contentType": "text/plain"]) == (400, "invalid_request")
        )
        #expect(
            try await create(["profile": "documents", "filename": "a.txt", "size": 10, "contentType": "text/plain", "sha256": "xyz"]) == (
                400, "invalid_request"
            )
        )
        let huge = try await call("POST", "/v1/uploads", key: app, raw: Data(("{\"profile\":\"" + String(repeating: "a", count: 8000) + "\"}").utf8))
        #expect(huge.status == 413 && errorCode(huge.body) == "body_too_large", "\(huge)")
        let garbage = try await call("POST", "/v1/uploads", key: app, raw: Data([0x7B, 0xFF, 0xFE]))
        #expect(garbage.status == 400 && errorCode(garbage.body) == "invalid_request")
        #expect(try await call("GET", "/v1/files/not-an-id", key: app).status == 404)
        #expect(try await call("GET", "/v1/nothing", key: app).status == 404)
    }

    @Test func idempotentRetriesReturnTheSameUpload() async throws {
        let app = try await key("retrying-app")
        let body: [String: Any] = ["profile": "documents", "filename": "a.txt", "size": 5, "contentType": "text/plain"]
        let first = try await call("POST", "/v1/uploads", key: app, json: body, headers: [("Idempotency-Key", "req-42")])
        let second = try await call("POST", "/v1/uploads", key: app, json: body, headers: [("Idempotency-Key", "req-42")])
        #expect(first.status == 201 && second.status == 201)
        #expect(first.body["id"] as? String == second.body["id"] as? String)
        var changed = body
        changed["size"] = 6
        let conflict = try await call("POST", "/v1/uploads", key: app, json: changed, headers: [("Idempotency-Key", "req-42")])
        #expect(conflict.status == 409 && errorCode(conflict.body) == "idempotency_conflict")
        let fresh = try await call("POST", "/v1/uploads", key: app, json: body)
        #expect(fresh.body["id"] as? String != first.body["id"] as? String)
        // Completing before anything was uploaded is a conflict, not an error.
        let early = try await call("POST", "/v1/uploads/\(try #require(fresh.body["id"] as? String))/complete", key: app)
        #expect(early.status == 409 && errorCode(early.body) == "object_missing")
    }

    /// Upload bytes as `name` through the API and wait for the verdict; returns the id.
    func uploaded(_ bytes: [UInt8], name: String, key: String, contentType: String = "text/plain") async throws -> String {
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: key,
            json: ["profile": "documents", "filename": name, "size": bytes.count, "contentType": contentType]
        )
        let id = try #require(created.body["id"] as? String, "\(created.body)")
        #expect(try await send(try #require(created.body["upload"] as? [String: Any]), bytes: bytes) == 204)
        _ = try await call("POST", "/v1/uploads/\(id)/complete", key: key)
        _ = try await waitForState(id, key: key)
        return id
    }

    @Test func reviewersListDownloadReleaseAndPurgeTheQuarantine() async throws {
        let app = try await key("review-app")
        let reviewer = try await key("alice", role: "reviewer")
        let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
        let infected = try await uploaded(eicar, name: "bad.txt", key: app)
        let pdf = Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)
        let mislabeled = try await uploaded(pdf, name: "letter.txt", key: app)
        #expect(try await call("GET", "/v1/files/\(mislabeled)", key: app).body["outcome"] as? String == "rejected")

        // Uploaders cannot see the quarantine.
        #expect(try await call("GET", "/v1/quarantine", key: app).status == 403)
        let malware = try await call("GET", "/v1/quarantine?reason=malware", key: reviewer)
        let items = try #require(malware.body["items"] as? [[String: Any]])
        #expect(items.contains { $0["id"] as? String == infected } && !items.contains { $0["id"] as? String == mislabeled })
        #expect(try await call("GET", "/v1/quarantine?reason=nonsense", key: reviewer).status == 400)
        #expect(try await call("GET", "/v1/quarantine/\(infected)", key: reviewer).body["owner"] as? String == "key:review-app")
        // Reviewers see files too; owners' routes still refuse them the download.
        #expect(try await call("GET", "/v1/files/\(infected)", key: reviewer).status == 200)

        let link = try await call("POST", "/v1/quarantine/\(infected)/download", key: reviewer)
        let fetched = try await Curl.request("GET", try #require(link.body["url"] as? String))
        #expect(fetched.status == 200 && Array(fetched.body) == eicar)
        #expect(fetched.headers["content-type"] == "application/octet-stream")

        // Purge with block: the SHA-256 goes on the deny list.
        #expect(try await call("DELETE", "/v1/quarantine/\(infected)", key: reviewer).status == 400)  // a note is required
        #expect(
            try await call("DELETE", "/v1/quarantine/\(infected)", key: reviewer, json: ["note": "EICAR test file", "block": true]).status == 204
        )
        #expect(try await call("GET", "/v1/quarantine/\(infected)", key: reviewer).status == 404)
        let deny = try #require(try await call("GET", "/v1/hashlists/deny", key: reviewer).body["items"] as? [[String: Any]])
        #expect(deny.contains { $0["actor"] as? String == "key:alice" && $0["note"] as? String == "EICAR test file" })

        // Release with trust: processed, downloadable by its owner, SHA-256 allowed.
        let released = try await call(
            "POST",
            "/v1/quarantine/\(mislabeled)/release",
            key: reviewer,
            json: ["note": "a PDF named .txt by the scanner team", "trust": true]
        )
        #expect(released.status == 200 && released.body["state"] as? String == "processed", "\(released.body)")
        let download = try await call("GET", "/v1/files/\(mislabeled)/download", key: app)
        #expect(try await Curl.request("GET", try #require(download.body["url"] as? String)).body == Data(pdf))
        #expect(await (try call("GET", "/v1/hashlists/allow", key: reviewer).body["items"] as? [[String: Any]])?.count == 1)

        // Everything was audited under the reviewer's name, and the chain holds.
        let audit = try #require(try await call("GET", "/v1/audit", key: reviewer).body["items"] as? [[String: Any]])
        let actions = audit.filter { $0["actor"] as? String == "key:alice" }.compactMap { $0["action"] as? String }
        #expect(
            ["quarantine.download", "quarantine.purge", "hashlist.deny", "quarantine.release", "hashlist.allow"].allSatisfy(actions.contains),
            "\(actions)"
        )
        #expect(try await call("GET", "/v1/audit", key: app).status == 403)
        #expect(try await TestProcess.run([binary, "audit", "verify", "--config", config]).status == 0)

        // Hash lists by hand.
        let sha = String(repeating: "ab", count: 32)
        #expect(try await call("POST", "/v1/hashlists/deny", key: reviewer, json: ["sha256": sha, "note": "seen in the wild"]).status == 201)
        #expect(try await call("POST", "/v1/hashlists/deny", key: reviewer, json: ["sha256": "nope"]).status == 400)
        #expect(try await call("POST", "/v1/hashlists/grey", key: reviewer, json: ["sha256": sha]).status == 404)
        #expect(try await call("DELETE", "/v1/hashlists/allow/\(sha)", key: reviewer).status == 404)
        #expect(try await call("DELETE", "/v1/hashlists/deny/\(sha)", key: reviewer).status == 204)
        try await expectNoDrift()
    }

    @Test func readinessMetricsAndRateLimits() async throws {
        let ready = try await call("GET", "/ready", key: nil)
        #expect(ready.status == 200, "\(ready.body)")
        let checks = try #require(ready.body["checks"] as? [String: [String: Any]])
        #expect(Set(checks.keys) == ["catalog", "store", "scanner", "worker_store", "isolation"])
        // Inspection runs in locked-down inspector processes (worker.isolation defaults to process).
        #expect((checks["isolation"]?["detail"] as? String)?.contains("seccomp") == true, "\(checks["isolation"] ?? [:])")
        #expect(checks.values.allSatisfy { $0["ready"] as? Bool == true })
        #expect((checks["scanner"]?["detail"] as? String)?.hasPrefix("libclamav") == true)
        let metrics = try await Curl.request("GET", "http://127.0.0.1:\(port)/metrics")
        let exposition = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.status == 200 && exposition.contains("airlock_s3_requests_total"))
        // Read at scrape time: the backlog per state and the signature database's age (the newest fixture file's).
        #expect(exposition.contains(#"airlock_uploads{state="uploaded"}"#))
        let age = exposition.split(separator: "\n").first { $0.hasPrefix("airlock_signature_database_age_seconds ") }
        let seconds: Double? = age.flatMap { Double($0.split(separator: " ")[1]) }
        #expect(seconds.map { $0 >= 0 && $0 < 3650 * 86_400 } == true, "\(String(describing: age))")

        let busy = try await key("busy-app")
        var limited: [Int] = []
        var retryAfter: String?
        // Burst 40, refilled at 2/s: the first 40 always pass; keep asking until the bucket is empty (a loaded
        // machine refills it between requests, so the count to exhaustion varies; the bound only stops a broken limiter).
        for _ in 0..<300 {
            let response = try await call("GET", "/v1/files/01a20067-0000-7000-8000-000000000000", key: busy)
            limited.append(response.status)
            if response.status == 429 {
                retryAfter = response.headers["retry-after"]
                #expect(errorCode(response.body) == "rate_limited")
                break
            }
        }
        #expect(limited.prefix(40).allSatisfy { $0 == 404 })
        #expect(limited.contains(429))
        #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        // Another principal is not affected.
        #expect(try await call("GET", "/v1/files/01a20067-0000-7000-8000-000000000000", key: try key("calm-app")).status == 404)
    }

    @Test func onlyConfiguredOriginsGetCORS() async throws {
        let preflight = try await Curl.request(
            "OPTIONS",
            "http://127.0.0.1:\(port)/v1/uploads",
            headers: [
                ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization, content-type"),
            ]
        )
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == "https://app.example")
        #expect(preflight.headers["access-control-allow-headers"]?.contains("Authorization") == true)
        let allowed = try await call("POST", "/v1/uploads", key: nil, json: [:], headers: [("Origin", "https://app.example")])
        #expect(allowed.status == 401 && allowed.headers["access-control-allow-origin"] == "https://app.example")
        let other = try await call("POST", "/v1/uploads", key: nil, json: [:], headers: [("Origin", "https://evil.example")])
        #expect(other.headers["access-control-allow-origin"] == nil)
        let otherPreflight = try await Curl.request(
            "OPTIONS",
            "http://127.0.0.1:\(port)/v1/uploads",
            headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")]
        )
        #expect(otherPreflight.headers["access-control-allow-origin"] == nil)
    }

    /// schemathesis (PyPI) against /openapi.yaml with the server running: no 5xx, responses match the document.
    @Test func schemathesisFindsNoServerErrorsAndNoSchemaViolations() async throws {
        let openapi = try await Curl.request("GET", "http://127.0.0.1:\(port)/openapi.yaml")
        #expect(openapi.status == 200 && openapi.headers["content-type"] == "application/yaml")
        for (name, role) in [("fuzz-uploader", "uploader"), ("fuzz-reviewer", "reviewer")] {
            let token = try await key(name, role: role)
            let run = try await TestProcess.run([
                "schemathesis", "run", "http://127.0.0.1:\(port)/openapi.yaml", "--header", "Authorization: Bearer \(token)",
                "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
                "--max-examples", "25", "--no-color",
            ])
            #expect(run.status == 0, "\(role): \(run.stdoutText.suffix(6000))")
            print(
                "schemathesis as \(role):",
                run.stdoutText.split(separator: "\n").filter {
                    $0.contains("passed") || $0.contains("Operations") || $0.contains("test cases") || $0.contains("failed")
                }.joined(separator: " / ")
            )
        }
    }

    @Test func jwtsFromTheConfiguredIssuerAreAccepted() async throws {
        let token = try await signedJWT(sub: "user-42", expiresIn: 300, roles: ["uploader"])
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: token,
            json: ["profile": "documents", "filename": "a.txt", "size": 3, "contentType": "text/plain"]
        )
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.body["id"] as? String)
        #expect(try await call("GET", "/v1/files/\(id)", key: token).status == 200)
        let stranger = try await signedJWT(sub: "user-43", expiresIn: 300, roles: ["uploader"])
        #expect(try await call("GET", "/v1/files/\(id)", key: stranger).status == 404)
        let wrongAudience = try await signedJWT(sub: "user-42", expiresIn: 300, roles: ["uploader"], audience: "elsewhere")
        #expect(try await call("GET", "/v1/files/\(id)", key: wrongAudience).status == 401)
    }

    @Test func aMultipartUploadAboveTheThresholdEndToEnd() async throws {
        let app = try await key("bulk-app")
        let line = Array("a line of an ordinary, rather long text file.\n".utf8)
        var text: [UInt8] = []
        while text.count < 11 << 20 { text += line }
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: app,
            json: ["profile": "bulk", "filename": "big.txt", "size": text.count, "contentType": "text/plain"]
        )
        #expect(created.status == 201, "\(created.body)")
        let id = try #require(created.body["id"] as? String)
        let upload = try #require(created.body["upload"] as? [String: Any])
        #expect(upload["method"] as? String == "MULTIPART" && upload["partSize"] as? Int == 5 << 20)
        let parts = try #require(upload["parts"] as? [[String: Any]])
        #expect(parts.count == 3)
        var etags: [[String: Any]] = []
        for part in parts {
            let number = try #require(part["number"] as? Int)
            let start = (number - 1) * (5 << 20)
            let chunk = Array(text[start..<min(start + (5 << 20), text.count)])
            let sent = try await Curl.request("PUT", try #require(part["url"] as? String), body: Data(chunk))
            #expect(sent.status == 200, "\(String(decoding: sent.body, as: UTF8.self))")
            etags.append(["number": number, "etag": try #require(sent.headers["etag"])])
        }
        // A part missing, or a wrong ETag: refused; the upload stays pending.
        let missing = try await call("POST", "/v1/uploads/\(id)/complete", key: app, json: ["parts": Array(etags.prefix(2))])
        #expect(missing.status == 400 && errorCode(missing.body) == "parts_invalid")
        var wrong = etags
        wrong[1]["etag"] = "\"0123456789abcdef0123456789abcdef\""
        let refused = try await call("POST", "/v1/uploads/\(id)/complete", key: app, json: ["parts": wrong])
        #expect(refused.status == 409 && errorCode(refused.body) == "parts_invalid", "\(refused.body)")

        let completed = try await call("POST", "/v1/uploads/\(id)/complete", key: app, json: ["parts": etags])
        #expect(completed.status == 202, "\(completed.body)")
        let file = try await waitForState(id, key: app)
        #expect(file["state"] as? String == "processed", "\(file)")
        #expect(file["size"] as? Int == text.count)
        let download = try await call("GET", "/v1/files/\(id)/download", key: app)
        let fetched = try await Curl.request("GET", try #require(download.body["url"] as? String))
        #expect(fetched.body == Data(text))
        try await expectNoDrift()
    }

    /// A file quarantined because its hash was deny-listed is found clean once the reviewer lifts the listing and
    /// asks for a rescan: it stays quarantined, flagged rescanned_clean, until a reviewer decides.
    @Test func aRescanUpdatesTheVerdictWithoutReleasing() async throws {
        let app = try await key("rescan-app")
        let reviewer = try await key("bob", role: "reviewer")
        let text = Array("a harmless note someone deny-listed by mistake\n".utf8)
        let sha = SHA256.hash(data: text).map { String(format: "%02x", $0) }.joined()
        #expect(try await call("POST", "/v1/hashlists/deny", key: reviewer, json: ["sha256": sha, "note": "mistake"]).status == 201)
        try await Task.sleep(for: .seconds(6))  // the workers' hash-list cache
        let id = try await uploaded(text, name: "note.txt", key: app)
        let before = try await call("GET", "/v1/quarantine/\(id)", key: reviewer)
        #expect(before.body["outcome"] as? String == "infected", "\(before.body)")
        #expect(try await call("DELETE", "/v1/hashlists/deny/\(sha)", key: reviewer).status == 204)
        try await Task.sleep(for: .seconds(6))
        #expect(try await call("POST", "/v1/quarantine/\(id)/rescan", key: app).status == 403)
        let queued = try await call("POST", "/v1/quarantine/\(id)/rescan", key: reviewer)
        #expect(queued.status == 202)
        let deadline = ContinuousClock.now + .seconds(30)
        var detail: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            detail = try await call("GET", "/v1/quarantine/\(id)", key: reviewer).body
            if (detail["flags"] as? [String])?.contains("rescanned_clean") == true { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(detail["state"] as? String == "quarantined")
        #expect(detail["outcome"] as? String == "clean", "\(detail)")
        #expect((detail["flags"] as? [String]) == ["rescanned_clean"])
        #expect(
            try await call("GET", "/v1/quarantine?flag=rescanned_clean", key: reviewer).body["items"].map { ($0 as? [[String: Any]])?.count } == 1
        )
        try await expectNoDrift()
    }
}
