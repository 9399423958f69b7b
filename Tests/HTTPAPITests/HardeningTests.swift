import AirlockCore
import AirlockTesting
import Crypto
import Foundation
import JWTKit
import Logging
import Synchronization
import Testing

@testable import Catalog

#if canImport(Glibc)
import Glibc
#endif

/// The findings of the penetration test (issue 17), each against the same real `airlock serve` as the API flows.
extension ServeFlowTests {
    // MARK: Helpers

    /// How many uploads are in `state`, as `/metrics` reports them (read at scrape time from the catalog).
    func uploads(in state: String) async throws -> Int {
        let exposition = try await Curl.request("GET", "http://127.0.0.1:\(port)/metrics").text
        let line = exposition.split(separator: "\n").first { $0.hasPrefix("airlock_uploads{state=\"\(state)\"} ") }
        return try #require(line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }, "\(state) in /metrics")
    }

    /// The catalog behind the running server (SQLite or PostgreSQL).
    func withCatalog(_ body: @Sendable (SQLCatalog) async throws -> Void) async throws {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        if let path = sqlitePath {
            let catalog = try await CatalogFactory.openSQLite(path: path, logger: logger)
            do {
                try await body(catalog)
            } catch {
                await catalog.close()
                throw error
            }
            await catalog.close()
            return
        }
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let start = try #require(text.range(of: "catalog: {url: \""))
        let url = String(text[start.upperBound...].prefix { $0 != "\"" })
        let components = try #require(URLComponents(string: url))
        let opened = CatalogFactory.postgres(
            host: components.host ?? "127.0.0.1",
            port: components.port ?? 5432,
            username: components.user ?? "airlock",
            password: components.password,
            database: String(components.path.dropFirst()),
            maxConnections: 2,
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await opened.run() }
            defer { group.cancelAll() }
            try await body(opened.catalog)
        }
    }

    func auditExport() async throws -> String {
        try await TestProcess.run([binary, "audit", "export", "--config", config]).stdoutText
    }

    func auditVerify() async throws -> TestProcess.Output {
        try await TestProcess.run([binary, "audit", "verify", "--config", config])
    }

    /// An HS256 token from the test IdP.
    func signedJWT(sub: String, expiresIn seconds: Int, roles: [String], audience: String = "airlock") async throws -> String {
        struct Claims: JWTPayload {
            var sub: String
            var exp: Int
            var iss: String
            var aud: String
            var roles: [String]
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Self.jwtSecret), digestAlgorithm: .sha256)
        return try await keys.sign(
            Claims(sub: sub, exp: Int(Date().timeIntervalSince1970) + seconds, iss: "https://idp.example", aud: audience, roles: roles)
        )
    }

    // MARK: 8. No 500s on bad input

    @Test func controlCharactersInContentTypeAreA400AndLeaveNoIntent() async throws {
        let app = try await key("ctl-app")
        let before = try await uploads(in: "pending")
        for contentType in [
            "text/plain\u{01}", "text/plain\r\nX-Injected: 1", "text/plain; charset=\u{7F}", "text/\u{00}plain", "tëxt/plain", "text", "/plain", "",
        ] {
            let response = try await call(
                "POST",
                "/v1/uploads",
                key: app,
                json: ["profile": "documents", "filename": "a.txt", "size": 3, "contentType": contentType]
            )
            #expect(
                response.status == 400 && errorCode(response.body) == "content_type_invalid",
                "\(contentType.debugDescription): \(response.status) \(response.body)"
            )
        }
        #expect(try await uploads(in: "pending") == before)
        // A well-formed type with parameters still passes.
        let fine = try await call(
            "POST",
            "/v1/uploads",
            key: app,
            json: ["profile": "documents", "filename": "a.txt", "size": 3, "contentType": "text/plain; charset=utf-8"]
        )
        #expect(fine.status == 201, "\(fine.body)")
    }

    /// Second round, finding D: a NUL (or another control character) in a note would be sealed into the audit entry
    /// but not kept by the catalog, breaking `audit verify` for good. Refused with 400 before anything changes.
    @Test func controlCharactersInNotesAreA400AndChangeNothing() async throws {
        let app = try await key("note-app")
        let reviewer = try await key("note-reviewer", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "note.txt", key: app)
        let before = try await auditExport().split(separator: "\n").count
        for note in ["\u{0}", "ok\u{0}", "bell\u{07}", "esc\u{1B}[31m", "del\u{7F}", "c1\u{85}", "c1\u{9B}"] {
            let release = try await call("POST", "/v1/quarantine/\(infected)/release", key: reviewer, json: ["note": note])
            #expect(release.status == 400 && errorCode(release.body) == "note_invalid", "\(note.debugDescription): \(release.status) \(release.body)")
            let purge = try await call("DELETE", "/v1/quarantine/\(infected)", key: reviewer, json: ["note": note])
            #expect(purge.status == 400 && errorCode(purge.body) == "note_invalid", "\(note.debugDescription): \(purge.status) \(purge.body)")
            let listed = try await call(
                "POST",
                "/v1/hashlists/deny",
                key: reviewer,
                json: ["sha256": String(repeating: "ab", count: 32), "note": note]
            )
            #expect(listed.status == 400 && errorCode(listed.body) == "note_invalid", "\(note.debugDescription): \(listed.status) \(listed.body)")
        }
        #expect(try await auditExport().split(separator: "\n").count == before)
        #expect(try await call("GET", "/v1/quarantine/\(infected)", key: reviewer).status == 200)
        // Tabs and line breaks are a note's own; the log still verifies.
        #expect(try await call("POST", "/v1/quarantine/\(infected)/release", key: reviewer, json: ["note": "line one\r\n\tline two"]).status == 200)
        let verified = try await auditVerify()
        #expect(verified.stdoutText.contains("audit log verified"), "\(verified.stdoutText)\(verified.stderrText)")
    }

    @Test func anOverflowingChunkSizeIsA400() async throws {
        let app = try await key("chunk-app")
        let response = try RawHTTP.exchange(
            port: port,
            "POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(app)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "FFFFFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"
        )
        #expect(response.statusCode.map { (400..<500).contains($0) } == true, "\(response.text)")
        #expect(response.text.contains(#""code":"malformed_request""#) || response.statusCode == 400, "\(response.text)")
        #expect(try await call("GET", "/health", key: nil).status == 200)
    }

    /// Malformed input of every kind the API takes (bodies, headers, paths, queries, raw HTTP): always a 4xx with a
    /// stable snake_case code, never a 5xx, and no intent left behind. Schemathesis explores the documented shapes; this
    /// corpus is what it does not generate.
    @Test func aHostileInputCorpusGetsOnlyStable4xx() async throws {
        // Several keys: the corpus is larger than one principal's rate-limit burst.
        var apps: [String] = []
        for index in 0..<4 { apps.append(try await key("corpus-app-\(index)")) }
        var reviewers: [String] = []
        for index in 0..<2 { reviewers.append(try await key("corpus-reviewer-\(index)", role: "reviewer")) }
        var sent = 0
        var app: String {
            sent += 1
            return apps[sent % apps.count]
        }
        var reviewer: String {
            sent += 1
            return reviewers[sent % reviewers.count]
        }
        let before = try await uploads(in: "pending")
        let valid: [String: Any] = ["profile": "documents", "filename": "a.txt", "size": 3, "contentType": "text/plain"]
        func with(_ key: String, _ value: Any) async -> [String: Any] {
            var body = valid
            body[key] = value
            return body
        }
        var jsonBodies: [[String: Any]] = []
        for field in ["profile", "filename", "contentType", "sha256", "owner"] {
            for value: Any in [
                "\u{00}", "a\u{01}b", "\u{1B}[31m", "\u{202E}txt.exe", String(repeating: "x", count: 3000), "\u{FEFF}", 12, ["nested"],
                [:] as [String: Any],
            ] {
                await jsonBodies.append(with(field, value))
            }
            // null is a valid value of the optional fields only.
            if !["sha256", "owner"].contains(field) { await jsonBodies.append(with(field, NSNull())) }
        }
        for size: Any in [-1, Int64.max, Double.greatestFiniteMagnitude, 1.5, "3", true, NSNull()] { await jsonBodies.append(with("size", size)) }
        await jsonBodies.append(with("filename", "a.txt\u{00}.pdf"))
        for body in jsonBodies {
            let response = try await call("POST", "/v1/uploads", key: app, json: body)
            expectStable4xx(response, "\(body)")
        }
        let rawBodies: [String] = [
            "", "null", "[]", "\"text\"", "{", "{\"profile\":", String(repeating: "[", count: 5000), "{\"size\":1e999999}",
            "{\"size\":123456789012345678901234567890}",
            "{\"profile\":\"documents\",\"profile\":\"bulk\"}", "{\"a\":\"\\ud800\"}", "\u{FEFF}{}",
        ]
        for raw in rawBodies {
            expectStable4xx(try await call("POST", "/v1/uploads", key: app, raw: Data(raw.utf8)), raw)
            expectStable4xx(try await call("POST", "/v1/uploads/01a20067-0000-7000-8000-000000000000/complete", key: app, raw: Data(raw.utf8)), raw)
            expectStable4xx(try await call("POST", "/v1/hashlists/deny", key: reviewer, raw: Data(raw.utf8)), raw)
            expectStable4xx(
                try await call("POST", "/v1/quarantine/01a20067-0000-7000-8000-000000000000/release", key: reviewer, raw: Data(raw.utf8)),
                raw
            )
        }
        expectStable4xx(try await call("POST", "/v1/uploads", key: app, raw: Data([0xC0, 0xAF, 0xFF, 0xFE, 0x00])), "invalid UTF-8")
        for header in [("Idempotency-Key", String(repeating: "k", count: 500)), ("Idempotency-Key", ""), ("Content-Type", "text/plain")] {
            expectStable4xx(try await call("POST", "/v1/uploads", key: app, json: valid.merging(["size": 0]) { $1 }, headers: [header]), "\(header)")
        }
        for path in [
            "/v1/files/..%2F..%2Fetc%2Fpasswd", "/v1/files/%00", "/v1/files/01a20067-0000-7000-8000-00000000000G",
            "/v1/files/" + String(repeating: "a", count: 4000),
            "/v1/quarantine?limit=-1", "/v1/quarantine?limit=99999999999999999999", "/v1/quarantine?since=yesterday", "/v1/quarantine?cursor=%FF%FE",
            "/v1/quarantine?reason=%00", "/v1/audit?after=-5", "/v1/audit?limit=abc", "/v1/hashlists/maybe", "/v1/quarantine/not-an-id",
        ] {
            // Lenient list parameters (a limit clamped, an unknown cursor) may answer 200; never a 5xx.
            expectNoServerError(try await call("GET", path, key: path.hasPrefix("/v1/files") ? app : reviewer), path)
        }
        for path in ["/v1/hashlists/deny/zz", "/v1/hashlists/deny/" + String(repeating: "0", count: 65), "/v1/quarantine/%2e%2e"] {
            expectNoServerError(try await call("DELETE", path, key: reviewer, json: ["note": "x"]), path)
        }
        // Raw HTTP the client libraries would not send.
        for request in [
            "POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(app)\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{",
            "POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(app)\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
            "POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(app)\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n",
            "GET /v1/files/\u{01} HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u{00}b\r\n\r\n",
        ] {
            let response = try RawHTTP.exchange(port: port, request)
            // NIO refuses some of these before any handler runs (a 400 or a closed connection); never a 5xx.
            #expect(response.statusCode.map { $0 < 500 } ?? true, "\(request.debugDescription): \(response.text)")
        }
        #expect(try await uploads(in: "pending") == before)
        #expect(try await call("GET", "/health", key: nil).status == 200)
    }

    func expectNoServerError(
        _ response: (status: Int, body: [String: Any], headers: [String: String]),
        _ input: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if response.status < 400 { return }
        expectStable4xx(response, input, sourceLocation: sourceLocation)
    }

    func expectStable4xx(
        _ response: (status: Int, body: [String: Any], headers: [String: String]),
        _ input: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let code = errorCode(response.body) ?? ""
        #expect((400..<500).contains(response.status), "\(input.prefix(200)): \(response.status) \(response.body)", sourceLocation: sourceLocation)
        #expect(
            !code.isEmpty && code.allSatisfy { $0.isLowercase || $0 == "_" } && !code.hasPrefix("http_"),
            "\(input.prefix(200)): code '\(code)'",
            sourceLocation: sourceLocation
        )
    }

    // MARK: 9. Links from http.publicURL, never from Host

    @Test func analysisZipLinksIgnoreTheHostHeader() async throws {
        let app = try await key("host-app")
        let reviewer = try await key("host-reviewer", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "sample.txt", key: app)
        for headers in [
            [("Host", "evil.example")], [("Host", "evil.example"), ("X-Forwarded-Proto", "https")], [("X-Forwarded-Host", "evil.example")],
        ] {
            let link = try await call("POST", "/v1/quarantine/\(infected)/download", key: reviewer, json: ["zip": true], headers: headers)
            let url = try #require(link.body["url"] as? String, "\(link.body)")
            #expect(url.hasPrefix("http://127.0.0.1:\(port)/v1/quarantine/\(infected)/archive?"), "\(url)")
            #expect(!url.contains("evil"))
        }
        let (cookie, _) = try await signIn(reviewer, headers: [])
        let detail = try await page("/review/items/\(infected)", cookie: cookie)
        let token = try csrf(in: detail.text)
        let posted = try await post(
            "/review/items/\(infected)/download",
            cookie: cookie,
            fields: [("csrf", token), ("zip", "yes")],
            headers: [("Host", "evil.example")]
        )
        #expect(
            !posted.text.contains("evil.example") && posted.text.contains("http://127.0.0.1:\(port)/v1/quarantine/\(infected)/archive?"),
            "\(posted.text)"
        )
    }

    // MARK: 5. Webhook URLs are secrets

    @Test func webhookURLsAreMaskedOnThePageInLogsAndInConfigCheck() async throws {
        let app = try await key("hook-app")
        let reviewer = try await key("hook-reviewer", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "hooked.txt", key: app)
        // The receiver does not answer: deliveries fail, are retried and logged.
        try await Task.sleep(for: .seconds(2))
        let (cookie, _) = try await signIn(reviewer)
        let detail = try await page("/review/items/\(infected)", cookie: cookie)
        #expect(detail.text.contains("http://127.0.0.1:9/…"), "\(detail.text)")
        let log = (try? String(contentsOfFile: directory + "/serve.log", encoding: .utf8)) ?? ""
        #expect(log.contains("event delivery failed"))
        let check = try await TestProcess.run([binary, "config", "check", "--config", config])
        #expect(check.stdoutText.contains("events.webhooks.0.url = http://127.0.0.1:9/…"), "\(check.stdoutText)")
        for secret in Self.webhookSecrets {
            #expect(!detail.text.contains(secret), "page shows \(secret)")
            #expect(!log.contains(secret), "log shows \(secret)")
            #expect(!check.stdoutText.contains(secret) && !check.stderrText.contains(secret), "config check shows \(secret)")
        }
    }

    // MARK: 4. Key management is audited

    @Test func revokedKeyUseIsAudited() async throws {
        let app = try await key("revoked-app")
        #expect(try await call("GET", "/v1/files/01a20067-0000-7000-8000-000000000000", key: app).status == 404)
        #expect(try await TestProcess.run([binary, "keys", "revoke", "revoked-app", "--config", config]).status == 0)
        try await expectEventually { try await self.call("GET", "/v1/files/01a20067-0000-7000-8000-000000000000", key: app).status == 401 }
        let exported = try await auditExport()
        #expect(exported.contains(#""actor":"key:revoked-app","action":"key.revoked_use""#), "\(exported.suffix(2000))")
        #expect(
            exported.contains(#""action":"key.create""#) && exported.contains(#""action":"key.revoke""#)
                && exported.contains(#"{\"key\":\"revoked-app\"}"#)
        )
        #expect(!exported.contains(app))
    }

    func expectEventually(seconds: Int = 10, _ condition: () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        repeat {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        Issue.record("the condition did not hold within \(seconds) s", sourceLocation: sourceLocation)
    }

    // MARK: 3. Owner namespaces

    @Test func aJWTSubjectCannotReadAKeysFiles() async throws {
        let alice = try await key("alice-ns")
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: alice,
            json: ["profile": "documents", "filename": "a.txt", "size": 3, "contentType": "text/plain"]
        )
        let id = try #require(created.body["id"] as? String)
        #expect(try await call("GET", "/v1/files/\(id)", key: alice).status == 200)
        for subject in ["key:alice-ns", "alice-ns", "jwt:key:alice-ns"] {
            let token = try await signedJWT(sub: subject, expiresIn: 300, roles: ["uploader"])
            #expect(try await call("GET", "/v1/files/\(id)", key: token).status == 404, "sub \(subject)")
        }
        // A JWT user's own uploads are theirs, under the issuer's namespace.
        let token = try await signedJWT(sub: "key:alice-ns", expiresIn: 300, roles: ["uploader"])
        let own = try await call(
            "POST",
            "/v1/uploads",
            key: token,
            json: ["profile": "documents", "filename": "b.txt", "size": 3, "contentType": "text/plain"]
        )
        let ownID = try #require(own.body["id"] as? String)
        #expect(try await call("GET", "/v1/files/\(ownID)", key: token).status == 200)
        #expect(try await call("GET", "/v1/files/\(ownID)", key: alice).status == 404)
    }

    // MARK: 2. Review sessions end with their JWT

    @Test func aReviewSessionEndsWhenItsJWTExpires() async throws {
        let token = try await signedJWT(sub: "reviewer-7", expiresIn: 4, roles: ["reviewer"])
        let (cookie, response) = try await signIn(token)
        let session = try #require(cookie, "\(response.status) \(response.text)")
        let setCookie = try #require(response.setCookies.first { $0.hasPrefix("airlock_review=") })
        let maxAge = setCookie.split(separator: ";").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Max-Age=") }
        #expect(maxAge.flatMap { Int($0.split(separator: "=")[1]) }.map { $0 <= 4 } == true, "\(setCookie)")
        #expect(try await page("/review/audit", cookie: session).status == 200)
        try await Task.sleep(for: .seconds(5))
        #expect(try await page("/review/audit", cookie: session).status == 401)
        // An expired token opens no session at all.
        let expired = try await signedJWT(sub: "reviewer-7", expiresIn: -10, roles: ["reviewer"])
        #expect(try await signIn(expired).cookie == nil)
    }

    // MARK: 7. Failed authentication is throttled per client address

    @Test func failedAuthenticationIsThrottledPerClientAddress() async throws {
        let victim = try await key("victim-app")
        var statuses: [Int] = []
        var retryAfter: String?
        for attempt in 0..<60 {
            let response = try await call("GET", "/v1/files/01a20067-0000-7000-8000-000000000000", key: "alk_guess\(attempt)")
            statuses.append(response.status)
            if response.status == 429 {
                retryAfter = response.headers["retry-after"]
                #expect(errorCode(response.body) == "rate_limited")
                break
            }
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.last == 429, "\(statuses)")
        #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        // The review page's sign-in counts against the same address.
        #expect(try await signIn("alk_more-guessing").response.status == 429)
        // Another client address, holding the same victim's key, is not locked out.
        let elsewhere = try RawHTTP.exchange(
            port: port,
            from: "127.0.0.2",
            "GET /v1/files/01a20067-0000-7000-8000-000000000000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(victim)\r\nConnection: close\r\n\r\n"
        )
        #expect(elsewhere.statusCode == 404, "\(elsewhere.text)")
    }

    /// Second round, finding F: the check and the take are one step, so parallel guesses cannot all pass a check made
    /// before any of them failed (burst 12 in the test configuration).
    @Test func parallelFailedAuthenticationStaysWithinTheBudget() throws {
        let statuses = Mutex<[Int]>([])
        let port = self.port
        DispatchQueue.concurrentPerform(iterations: 24) { attempt in
            let response = try? RawHTTP.exchange(
                port: port,
                from: "127.0.0.4",
                "GET /v1/quarantine HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer alk_parallel\(attempt)\r\nConnection: close\r\n\r\n"
            )
            statuses.withLock { $0.append(response?.statusCode ?? 0) }
        }
        let seen = statuses.withLock { $0 }
        #expect(seen.filter { $0 == 401 }.count <= 12, "\(seen.sorted())")
        #expect(seen.allSatisfy { [0, 401, 429].contains($0) }, "\(seen.sorted())")
    }

    /// Second round, finding F: a 413 names the configured limit (4096 in the test configuration), not the default.
    @Test func aTooLargeBodyNamesTheConfiguredLimit() async throws {
        let app = try await key("limit-app")
        let huge = try await call("POST", "/v1/uploads", key: app, raw: Data(("{\"profile\":\"" + String(repeating: "a", count: 8000) + "\"}").utf8))
        #expect(huge.status == 413 && errorCode(huge.body) == "body_too_large", "\(huge)")
        #expect((huge.body["error"] as? [String: Any])?["message"] as? String == "the request body is larger than 4096 bytes", "\(huge.body)")
    }

    /// Second round, finding F: a transfer coding other than exactly chunked is refused, not read as plain JSON.
    @Test func transferCodingsOtherThanChunkedAreRefused() async throws {
        let app = try await key("coding-app")
        let body = #"{"profile":"documents","filename":"a.txt","size":3,"contentType":"text/plain"}"#
        let chunk = String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n"
        let before = try await uploads(in: "pending")
        for coding in ["gzip, chunked", "deflate,chunked", "identity, chunked", "chunked, chunked"] {
            let response = try RawHTTP.exchange(
                port: port,
                "POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(app)\r\nContent-Type: application/json\r\nTransfer-Encoding: \(coding)\r\n\r\n"
                    + chunk
            )
            #expect(response.statusCode.map { (400..<502).contains($0) && $0 != 500 } == true, "\(coding): \(response.text)")
        }
        #expect(try await uploads(in: "pending") == before)
        // Plain chunked still works.
        let plain = try RawHTTP.exchange(
            port: port,
            "POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(app)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + chunk
        )
        #expect(plain.statusCode == 201, "\(plain.text)")
    }

    // MARK: 6. Timeouts and connections per client

    @Test func aConnectionThatNeverFinishesItsHeadIsClosed() async throws {
        let started = ContinuousClock.now
        let connection = try RawHTTP.Connection(port: port)
        try connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        // http.timeouts.head is 2s in this configuration: closed well before 8 s, without a response.
        #expect(connection.waitForClose(seconds: 8), "still open after \(ContinuousClock.now - started)")
        #expect(ContinuousClock.now - started < .seconds(8))

        // A body that stops arriving is closed too (http.timeouts.body), while the handler waits for it.
        let app = try await key("slow-app")
        let slowBody = try RawHTTP.Connection(port: port)
        try slowBody.send(
            "POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(app)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"profile\":"
        )
        let bodyStarted = ContinuousClock.now
        #expect(slowBody.waitForClose(seconds: 8))
        #expect(ContinuousClock.now - bodyStarted < .seconds(8))
    }

    @Test func connectionsPerClientAddressAreBounded() async throws {
        var held: [RawHTTP.Connection] = []
        for _ in 0..<Self.maxConnectionsPerClient { held.append(try RawHTTP.Connection(port: port)) }
        // Each is counted once the server accepted it; one more from the same address is closed at once.
        try await Task.sleep(for: .milliseconds(500))
        let extra = try RawHTTP.Connection(port: port)
        #expect(extra.waitForClose(seconds: 2))
        // Another address is not affected.
        let other = try RawHTTP.exchange(port: port, from: "127.0.0.2", "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(other.statusCode == 200, "\(other.text)")
        for connection in held { connection.close() }
        try await expectEventually { try await self.call("GET", "/health", key: nil).status == 200 }
    }

    // MARK: 1. The audit chain is keyed and checkpointed

    @Test func auditVerifyDetectsARecomputedChainAndTruncation() async throws {
        let app = try await key("audited-app")
        let reviewer = try await key("audited-reviewer", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "audited.txt", key: app)
        #expect(try await call("DELETE", "/v1/quarantine/\(infected)", key: reviewer, json: ["note": "bad"]).status == 204)
        // A clean stop writes a checkpoint of the head.
        server.signal(SIGTERM)
        server.wait()
        let verified = try await auditVerify()
        // One checkpoint "matches"; two (a periodic one came before the stop's) "match".
        #expect(
            verified.status == 0 && verified.stdoutText.contains("audit log verified") && verified.stdoutText.contains(" match"),
            "\(verified.stdoutText)\(verified.stderrText)"
        )
        let exported = try await auditExport()
        // Every entry is sealed with the configured key.
        #expect(exported.split(separator: "\n").allSatisfy { $0.contains(#""hash":"hmac-sha256:"#) }, "\(exported)")

        // Edit an entry's actor and note and recompute every later hash, as one who can write the database but holds
        // no audit key would.
        let saved = LockedEntries()
        try await withCatalog { catalog in
            let entries = try await catalog.auditEntries(after: 0, limit: 10_000)
            saved.set(entries)
            let target = try #require(entries.first { $0.action == "quarantine.purge" })
            var previous = target.previousHash
            for var entry in entries where entry.sequence >= target.sequence {
                if entry.sequence == target.sequence {
                    entry.actor = "key:someone-else"
                    entry.note = "nothing to see"
                }
                let hash = Self.plainSeal(previous, entry)
                _ = try await catalog.driver.query(
                    "UPDATE audit_log SET actor = $1, note = $2, previous_hash = $3, hash = $4 WHERE sequence = $5",
                    [.text(entry.actor), SQLValue(entry.note), .text(previous), .text(hash), .int(entry.sequence)]
                )
                previous = hash
            }
        }
        let recomputed = try await auditVerify()
        #expect(recomputed.status != 0 && recomputed.stdoutText.contains("audit log broken"), "\(recomputed.stdoutText)")

        // Back as it was: verified again.
        try await withCatalog { catalog in
            for entry in saved.get() {
                _ = try await catalog.driver.query(
                    "UPDATE audit_log SET actor = $1, note = $2, previous_hash = $3, hash = $4 WHERE sequence = $5",
                    [.text(entry.actor), SQLValue(entry.note), .text(entry.previousHash), .text(entry.hash), .int(entry.sequence)]
                )
            }
        }
        #expect(try await auditVerify().status == 0)

        // Truncation: the last entry, then the last five, removed.
        for count in [1, 5] {
            try await withCatalog { catalog in
                let last = try #require(try await catalog.latestAuditEntry())
                _ = try await catalog.driver.query("DELETE FROM audit_log WHERE sequence > $1", [.int(last.sequence - Int64(count))])
            }
            let truncated = try await auditVerify()
            #expect(truncated.status != 0 && truncated.stdoutText.contains("entries were removed"), "\(count): \(truncated.stdoutText)")
        }
    }

    /// The unkeyed seal (SHA-256 of the previous hash and the entry): what anyone can compute.
    static func plainSeal(_ previous: String, _ entry: AuditEntry) -> String {
        Hex.lowercase(SHA256.hash(data: Array(entry.canonicalText(previousHash: previous).utf8)))
    }
}

