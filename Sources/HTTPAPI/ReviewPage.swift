import AirlockCore
import Hummingbird
import Review

/// `GET /review`: the quarantine review page, server-rendered, with no script and nothing loaded from elsewhere.
///
/// Sign-in takes a reviewer's API key or JWT once and opens a session: a random token in an HttpOnly, SameSite=Strict
/// cookie (Secure when the request came over https), of which the catalog keeps only the SHA-256. Every form carries
/// the session's CSRF token. A session ends at `http.sessionLifetime` or when the credential that opened it would no
/// longer be accepted: its API key revoked or expired, its JWT expired (`exp`) or its signing key gone from the
/// configuration, whichever comes first. Every action goes through
/// `ReviewActions`, so the page and the JSON API audit the same things.
struct ReviewPage: Sendable {
    let environment: APIEnvironment
    let authenticator: any Authenticator
    /// Failed sign-ins count with failed API authentications, per client address.
    let authFailures: RateLimiter
    let actions: ReviewActions

    static let sessionCookie = "airlock_review"
    static let signInCookie = "airlock_signin"
    static let maxFormBytes = 64 << 10

    struct SignedIn {
        var principal: Principal
        var session: ReviewSession
    }

    func register(on router: Router<APIContext>) {
        router.get("/review") { request, _ in await render { try await self.quarantine(request) } }
        router.post("/review/sign-in") { request, context in await render { try await self.signIn(request, context: context) } }
        router.post("/review/sign-out") { request, context in await render { try await self.signOut(request, context: context) } }
        router.get("/review/items/:id") { request, context in await render { try await self.detail(request, id: context.parameters.get("id")) } }
        router.post("/review/items/:id/:action") { request, context in
            await render {
                try await self.act(request, context: context, id: context.parameters.get("id"), action: context.parameters.get("action") ?? "")
            }
        }
        router.get("/review/hashlists") { request, _ in await render { try await self.hashLists(request) } }
        router.post("/review/hashlists/:list/:action") { request, context in
            await render {
                try await self.editHashList(
                    request,
                    context: context,
                    list: context.parameters.get("list"),
                    action: context.parameters.get("action") ?? ""
                )
            }
        }
        router.get("/review/audit") { request, _ in await render { try await self.auditLog(request) } }
        router.get("/review/assets/review.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: HTML.stylesheet))
            )
        }
    }

    /// Errors become an HTML page with the same status (never a stack trace).
    func render(_ body: () async throws -> Response) async -> Response {
        do {
            do {
                return try await body()
            } catch let error as ReviewError {
                throw APIError(error)
            }
        } catch let error as APIError {
            let content =
                "<h2>\(HTML.text(error.status.reasonPhrase))</h2><p class=\"error\">\(HTML.text(error.message)) <span class=\"muted\">(\(HTML.text(error.code)))</span></p><p><a href=\"/review\">Back to the quarantine</a></p>"
            return HTML.response(error.status, HTML.page(title: error.status.reasonPhrase, signedIn: nil, content))
        } catch {
            return HTML.response(
                .internalServerError,
                HTML.page(title: "Error", signedIn: nil, "<p class=\"error\">The request could not be completed.</p>")
            )
        }
    }

    // MARK: Sessions

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.lowercase((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The signed-in reviewer, or nil (no cookie, an unknown or expired session, a revoked key).
    func signedIn(_ request: Request) async throws -> SignedIn? {
        guard let token = request.cookies[Self.sessionCookie]?.value, token.utf8.count == 64 else { return nil }
        let now = environment.clock.now()
        guard let session = try await environment.catalog.session(tokenHash: APIKeyAuthenticator.hash(token), now: now),
            let role = Principal.Role(rawValue: session.role), role == .reviewer || role == .admin
        else { return nil }
        if let reference = session.keyHash {
            let valid: Bool
            if reference.hasPrefix(Self.signingKeyPrefix) {
                valid = await authenticator.acceptsSigningKey(String(reference.dropFirst(Self.signingKeyPrefix.count)))
            } else {
                valid = try await environment.catalog.apiKey(hash: reference).map { $0.isActive(at: now) } ?? false
            }
            guard valid else {
                try await environment.catalog.deleteSession(tokenHash: session.tokenHash)
                return nil
            }
        }
        return SignedIn(principal: Principal(owner: session.owner, role: role, profiles: [], service: false, actor: session.actor), session: session)
    }

    /// A session's `keyHash` for a JWT: this prefix and the signing key's id (API keys store their SHA-256 there).
    static let signingKeyPrefix = "jwt-signing-key:"

    /// Whether the client used https (directly, or as `X-Forwarded-Proto` from a proxy says).
    static func secure(_ request: Request) -> Bool {
        request.head.scheme == "https" || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/review; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    /// A form post's fields, after checking its CSRF token against the session (and the Origin, when sent).
    func form(_ request: Request, context: APIContext, session: ReviewSession?) async throws -> [String: String] {
        if let origin = request.headers[.origin], let host = request.head.authority, origin != "null" {
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            guard originHost == host else { throw APIError(.forbidden, "csrf_failed", "this form was sent from another site") }
        }
        let buffer = try await request.body.collect(upTo: Self.maxFormBytes)
        let fields = FormBody.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
        if let session {
            guard let sent = fields["csrf"], APIKeyAuthenticator.constantTimeEqual(Array(sent.utf8), Array(session.csrfToken.utf8)) else {
                throw APIError(.forbidden, "csrf_failed", "this form has expired; reload the page and try again")
            }
        }
        return fields
    }

    func requireSignedIn(_ request: Request) async throws -> SignedIn {
        guard let signed = try await signedIn(request) else {
            throw APIError(.unauthorized, "unauthenticated", "your session has ended; sign in again")
        }
        return signed
    }

    func signInPage(_ request: Request, message: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let nonce = Self.randomToken()
        let content = """
            <section class="signin"><h2>Sign in</h2>
            <p class="muted">Use a reviewer API key (<code>airlock keys create --role reviewer</code>) or a JWT with the reviewer role.</p>
            \(message.map { "<p class=\"error\" role=\"alert\">\(HTML.text($0))</p>" } ?? "")
            <form method="post" action="/review/sign-in">
            <input type="hidden" name="nonce" value="\(nonce)">
            <label for="credential">API key or token</label>
            <input type="password" id="credential" name="credential" autocomplete="off" required autofocus>
            <p><button type="submit" class="primary">Sign in</button></p>
            </form></section>
            """
        var headers = HTTPFields()
        headers.append(.init(name: .setCookie, value: Self.cookie(Self.signInCookie, nonce, maxAge: 900, secure: Self.secure(request))))
        return HTML.response(status, HTML.page(title: "Sign in", signedIn: nil, content), headers: headers)
    }

    func signIn(_ request: Request, context: APIContext) async throws -> Response {
        let fields = try await form(request, context: context, session: nil)
        // The sign-in form's nonce must match its cookie: another site cannot sign a browser in to its own session.
        guard let nonce = fields["nonce"], let cookie = request.cookies[Self.signInCookie]?.value,
            APIKeyAuthenticator.constantTimeEqual(Array(nonce.utf8), Array(cookie.utf8))
        else {
            return signInPage(request, message: "The sign-in form expired; try again.", status: .forbidden)
        }
        let address = RateLimiter.addressKey(context.clientAddress)
        if let wait = authFailures.take(address) {
            var response = signInPage(
                request,
                message: "Too many failed sign-ins from this address; try again in \(wait) s.",
                status: .tooManyRequests
            )
            response.headers[.retryAfter] = String(wait)
            return response
        }
        let credential = fields["credential"]?.trimmingSpaces(newlines: true) ?? ""
        guard !credential.isEmpty, credential.utf8.count <= 8192, let principal = try await authenticator.principal(for: credential) else {
            return signInPage(request, message: "That key or token is not valid.", status: .unauthorized)
        }
        authFailures.giveBack(address)
        guard principal.role == .reviewer || principal.role == .admin else {
            return signInPage(request, message: "That key or token does not have the reviewer role.", status: .forbidden)
        }
        let token = Self.randomToken()
        let now = environment.clock.now()
        // Never longer than the credential: a JWT's session ends at its `exp`.
        let expiresAt = min(now + EpochMillis(environment.sessionLifetimeSeconds) * 1000, principal.expiresAt ?? .max)
        guard expiresAt > now else { return signInPage(request, message: "That key or token is not valid.", status: .unauthorized) }
        let reference = credential.hasPrefix("alk_") ? APIKeyAuthenticator.hash(credential) : principal.signingKey.map { Self.signingKeyPrefix + $0 }
        let session = ReviewSession(
            tokenHash: APIKeyAuthenticator.hash(token),
            actor: principal.actor,
            owner: principal.owner,
            role: principal.role.rawValue,
            csrfToken: Self.randomToken(),
            keyHash: reference,
            createdAt: now,
            expiresAt: expiresAt
        )
        let maxAge = Int((expiresAt - now + 999) / 1000)
        try await environment.catalog.createSession(session)
        try await environment.audit(AuditEntry(at: now, actor: principal.actor, action: "review.sign_in"))
        var headers: HTTPFields = [.location: "/review"]
        headers.append(.init(name: .setCookie, value: Self.cookie(Self.sessionCookie, token, maxAge: maxAge, secure: Self.secure(request))))
        headers.append(.init(name: .setCookie, value: Self.cookie(Self.signInCookie, "", maxAge: 0, secure: Self.secure(request))))
        return HTML.response(.seeOther, "", headers: headers)
    }

    func signOut(_ request: Request, context: APIContext) async throws -> Response {
        let signed = try await requireSignedIn(request)
        _ = try await form(request, context: context, session: signed.session)
        try await environment.catalog.deleteSession(tokenHash: signed.session.tokenHash)
        try await environment.audit(AuditEntry(at: environment.clock.now(), actor: signed.principal.actor, action: "review.sign_out"))
        var headers: HTTPFields = [.location: "/review"]
        headers.append(.init(name: .setCookie, value: Self.cookie(Self.sessionCookie, "", maxAge: 0, secure: Self.secure(request))))
        return HTML.response(.seeOther, "", headers: headers)
    }

    // MARK: Quarantine list

    static let flags = UploadFlag.known.map(\.rawValue)

    static let messages: [String: String] = [
        "released": "Released: the file moved to processed and its owner can download it.",
        "release_requested": "Release requested: another reviewer must confirm it.",
        "purged": "Purged: the object is deleted.",
        "rescan": "Rescan queued: a worker will inspect the bytes again.",
        "hash_added": "Hash list entry saved.",
        "hash_removed": "Hash list entry removed.",
    ]

    func quarantine(_ request: Request) async throws -> Response {
        guard let signed = try await signedIn(request) else { return signInPage(request) }
        let query = request.uri.queryParameters
        var filter = ReviewActions.Filter()
        let reason = query["reason"].map(String.init).flatMap(ReasonCode.init(rawValue:))
        filter.reason = reason
        let flag = query["flag"].map(String.init).flatMap { Self.flags.contains($0) ? $0 : nil }
        filter.flag = flag.map(UploadFlag.init(rawValue:))
        let since = query["since"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let until = query["until"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        filter.since = since.flatMap(Timestamp.parse)
        filter.until = until.flatMap(Timestamp.parse).map { $0 + 86_400_000 }  // through the end of that day
        filter.cursor = query["cursor"].map(String.init).flatMap(UploadID.init)
        filter.limit = 50
        let page = try await actions.list(filter)
        let counts = try await actions.reasonCounts()

        var html = "<h2>Quarantine</h2>"
        html += "<ul class=\"counts\" aria-label=\"Quarantined uploads per reason\">"
        html += "<li><a href=\"/review\">all</a></li>"
        for (code, count) in counts {
            // A code a newer airlock wrote is shown as it is; this one cannot filter by it.
            html +=
                code.isRecognized
                ? "<li><a href=\"/review\(HTML.text(HTML.query([("reason", code.rawValue)])))\">\(HTML.text(code.rawValue)) <strong>\(count)</strong></a></li>"
                : "<li>\(HTML.text(code.rawValue)) <strong>\(count)</strong></li>"
        }
        html += "</ul>"
        html +=
            "<form method=\"get\" action=\"/review\" class=\"filters\"><label>Reason<select name=\"reason\" id=\"filter-reason\"><option value=\"\">any</option>"
        for code in ReasonCode.allCases {
            html += "<option value=\"\(code.rawValue)\"\(code == reason ? " selected" : "")>\(code.rawValue)</option>"
        }
        html += "</select></label><label>Flag<select name=\"flag\" id=\"filter-flag\"><option value=\"\">any</option>"
        for name in Self.flags { html += "<option value=\"\(name)\"\(name == flag ? " selected" : "")>\(name)</option>" }
        html += "</select></label>"
        html += "<label>Quarantined from<input type=\"date\" name=\"since\" value=\"\(HTML.text(since ?? ""))\"></label>"
        html += "<label>to<input type=\"date\" name=\"until\" value=\"\(HTML.text(until ?? ""))\"></label>"
        html += "<button type=\"submit\" id=\"filter-apply\">Filter</button></form>"
        if page.items.isEmpty {
            html += "<p class=\"muted\" id=\"empty\">Nothing in quarantine matches.</p>"
        } else {
            html += """
                <table id="quarantine"><thead><tr><th>Upload</th><th>Filename</th><th>Owner</th><th>Size</th><th>Detected / declared type</th>
                <th>Reasons</th><th>Quarantined</th><th>Flags</th></tr></thead><tbody>
                """
            for upload in page.items {
                let reasons = upload.reasons.map {
                    "<span class=\"reason\" title=\"\(HTML.text($0.detail))\">\(HTML.text($0.code.rawValue))</span> <span class=\"muted\">\(HTML.short($0.detail, 80))</span>"
                }
                html += """
                    <tr data-id="\(upload.id.rawValue)"><td><a class="mono" href="/review/items/\(upload.id.rawValue)">\(upload.id.rawValue)</a></td>
                    <td class="name">\(HTML.short(upload.filename, 120))</td><td class="name">\(HTML.short(upload.owner, 60))</td><td>\(HTML.size(upload.size ?? upload.declaredSize))</td>
                    <td><code>\(HTML.text(upload.detectedType ?? "–"))</code><br><span class="muted">declared</span> <code>\(HTML.short(upload.declaredType, 80))</code></td>
                    <td>\(reasons.joined(separator: "<br>"))</td><td>\(HTML.time(upload.updatedAt))</td>
                    <td>\(upload.flags.map { "<span class=\"flag\">\(HTML.text($0.rawValue))</span>" }.joined(separator: " "))</td></tr>
                    """
            }
            html += "</tbody></table>"
        }
        if let next = page.next {
            let link =
                "/review" + HTML.query([("reason", reason?.rawValue), ("flag", flag), ("since", since), ("until", until), ("cursor", next.rawValue)])
            html += "<p class=\"pager\"><a id=\"older\" href=\"\(HTML.text(link))\">Older →</a></p>"
        }
        let flash = query["done"].flatMap { Self.messages[String($0)] }
        return HTML.response(
            .ok,
            HTML.page(title: "Quarantine", signedIn: (signed.principal.actor, signed.session.csrfToken), current: "quarantine", flash: flash, html)
        )
    }

    // MARK: Detail

    func detail(_ request: Request, id: String?) async throws -> Response {
        let signed = try await requireSignedIn(request)
        let upload = try await actions.quarantined(id)
        let trail = try await environment.catalog.auditEntries(uploadID: upload.id.rawValue)
        let events = try await environment.catalog.events(uploadID: upload.id.rawValue)
        let csrf = HTML.text(signed.session.csrfToken)
        func row(_ name: String, _ value: String, name className: Bool = false) -> String {
            "<dt>\(name)</dt><dd\(className ? " class=\"name\"" : "")>\(value)</dd>"
        }
        var html = "<h2>Upload <span class=\"mono\">\(upload.id.rawValue)</span></h2><dl class=\"fields\" id=\"fields\">"
        html += row("State", "<strong>\(upload.state.rawValue)</strong>")
        html += row("Outcome", HTML.text(upload.outcome?.rawValue ?? "–"))
        html += row(
            "Reasons",
            upload.reasons.isEmpty
                ? "–"
                : upload.reasons.map { "<span class=\"reason\">\(HTML.text($0.code.rawValue))</span> \(HTML.text($0.detail))" }.joined(
                    separator: "<br>"
                )
        )
        html += row("Filename", HTML.text(upload.filename), name: true)
        html += row("Stored as", HTML.text(upload.safeName), name: true)
        html += row("Owner", HTML.text(upload.owner), name: true)
        html += row("Profile", HTML.text(upload.profile))
        html += row("Size", "\(HTML.size(upload.size)) <span class=\"muted\">declared</span> \(HTML.size(upload.declaredSize))")
        html += row("Detected type", "<code>\(HTML.text(upload.detectedType ?? "–"))</code>")
        html += row("Declared type", "<code>\(HTML.text(upload.declaredType))</code>")
        html += row("SHA-256", "<code id=\"sha256\">\(HTML.text(upload.sha256 ?? "–"))</code>")
        if let declared = upload.declaredSHA256 { html += row("Declared SHA-256", "<code>\(HTML.text(declared))</code>") }
        html += row(
            "Flags",
            upload.flags.isEmpty ? "–" : upload.flags.map { "<span class=\"flag\">\(HTML.text($0.rawValue))</span>" }.joined(separator: " ")
        )
        if let original = upload.originalKey { html += row("Unsolicited, found at", "<code>\(HTML.text(original))</code>") }
        html += row("Attempts", String(upload.attempts))
        html += "</dl>"

        html += "<h3>Timeline</h3><table id=\"timeline\"><thead><tr><th>When</th><th>Who</th><th>What</th><th>Note</th></tr></thead><tbody>"
        var timeline: [(at: EpochMillis, who: String, what: String, note: String)] = [
            (upload.createdAt, HTML.text(upload.owner), "upload requested", "")
        ]
        timeline.append((upload.updatedAt, "worker", "quarantined (\(HTML.text(upload.outcome?.rawValue ?? "unknown")))", ""))
        for event in events {
            let status = event.deliveredAt != nil ? "delivered" : "\(event.attempts) attempt(s), not delivered"
            timeline.append((event.createdAt, "events", "\(HTML.text(event.type)) → \(HTML.text(RedactedURL.mask(event.webhook))): \(status)", ""))
        }
        for entry in trail { timeline.append((entry.at, HTML.text(entry.actor), HTML.text(entry.action), HTML.text(entry.note ?? ""))) }
        for item in timeline.sorted(by: { $0.at < $1.at }) {
            html += "<tr><td>\(HTML.time(item.at))</td><td>\(item.who)</td><td>\(item.what)</td><td class=\"name\">\(item.note)</td></tr>"
        }
        html += "</tbody></table>"

        let action = "/review/items/\(upload.id.rawValue)"
        let pending = upload.flags.contains(ReviewActions.releaseRequestedFlag)
        html += """
            <h3>Actions</h3><div class="actions">
            <form method="post" action="\(action)/download" class="action" id="download-form"><h3>Download for analysis</h3>
            <input type="hidden" name="csrf" value="\(csrf)">
            <p class="muted">A link valid for a short time: the raw bytes forced to an attachment of type application/octet-stream, or a zip
            with the password <code>infected</code>. Handle it as malware.</p>
            <label class="check"><input type="checkbox" name="zip" value="yes" id="download-zip"> As a zip with the password <code>infected</code></label>
            <button type="submit" id="download">Get a download link</button></form>
            <form method="post" action="\(action)/rescan" class="action" id="rescan-form"><h3>Rescan</h3>
            <input type="hidden" name="csrf" value="\(csrf)">
            <p class="muted">Inspect the bytes again with the current signatures. A clean result only flags it <code>rescanned_clean</code>.</p>
            <label class="check"><input type="checkbox" name="confirm" value="yes" required> I want to rescan this upload</label>
            <button type="submit" id="rescan">Rescan</button></form>
            <form method="post" action="\(action)/release" class="action" id="release-form"><h3>Release\(pending ? " (confirm the pending request)" : "")</h3>
            <input type="hidden" name="csrf" value="\(csrf)">
            <label>Note (required)<textarea name="note" id="release-note" required maxlength="2000"></textarea></label>
            <label class="check"><input type="checkbox" name="trust" value="yes" id="release-trust"> Trust this content (add its SHA-256 to the allow list)</label>
            <label class="check"><input type="checkbox" name="confirm" value="yes" id="release-confirm" required> I confirm the release to its owner</label>
            <button type="submit" class="primary" id="release">Release</button></form>
            <form method="post" action="\(action)/purge" class="action" id="purge-form"><h3>Purge</h3>
            <input type="hidden" name="csrf" value="\(csrf)">
            <label>Note (required)<textarea name="note" id="purge-note" required maxlength="2000"></textarea></label>
            <label class="check"><input type="checkbox" name="block" value="yes" id="purge-block"> Block this content (add its SHA-256 to the deny list)</label>
            <label class="check"><input type="checkbox" name="confirm" value="yes" id="purge-confirm" required> I confirm deleting the object</label>
            <button type="submit" class="danger" id="purge">Purge</button></form>
            </div>
            """
        return HTML.response(
            .ok,
            HTML.page(title: "Upload \(upload.id.rawValue)", signedIn: (signed.principal.actor, signed.session.csrfToken), html)
        )
    }

    func act(_ request: Request, context: APIContext, id: String?, action: String) async throws -> Response {
        let signed = try await requireSignedIn(request)
        let fields = try await form(request, context: context, session: signed.session)
        let upload = try await actions.quarantined(id)
        func confirmed() throws {
            guard fields["confirm"] == "yes" else { throw APIError.invalid("confirmation_required", "tick the confirmation box to go ahead") }
        }
        let done: String
        switch action {
        case "download":
            let zip = fields["zip"] == "yes"
            let signedURL =
                zip
                ? try await actions.zipDownload(upload, by: signed.principal)
                : try await actions.download(upload, by: signed.principal)
            let what = zip ? "as a zip encrypted with the password <code>infected</code>" : "as an attachment of type application/octet-stream"
            let html = """
                <h2>Download for analysis</h2>
                <p>This link downloads upload <span class="mono">\(upload.id.rawValue)</span> \(what). It
                expires at \(HTML.text(signedURL.expiresAt)). Handle the file as malware: open it only in an isolated analysis environment.</p>
                <p><a id="download-link" href="\(HTML.text(signedURL.url))" rel="noreferrer noopener" download>Download \(HTML.short(upload.safeName, 80))\(zip ? ".zip" : ".quarantined")</a></p>
                <p><a href="/review/items/\(upload.id.rawValue)">Back to the upload</a></p>
                """
            return HTML.response(.ok, HTML.page(title: "Download", signedIn: (signed.principal.actor, signed.session.csrfToken), html))
        case "rescan":
            try confirmed()
            try await actions.rescan(upload, by: signed.principal)
            done = "rescan"
        case "release":
            try confirmed()
            let outcome = try await actions.release(upload, note: fields["note"] ?? "", trust: fields["trust"] == "yes", by: signed.principal)
            done = outcome == .released ? "released" : "release_requested"
        case "purge":
            try confirmed()
            try await actions.purge(upload, note: fields["note"] ?? "", block: fields["block"] == "yes", by: signed.principal)
            done = "purged"
        default:
            throw APIError(.notFound, "not_found", "no such action")
        }
        return HTML.response(.seeOther, "", headers: [.location: "/review?done=\(done)"])
    }

    // MARK: Hash lists

    func hashLists(_ request: Request) async throws -> Response {
        let signed = try await requireSignedIn(request)
        let csrf = HTML.text(signed.session.csrfToken)
        let entries = try await environment.catalog.hashListEntries()
        var html =
            "<h2>Hash lists</h2><p class=\"muted\">Deny: bytes with this SHA-256 are quarantined as malware without scanning. Allow: never skips the other checks.</p>"
        for kind in [HashListKind.deny, .allow] {
            let listed = entries.filter { $0.list == kind }
            html += "<h3>\(kind == .deny ? "Deny" : "Allow") list (\(listed.count))</h3>"
            html +=
                "<table id=\"\(kind.rawValue)-list\"><thead><tr><th>SHA-256</th><th>Note</th><th>By</th><th>Added</th><th></th></tr></thead><tbody>"
            for entry in listed {
                html += """
                    <tr><td><code>\(HTML.text(entry.sha256))</code></td><td class="name">\(HTML.text(entry.note ?? ""))</td><td>\(HTML.text(entry.actor))</td>
                    <td>\(HTML.time(entry.createdAt))</td><td><form method="post" action="/review/hashlists/\(kind.rawValue)/remove">
                    <input type="hidden" name="csrf" value="\(csrf)"><input type="hidden" name="sha256" value="\(HTML.text(entry.sha256))">
                    <button type="submit">Remove</button></form></td></tr>
                    """
            }
            html += "</tbody></table>"
        }
        html += """
            <h3>Add an entry</h3>
            <form method="post" action="/review/hashlists/deny/add" class="action" id="hash-add"><input type="hidden" name="csrf" value="\(csrf)">
            <label>SHA-256<input type="text" name="sha256" required pattern="[0-9a-fA-F]{64}" size="70"></label>
            <label>Note<input type="text" name="note" maxlength="2000"></label>
            <label class="check"><input type="checkbox" name="allow" value="yes"> Allow list instead of deny list</label>
            <button type="submit">Add</button></form>
            """
        let flash = request.uri.queryParameters["done"].flatMap { Self.messages[String($0)] }
        return HTML.response(
            .ok,
            HTML.page(title: "Hash lists", signedIn: (signed.principal.actor, signed.session.csrfToken), current: "hashlists", flash: flash, html)
        )
    }

    func editHashList(_ request: Request, context: APIContext, list: String?, action: String) async throws -> Response {
        let signed = try await requireSignedIn(request)
        let fields = try await form(request, context: context, session: signed.session)
        guard var kind = list.flatMap(HashListKind.init(rawValue:)) else { throw APIError.notFound }
        switch action {
        case "add":
            if fields["allow"] == "yes" { kind = .allow }
            let note = fields["note"].flatMap { $0.trimmingSpaces(newlines: true).isEmpty ? nil : $0 }
            _ = try await actions.addHash(fields["sha256"] ?? "", to: kind, note: note, by: signed.principal)
            return HTML.response(.seeOther, "", headers: [.location: "/review/hashlists?done=hash_added"])
        case "remove":
            try await actions.removeHash(fields["sha256"] ?? "", from: kind, by: signed.principal)
            return HTML.response(.seeOther, "", headers: [.location: "/review/hashlists?done=hash_removed"])
        default:
            throw APIError(.notFound, "not_found", "no such action")
        }
    }

    // MARK: Audit log

    func auditLog(_ request: Request) async throws -> Response {
        let signed = try await requireSignedIn(request)
        let after = Int64(request.uri.queryParameters["after"].map(String.init) ?? "") ?? 0
        let limit = 200
        let entries = try await environment.catalog.auditEntries(after: max(0, after), limit: limit)
        var html = """
            <h2>Audit log</h2><p class="muted">Hash-chained: <code>airlock audit verify</code> recomputes the chain; <code>airlock audit export</code> writes it as JSON Lines.</p>
            <table id="audit"><thead><tr><th>#</th><th>When</th><th>Who</th><th>Action</th><th>Upload</th><th>Note</th><th>Detail</th></tr></thead><tbody>
            """
        for entry in entries {
            let upload = entry.uploadID.map { "<span class=\"mono\">\(HTML.text($0))</span>" } ?? ""
            html += """
                <tr><td>\(entry.sequence)</td><td>\(HTML.time(entry.at))</td><td>\(HTML.text(entry.actor))</td><td>\(HTML.text(entry.action))</td><td>\(upload)</td>
                <td class="name">\(HTML.text(entry.note ?? ""))</td><td><code>\(HTML.short(entry.detail, 200))</code></td></tr>
                """
        }
        html += "</tbody></table>"
        if entries.count == limit, let last = entries.last {
            html += "<p class=\"pager\"><a href=\"/review/audit?after=\(last.sequence)\">Next →</a></p>"
        }
        return HTML.response(.ok, HTML.page(title: "Audit log", signedIn: (signed.principal.actor, signed.session.csrfToken), current: "audit", html))
    }
}
