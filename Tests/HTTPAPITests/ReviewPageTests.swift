import AirlockTesting
import Foundation
import Logging
import Testing

@testable import Catalog

#if canImport(Glibc)
import Glibc
#endif

/// The review page (`/review`) on the same real `airlock serve` as the API flows.
extension ServeFlowTests {
    static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)
    static let pdf = Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)
    /// Quotes, ampersands and an event-handler payload in a filename (`<`, `>` and `"` are refused at request, as
    /// Windows refuses them; `'` and `&` are ordinary name characters the page must escape).
    static let hostileName = "x' onmouseover='alert(1)' &amp;.txt"
    /// An owner named by a service key: any 1-256 bytes, here markup and a right-to-left override.
    static let hostileOwner = "<script>alert(1)</script>\u{202E}gnp.exe"

    /// An upload with hostile metadata, sent by a service key on behalf of a hostile owner; waits for its verdict.
    func hostileUpload() async throws -> String {
        let service = try await key("svc-\(UInt32.random(in: 0...UInt32.max))", extra: ["--service"])
        let created = try await call(
            "POST",
            "/v1/uploads",
            key: service,
            json: [
                "profile": "documents", "filename": Self.hostileName, "size": Self.pdf.count, "contentType": "text/plain", "owner": Self.hostileOwner,
            ]
        )
        let id = try #require(created.body["id"] as? String, "\(created.body)")
        #expect(try await send(try #require(created.body["upload"] as? [String: Any]), bytes: Self.pdf) == 204)
        _ = try await call("POST", "/v1/uploads/\(id)/complete", key: service)
        // The service key acts for the owner but does not read as it; a reviewer watches the verdict.
        _ = try await waitForState(id, key: try key("watcher-\(UInt32.random(in: 0...UInt32.max))", role: "reviewer"))
        return id
    }

    /// Where the browser test leaves its screenshots (kept after the run for people to look at).
    static let screenshots = Repository.path(".build/review-screenshots")

    /// The session cookie of a reviewer signed in through the form, or the response that refused it.
    func signIn(_ credential: String, headers: [(String, String)] = []) async throws -> (cookie: String?, response: CurlResponse) {
        let page = try await Curl.request("GET", "http://127.0.0.1:\(port)/review")
        let nonceCookie = try #require(page.setCookies.first { $0.hasPrefix("airlock_signin=") })
        let nonce = String(nonceCookie.dropFirst("airlock_signin=".count).prefix { $0 != ";" })
        let body = "nonce=\(nonce)&credential=\(credential.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        let response = try await Curl.request(
            "POST",
            "http://127.0.0.1:\(port)/review/sign-in",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "airlock_signin=\(nonce)")] + headers,
            body: Data(body.utf8)
        )
        let session = response.setCookies.first { $0.hasPrefix("airlock_review=") && !$0.hasPrefix("airlock_review=;") }
        return (session.map { String($0.prefix { $0 != ";" }) }, response)
    }

    func page(_ path: String, cookie: String?) async throws -> CurlResponse {
        try await Curl.request("GET", "http://127.0.0.1:\(port)\(path)", headers: cookie.map { [("Cookie", $0)] } ?? [])
    }

    func post(_ path: String, cookie: String?, fields: [(String, String)], headers: [(String, String)] = []) async throws -> CurlResponse {
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await Curl.request(
            "POST",
            "http://127.0.0.1:\(port)\(path)",
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + (cookie.map { [("Cookie", $0)] } ?? []) + headers,
            body: Data(body.utf8)
        )
    }

    /// The CSRF token the page's forms carry.
    func csrf(in html: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(html.range(of: marker))
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test func theReviewPageInARealBrowser() async throws {
        let app = try await key("browser-app")
        let reviewer = try await key("alice", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "invoice.txt", key: app)
        let mislabeled = try await uploaded(Self.pdf, name: "letter.txt", key: app)
        let hostile = try await hostileUpload()
        let sha256 = try #require(try await call("GET", "/v1/quarantine/\(infected)", key: reviewer).body["sha256"] as? String)

        try? FileManager.default.removeItem(atPath: Self.screenshots)
        let browser = try await TestProcess.run(
            [
                "python3", Repository.path("scripts/testing/review_browser.py"), "--url", "http://127.0.0.1:\(port)", "--key", reviewer, "--actor",
                "key:alice",
                "--release", mislabeled, "--purge", infected, "--purge-sha256", sha256, "--hostile", hostile, "--screenshots", Self.screenshots,
            ]
        )
        #expect(browser.status == 0, "\(browser.stdoutText)\n\(browser.stderrText.suffix(3000))")
        #expect(FileManager.default.fileExists(atPath: Self.screenshots + "/review-list.png"))
        #expect(FileManager.default.fileExists(atPath: Self.screenshots + "/review-detail.png"))

        // What the browser did, seen through the API.
        #expect(try await call("GET", "/v1/files/\(mislabeled)", key: app).body["state"] as? String == "processed")
        #expect(try await call("GET", "/v1/quarantine/\(infected)", key: reviewer).status == 404)
        let deny = try #require(try await call("GET", "/v1/hashlists/deny", key: reviewer).body["items"] as? [[String: Any]])
        #expect(deny.contains { $0["sha256"] as? String == sha256 && $0["actor"] as? String == "key:alice" })
        let audit = try #require(try await call("GET", "/v1/audit?limit=1000", key: reviewer).body["items"] as? [[String: Any]])
        let mine = audit.filter { $0["actor"] as? String == "key:alice" }.compactMap { $0["action"] as? String }
        #expect(
            ["review.sign_in", "quarantine.release", "quarantine.purge", "hashlist.deny", "review.sign_out"].allSatisfy(mine.contains),
            "\(mine)"
        )
        #expect(try await TestProcess.run([binary, "audit", "verify", "--config", config]).status == 0)
    }

    @Test func theReviewPageShowsNothingBeforeSignInAndRefusesForgedPosts() async throws {
        let app = try await key("forms-app")
        let reviewer = try await key("bob", role: "reviewer")
        let hostile = try await hostileUpload()
        let long = try await uploaded(Self.pdf, name: String(repeating: "very-long-name-", count: 16) + ".txt", key: app)

        // Signed out: the sign-in form only, under the strict policy.
        let anonymous = try await page("/review", cookie: nil)
        #expect(anonymous.status == 200 && anonymous.text.contains("name=\"credential\""))
        #expect(!anonymous.text.contains(hostile) && !anonymous.text.contains("quarantine\""))
        let policy = try #require(anonymous.headers["content-security-policy"])
        #expect(policy.contains("default-src 'none'") && policy.contains("form-action 'self'") && policy.contains("frame-ancestors 'none'"))
        #expect(!policy.contains("script-src") && !anonymous.text.contains("<script"))
        #expect(try await page("/review/items/\(hostile)", cookie: nil).status == 401)
        #expect(try await page("/review/audit", cookie: nil).status == 401)

        // Sign-in: a wrong key, an uploader's key, a forged nonce are refused; a reviewer gets a strict cookie.
        #expect(try await signIn("alk_wrong").response.status == 401)
        #expect(try await signIn(app).response.status == 403)
        let forged = try await Curl.request(
            "POST",
            "http://127.0.0.1:\(port)/review/sign-in",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "airlock_signin=aaaa")],
            body: Data("nonce=bbbb&credential=\(reviewer)".utf8)
        )
        #expect(forged.status == 403 && forged.setCookies.allSatisfy { !$0.hasPrefix("airlock_review=") })
        let (cookie, signedIn) = try await signIn(reviewer)
        #expect(signedIn.status == 303 && signedIn.headers["location"] == "/review")
        let sessionCookie = try #require(signedIn.setCookies.first { $0.hasPrefix("airlock_review=") })
        #expect(
            sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Strict") && sessionCookie.contains("Max-Age=")
                && !sessionCookie.contains("Secure")
        )
        #expect(
            try await signIn(reviewer, headers: [("X-Forwarded-Proto", "https")]).response.setCookies.first { $0.hasPrefix("airlock_review=") }?
                .contains(
                    "; Secure"
                ) == true
        )
        let cookieValue = try #require(cookie)

        // Hostile metadata is inert: escaped markup, the bidi override shown as a code point, long names kept whole.
        let list = try await page("/review", cookie: cookieValue)
        #expect(list.status == 200 && list.text.contains(hostile))
        #expect(list.text.contains("x&#39; onmouseover=&#39;alert(1)&#39; &amp;amp;.txt"))
        #expect(list.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;<span class=\"cc\">[U+202E]</span>gnp.exe"))
        #expect(!list.text.contains("<script>") && !list.text.contains("<svg") && !list.text.contains("\u{202E}"))
        #expect(list.text.contains("very-long-name-") && list.text.contains("…"))
        let detail = try await page("/review/items/\(long)", cookie: cookieValue)
        #expect(detail.text.contains(String(repeating: "very-long-name-", count: 16) + ".txt"))
        let token = try csrf(in: detail.text)

        // Posts without the CSRF token, with another session's token, or from another origin are refused; nothing moves.
        let release = "/review/items/\(hostile)/release"
        let decision = [("note", "looks fine"), ("confirm", "yes")]
        let missing = try await post(release, cookie: cookieValue, fields: decision)
        #expect(missing.status == 403 && missing.text.contains("csrf_failed"))
        let other = try #require(try await signIn(reviewer).cookie)
        let otherToken = try await csrf(in: try page("/review", cookie: other).text)
        #expect(otherToken != token)
        #expect(try await post(release, cookie: cookieValue, fields: [("csrf", otherToken)] + decision).status == 403)
        #expect(
            try await post(release, cookie: cookieValue, fields: [("csrf", token)] + decision, headers: [("Origin", "https://evil.example")]).status
                == 403
        )
        // Without the confirmation box, or without a note: refused.
        #expect(try await post(release, cookie: cookieValue, fields: [("csrf", token), ("note", "fine")]).status == 400)
        #expect(try await post(release, cookie: cookieValue, fields: [("csrf", token), ("note", "  "), ("confirm", "yes")]).status == 400)
        // A textarea sends line breaks as CRLF: a note of only those is blank too.
        #expect(try await post(release, cookie: cookieValue, fields: [("csrf", token), ("note", "\r\n \r\n"), ("confirm", "yes")]).status == 400)
        #expect(try await call("GET", "/v1/quarantine/\(hostile)", key: reviewer).status == 200)

        // Signed out, or expired: the old cookie opens nothing.
        let signOutToken = try await csrf(in: try page("/review", cookie: other).text)
        #expect(try await post("/review/sign-out", cookie: other, fields: [("csrf", signOutToken)]).status == 303)
        #expect(try await page("/review/items/\(hostile)", cookie: other).status == 401)
        if let path = sqlitePath {
            let catalog = try await CatalogFactory.openSQLite(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            _ = try await catalog.driver.query("UPDATE review_sessions SET expires_at = 1", [])
            await catalog.close()
            #expect(try await page("/review/items/\(hostile)", cookie: cookieValue).status == 401)
            #expect(try await post(release, cookie: cookieValue, fields: [("csrf", token)] + decision).status == 401)
            #expect(try await page("/review", cookie: cookieValue).text.contains("name=\"credential\""))
        }

        // A revoked key ends its sessions.
        let revokable = try #require(try await signIn(reviewer).cookie)
        #expect(try await page("/review/audit", cookie: revokable).status == 200)
        #expect(try await TestProcess.run([binary, "keys", "revoke", "bob", "--config", config]).status == 0)
        #expect(try await page("/review/audit", cookie: revokable).status == 401)
    }

    @Test func aSecondReviewerMustConfirmAReleaseWhenConfigured() async throws {
        let app = try await key("strict-app")
        let alice = try await key("carol", role: "reviewer")
        let dave = try await key("dave", role: "reviewer")
        let mislabeled = try await uploaded(Self.pdf, name: "memo.txt", key: app)
        // A second API process on the same catalog and store, with the setting on (API only: no second worker).
        let strictPort = port + 1
        var environment = ProcessInfo.processInfo.environment
        environment["AIRLOCK_REVIEW_REQUIRE_SECOND_REVIEWER"] = "true"
        environment["AIRLOCK_HTTP_PORT"] = String(strictPort)
        environment["AIRLOCK_WORKER_ENABLED"] = "false"
        let strict = try BackgroundProcess([binary, "serve", "--config", config], environment: environment, logPath: directory + "/strict.log")
        defer {
            strict.signal(SIGTERM)
            _ = strict.wait()
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, await (try? Curl.request("GET", "http://127.0.0.1:\(strictPort)/health"))?.status != 200 {
            try await Task.sleep(for: .milliseconds(100))
        }
        func release(_ key: String, note: String) async throws -> (status: Int, body: [String: Any]) {
            let response = try await Curl.request(
                "POST",
                "http://127.0.0.1:\(strictPort)/v1/quarantine/\(mislabeled)/release",
                headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                body: try JSONSerialization.data(withJSONObject: ["note": note])
            )
            return (response.status, (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:])
        }
        let first = try await release(alice, note: "the sender confirmed by phone")
        #expect(first.status == 202 && first.body["pendingApproval"] as? Bool == true, "\(first.body)")
        #expect(try await call("GET", "/v1/quarantine/\(mislabeled)", key: alice).body["flags"] as? [String] == ["release_requested"])
        let again = try await release(alice, note: "please")
        #expect(again.status == 409 && errorCode(again.body) == "second_reviewer_required")
        let second = try await release(dave, note: "agreed")
        #expect(second.status == 200 && second.body["state"] as? String == "processed", "\(second.body)")
        let audit = try #require(try await call("GET", "/v1/audit?limit=1000", key: alice).body["items"] as? [[String: Any]])
        let trail = audit.filter { $0["uploadId"] as? String == mislabeled }
        #expect(trail.contains { $0["action"] as? String == "quarantine.release_requested" && $0["actor"] as? String == "key:carol" })
        #expect(
            trail.contains {
                $0["action"] as? String == "quarantine.release" && $0["actor"] as? String == "key:dave"
                    && ($0["detail"] as? String)?.contains("key:carol") == true
            }
        )
    }

    @Test func aQuarantinedSampleDownloadsAsAZipWithThePasswordInfected() async throws {
        let app = try await key("zip-app")
        let reviewer = try await key("erin", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "payload.txt", key: app)
        #expect(try await call("POST", "/v1/quarantine/\(infected)/download", key: app, json: ["zip": true]).status == 403)
        let link = try await call("POST", "/v1/quarantine/\(infected)/download", key: reviewer, json: ["zip": true])
        #expect(link.status == 200, "\(link.body)")
        let url = try #require(link.body["url"] as? String)
        #expect(url.hasPrefix("http://127.0.0.1:\(port)/v1/quarantine/\(infected)/archive?expires="))

        let fetched = try await Curl.request("GET", url)
        #expect(fetched.status == 200 && fetched.headers["content-type"] == "application/zip")
        #expect(fetched.headers["content-disposition"] == "attachment; filename=\"\(infected).zip\"")
        #expect(fetched.body.range(of: Data(Self.eicar.prefix(20))) == nil)  // not in the clear
        let path = directory + "/sample.zip"
        try fetched.body.write(to: URL(fileURLWithPath: path))
        let unzip = try await TestProcess.run(["unzip", "-p", "-P", "infected", path])
        #expect(unzip.status == 0 && Array(unzip.stdout) == Self.eicar, "\(unzip.stderrText)")
        let listing = try await TestProcess.run(["unzip", "-Z1", path])
        #expect(listing.stdoutText == "payload.txt.quarantined\n")

        // The link is the authorization: a changed signature, id or expiry is refused.
        let tampered = url.replacingOccurrences(of: "signature=", with: "signature=0")
        #expect(try await Curl.request("GET", tampered).status == 403)
        let expires = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "expires" }?.value)
        #expect(
            try await Curl.request("GET", url.replacingOccurrences(of: "expires=\(expires)", with: "expires=\(Int(expires)! + 1000)")).status == 403
        )
        let other = try await uploaded(Self.eicar + Array("\n".utf8), name: "other.txt", key: app)
        #expect(try await Curl.request("GET", url.replacingOccurrences(of: infected, with: other)).status == 403)

        let audit = try #require(try await call("GET", "/v1/audit?limit=1000", key: reviewer).body["items"] as? [[String: Any]])
        #expect(
            audit.contains {
                $0["actor"] as? String == "key:erin" && $0["action"] as? String == "quarantine.download"
                    && $0["detail"] as? String == #"{"zip":true}"#
            }
        )
        // Once purged, the link serves nothing.
        #expect(try await call("DELETE", "/v1/quarantine/\(infected)", key: reviewer, json: ["note": "done"]).status == 204)
        #expect(try await Curl.request("GET", url).status == 404)
    }

    /// Twenty times: a release and a purge (API, two reviewers) and a rescan request (CLI) of the same quarantined
    /// upload sent at the same moment: never both a release and a purge; the loser is refused (or the rescan's lease
    /// beat both, and it stays quarantined); the file's state matches what can be downloaded, and nothing drifts.
    @Test func racingReleaseAndPurgeNeverBothWin() async throws {
        let reviewer = try await key("grace", role: "reviewer")
        let other = try await key("heidi", role: "reviewer")
        let checker = try await key("ivan", role: "reviewer")
        var samples: [(id: String, bytes: [UInt8], owner: String)] = []
        for index in 0..<20 {
            // Large enough that a release's copy takes a while: the purge lands in the middle of it. One uploader key
            // each, so that no key runs into its rate limit.
            let app = try await key("race-app-\(index)")
            let bytes = Self.eicar + Array(" race \(index)\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 600_000)
            samples.append((try await uploaded(bytes, name: "race\(index).txt", key: app), bytes, app))
        }
        let binary = self.binary
        let config = self.config
        let port = self.port
        let act: @Sendable (String, String, String) async throws -> (status: Int, code: String?) = { method, path, key in
            let response = try await Curl.request(
                method,
                "http://127.0.0.1:\(port)" + path,
                headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                body: Data(#"{"note":"race"}"#.utf8)
            )
            let object = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
            return (response.status, (object["error"] as? [String: Any])?["code"] as? String)
        }
        // Eight uploads at a time: sixteen connections at once from this address, within its limit
        // (maxConnectionsPerClient); past it the server closes new ones at once.
        var outcomes: [(id: String, released: Bool, purged: Bool)] = []
        for start in stride(from: 0, to: samples.count, by: 8) {
            outcomes += try await race(Array(samples[start..<min(start + 8, samples.count)].map(\.id)))
        }
        func race(_ ids: [String]) async throws -> [(id: String, released: Bool, purged: Bool)] {
            try await withThrowingTaskGroup(of: (id: String, released: Bool, purged: Bool).self) { group in
                for id in ids {
                    group.addTask {
                        async let released = Task.detached { try await act("POST", "/v1/quarantine/\(id)/release", reviewer) }.value
                        async let purged = Task.detached { try await act("DELETE", "/v1/quarantine/\(id)", other) }.value
                        async let rescanned = Task.detached {
                            try await TestProcess.run([binary, "quarantine", "rescan", id, "--config", config]).status
                        }.value
                        let (releaseAnswer, purgeAnswer, _) = try await (released, purged, rescanned)
                        for answer in [releaseAnswer, purgeAnswer] {
                            #expect([200, 204, 404, 409].contains(answer.status), "\(answer)")
                            if answer.status == 409 { #expect(answer.code == "state_conflict", "\(answer)") }
                        }
                        return (id, releaseAnswer.status == 200, purgeAnswer.status == 204)
                    }
                }
                var all: [(id: String, released: Bool, purged: Bool)] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
        }
        for outcome in outcomes {
            #expect(!(outcome.released && outcome.purged), "\(outcome): a release and a purge both won")
            // A key that spent its burst: wait out the rate limit rather than read a 429.
            func patient(_ method: String, _ path: String, key: String) async throws -> (status: Int, body: [String: Any], headers: [String: String])
            {
                while true {
                    let answer = try await call(method, path, key: key)
                    guard answer.status == 429 else { return answer }
                    try await Task.sleep(for: .milliseconds(600))
                }
            }
            let sample = try #require(samples.first { $0.id == outcome.id })
            let bytes = sample.bytes
            let state = try await patient("GET", "/v1/files/\(outcome.id)", key: sample.owner).body["state"] as? String
            let link = try await patient("GET", "/v1/files/\(outcome.id)/download", key: sample.owner)
            let quarantined = try await patient("POST", "/v1/quarantine/\(outcome.id)/download", key: checker)
            if outcome.released {
                #expect(state == "processed")
                #expect(try await Curl.request("GET", try #require(link.body["url"] as? String)).body == Data(bytes))
                #expect(quarantined.status == 404)
            } else if outcome.purged {
                #expect(state == "purged")
                #expect(link.status == 409 && quarantined.status == 404)
            } else {
                // A rescan held the upload: both actions were refused and it is still quarantined, whole.
                #expect(state == "quarantined" && link.status == 409)
                #expect(try await Curl.request("GET", try #require(quarantined.body["url"] as? String)).body == Data(bytes))
            }
        }
        try await expectNoDrift()
    }

    @Test func theQuarantineCommandsActAsTheOperator() async throws {
        let app = try await key("cli-app")
        let reviewer = try await key("frank", role: "reviewer")
        let infected = try await uploaded(Self.eicar, name: "dropper.txt", key: app)
        let mislabeled = try await uploaded(Self.pdf, name: "notes.txt", key: app)
        func airlock(_ arguments: [String]) async throws -> TestProcess.Output {
            try await TestProcess.run([binary, "quarantine"] + arguments + ["--config", config])
        }
        let listed = try await airlock(["list", "--reason", "malware"])
        #expect(listed.status == 0, "\(listed.stderrText)")
        let ids = listed.stdoutText.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
        }
        #expect(ids.contains(infected) && !ids.contains(mislabeled), "\(listed.stdoutText)")
        #expect(try await airlock(["list", "--reason", "nonsense"]).status == 2)
        let shown = try await airlock(["show", infected])
        let detail = try #require(try JSONSerialization.jsonObject(with: shown.stdout) as? [String: Any])
        #expect(detail["owner"] as? String == "key:cli-app" && detail["audit"] is [Any])
        #expect(try await airlock(["show", "01a20067-0000-7000-8000-000000000000"]).stderrText.contains("not_found"))

        // Download: a link, or the bytes as the analysts' zip in a new private file.
        let link = try #require(try await JSONSerialization.jsonObject(with: try airlock(["download", infected]).stdout) as? [String: Any])
        #expect(try await Curl.request("GET", try #require(link["url"] as? String)).body == Data(Self.eicar))
        let zipPath = directory + "/dropper.zip"
        #expect(try await airlock(["download", infected, "--output", zipPath, "--zip"]).status == 0)
        #expect((try FileManager.default.attributesOfItem(atPath: zipPath)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(await Array(try TestProcess.run(["unzip", "-p", "-P", "infected", zipPath]).stdout) == Self.eicar)
        #expect(try await airlock(["download", infected, "--output", zipPath]).status == 2)  // never over an existing file

        #expect(try await airlock(["rescan", infected]).status == 0)
        #expect(try await airlock(["release", mislabeled]).status == 2)  // a note is required
        let released = try await airlock(["release", mislabeled, "--note", "a PDF in a .txt, checked", "--trust"])
        #expect(released.status == 0 && released.stdoutText.contains("\"state\":\"processed\""), "\(released.stderrText)")
        #expect(try await call("GET", "/v1/files/\(mislabeled)", key: app).body["state"] as? String == "processed")
        // The rescan asked for above may be running: it holds the upload, and a purge meanwhile is refused
        // (state_conflict) until it ends.
        var purge = try await airlock(["purge", infected, "--note", "known dropper", "--block"])
        let deadline = ContinuousClock.now + .seconds(30)
        while purge.status != 0, purge.stderrText.contains("state_conflict"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            purge = try await airlock(["purge", infected, "--note", "known dropper", "--block"])
        }
        #expect(purge.status == 0, "\(purge.stderrText)")
        #expect(try await call("GET", "/v1/quarantine/\(infected)", key: reviewer).status == 404)

        let audit = try #require(try await call("GET", "/v1/audit?limit=1000", key: reviewer).body["items"] as? [[String: Any]])
        let byOperator = audit.filter { ($0["actor"] as? String)?.hasPrefix("operator:") == true }.compactMap { $0["action"] as? String }
        for action in ["quarantine.download", "quarantine.rescan", "quarantine.release", "hashlist.allow", "quarantine.purge", "hashlist.deny"] {
            #expect(byOperator.contains(action), "\(action) in \(byOperator)")
        }
        try await expectNoDrift()
    }

    /// The SQLite catalog's file, when this run uses SQLite.
    var sqlitePath: String? {
        ProcessInfo.processInfo.environment["AIRLOCK_TEST_API_CATALOG"] == "postgres" ? nil : directory + "/catalog.sqlite"
    }
}
