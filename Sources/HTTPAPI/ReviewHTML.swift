import AirlockCore
import Hummingbird
import SigV4

/// HTML for the review page: escaping, the page frame, and the one stylesheet. Everything shown comes from attackers
/// (filenames, owners' declarations, signature names) and goes through `HTML.text`, which escapes markup and makes
/// control and bidirectional-override characters visible instead of letting them reorder the page.
enum HTML {
    /// Escapes `& < > " '` and shows C0/C1 controls, bidi controls and other invisible format characters as `[U+XXXX]`.
    static func text<S: StringProtocol>(_ value: S) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if isInvisible(scalar) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "<span class=\"cc\">[U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]</span>"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Shown as a code point: controls, bidi embeddings/overrides/isolates, zero-width characters, and the like.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x180E, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF, 0xFFF9...0xFFFB: return true
        default: return scalar.properties.generalCategory == .format
        }
    }

    /// At most `limit` characters of `value` (escaped), with an ellipsis when cut.
    static func short(_ value: String, _ limit: Int) -> String {
        value.count <= limit ? text(value) : text(value.prefix(limit)) + "…"
    }

    /// `?a=b&c=d` from pairs, percent-encoded (values are escaped again when placed in an attribute).
    static func query(_ pairs: [(String, String?)]) -> String {
        let present = pairs.compactMap { pair in pair.1.map { (pair.0, $0) } }.filter { !$0.1.isEmpty }
        guard !present.isEmpty else { return "" }
        return "?" + present.map { "\($0.0)=\(URIEncoding.encode($0.1, keepSlash: false))" }.joined(separator: "&")
    }

    static func time(_ millis: EpochMillis) -> String {
        let iso = Timestamp.iso8601(millis)
        let shown = String(iso.map { $0 == "T" ? " " : $0 }.filter { $0 != "Z" }) + " UTC"
        return "<time datetime=\"\(text(iso))\">\(text(shown))</time>"
    }

    static func size(_ bytes: Int64?) -> String {
        guard let bytes else { return "–" }
        return text(ByteSize(bytes: bytes).description) + (bytes >= 1024 ? " <span class=\"muted\">(\(bytes) B)</span>" : "")
    }

    /// The content security policy of every page: nothing from elsewhere, no scripts at all, forms only to itself.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func response(_ status: HTTPResponse.Status, _ body: String, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.init("Content-Security-Policy")!] = contentSecurityPolicy
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A whole page: `signedIn` adds the navigation and the sign-out form.
    static func page(title: String, signedIn: (actor: String, csrf: String)?, current: String = "", flash: String? = nil, _ content: String) -> String
    {
        var nav = ""
        if let signedIn {
            func link(_ path: String, _ label: String, _ key: String) -> String {
                "<a href=\"\(path)\"\(current == key ? " aria-current=\"page\"" : "")>\(label)</a>"
            }
            nav = """
                <nav>\(link("/review", "Quarantine", "quarantine")) \(link("/review/hashlists", "Hash lists", "hashlists")) \(link("/review/audit", "Audit log", "audit"))
                <form method="post" action="/review/sign-out" class="signout"><input type="hidden" name="csrf" value="\(text(signedIn.csrf))">
                <span class="muted">\(text(signedIn.actor))</span> <button type="submit">Sign out</button></form></nav>
                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(text(title)) · Airlock review</title><link rel="stylesheet" href="/review/assets/review.css"></head>
            <body><header><h1><a href="/review">Airlock</a> <span class="muted">quarantine review</span></h1>\(nav)</header>
            <main>\(flash.map { "<p class=\"flash\" role=\"status\">\(text($0))</p>" } ?? "")\(content)</main></body></html>
            """
    }

    static let stylesheet = """
        :root { --fg: #1b1f24; --muted: #5b6570; --line: #d8dde3; --bg: #fff; --accent: #0b57d0; --bad: #b3261e; --ok: #1e7b34; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        header h1 { font-size: 1.1rem; margin: 0; } header h1 a { color: inherit; text-decoration: none; }
        nav { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
        nav a[aria-current] { font-weight: 600; text-decoration: none; color: var(--fg); }
        main { padding: 1rem 1.2rem; max-width: 1400px; }
        a { color: var(--accent); }
        .muted { color: var(--muted); }
        .flash { background: #e8f3ea; border: 1px solid #b6dcbf; padding: .5rem .8rem; border-radius: 4px; }
        .error { background: #fbeaea; border: 1px solid #efb9b6; padding: .5rem .8rem; border-radius: 4px; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
        th { font-weight: 600; background: #f5f7f9; position: sticky; top: 0; }
        td.name, dd.name { overflow-wrap: anywhere; word-break: break-word; max-width: 28rem; }
        code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
        .cc { color: var(--bad); font-family: ui-monospace, monospace; font-size: 11px; border: 1px dotted var(--bad); padding: 0 2px; }
        .reason { display: inline-block; background: #fdecea; color: var(--bad); border-radius: 3px; padding: 0 .35rem; margin: 0 .2rem .2rem 0; font-size: 12px; }
        .flag { display: inline-block; background: #e8eefc; color: #1a3f8f; border-radius: 3px; padding: 0 .35rem; font-size: 12px; }
        .counts { display: flex; gap: .4rem; flex-wrap: wrap; margin: .4rem 0 .8rem; padding: 0; list-style: none; }
        .counts a { display: inline-block; border: 1px solid var(--line); border-radius: 12px; padding: .1rem .6rem; text-decoration: none; }
        form.filters { display: flex; gap: .6rem; align-items: end; flex-wrap: wrap; margin-bottom: .8rem; }
        form.filters label, form.action label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: .15rem; }
        form.signout { display: inline; }
        input, select, textarea, button { font: inherit; }
        input[type=text], input[type=password], input[type=date], select, textarea { padding: .3rem .4rem; border: 1px solid #aab3bd; border-radius: 4px; }
        textarea { width: 100%; min-height: 3.5rem; }
        button { padding: .35rem .8rem; border: 1px solid #8a96a3; border-radius: 4px; background: #f3f5f7; cursor: pointer; }
        button.danger { border-color: var(--bad); color: var(--bad); } button.primary { border-color: var(--accent); color: var(--accent); }
        dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dl.fields dt { color: var(--muted); } dl.fields dd { margin: 0; }
        .actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; margin-top: 1rem; }
        form.action { border: 1px solid var(--line); border-radius: 6px; padding: .8rem; display: flex; flex-direction: column; gap: .5rem; }
        form.action h3 { margin: 0; font-size: 1rem; }
        label.check { flex-direction: row !important; align-items: center; gap: .4rem !important; color: var(--fg) !important; font-size: 13px !important; }
        .signin { max-width: 28rem; margin: 3rem auto; border: 1px solid var(--line); border-radius: 8px; padding: 1.2rem; }
        .signin input[type=password] { width: 100%; }
        .pager { margin-top: .8rem; }
        """
}

/// `application/x-www-form-urlencoded` bodies of the review page's forms.
enum FormBody {
    /// Name to value (the last one wins); `+` is a space; malformed escapes are kept as written.
    static func parse(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2, let high = Hex.value(ofDigit: iterator[iterator.startIndex]),
                let low = Hex.value(ofDigit: iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