/// Audit entries kept across the catalog closures.
final class LockedEntries: @unchecked Sendable {
    private var entries: [AuditEntry] = []
    private let lock = NSLock()
    func set(_ value: [AuditEntry]) { lock.withLock { entries = value } }
    func get() -> [AuditEntry] { lock.withLock { entries } }
}

/// Plain sockets for what HTTP clients will not do: stall mid-head, send malformed framing, connect from another
/// loopback address.
enum RawHTTP {
    struct Response {
        var text: String
        var statusCode: Int? {
            guard text.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
    }

    final class Connection {
        let descriptor: Int32

        init(port: Int, from source: String? = nil) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw TestProcess.Failure(description: "socket failed") }
            if let source {
                var local = sockaddr_in()
                local.sin_family = sa_family_t(AF_INET)
                inet_pton(AF_INET, source, &local.sin_addr)
                let bound = withUnsafePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard bound == 0 else { throw TestProcess.Failure(description: "bind to \(source) failed") }
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw TestProcess.Failure(description: "connect failed: \(errno)") }
        }

        deinit { Glibc.close(descriptor) }

        func close() { shutdown(descriptor, Int32(SHUT_RDWR)) }

        func send(_ text: String) throws {
            let bytes = Array(text.utf8)
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
            guard sent == bytes.count else { throw TestProcess.Failure(description: "send failed") }
        }

        /// What arrives until the server closes or `seconds` pass (or, with `settle`, one second after the first bytes);
        /// `closed` when it closed.
        func receive(seconds: Double, settle: Bool = false) -> (bytes: [UInt8], closed: Bool) {
            var received: [UInt8] = []
            var deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let remaining = deadline - ContinuousClock.now
                let millis = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
                guard poll(&poller, 1, millis) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return (received, true) }
                received += buffer.prefix(count)
                // Something came: whatever belongs to it follows within a second.
                if settle { deadline = min(deadline, ContinuousClock.now + .seconds(1)) }
            }
            return (received, false)
        }

        /// Whether the server closes the connection within `seconds`.
        func waitForClose(seconds: Double) -> Bool { receive(seconds: seconds).closed }
    }

    /// Sends `request` and reads until the server closes or a response's head has come and 1 s passed.
    static func exchange(port: Int, from source: String? = nil, _ request: String) throws -> Response {
        let connection = try Connection(port: port, from: source)
        try connection.send(request)
        let (bytes, _) = connection.receive(seconds: 5, settle: true)
        return Response(text: String(decoding: bytes, as: UTF8.self))
    }
}
