/// Code hidden in a file the type sniffer calls plain text (also `text/csv` and `text/markdown`): server-side code
/// a web server would run if the file ever reached it under an executable name or through an include, and browser
/// markup that runs if the text is rendered as HTML.
///
/// The rules, chosen so that ordinary CSV, prose, READMEs and changelogs stay clean:
/// - PHP: `<?php` (any case), `<?=`, and `<?` followed by whitespace (`<?xml` is not PHP); `<script language="php">`.
/// - ASP/JSP: `<%` followed by `@`, `=`, `#`, `:`, `$`, `-`, `!` (a JSP declaration), whitespace or a letter, **and** a `%>` somewhere after it,
///   since every code block closes (`growth <%5` or `a <% b` alone are prose); `<jsp:` actions;
///   `<script runat="server">`.
/// - SSI: `<!--#` followed by a directive name (`include`, `exec`, `echo`, `config`, `set`, …).
/// - JSP expression language that calls a method: `${…(…)}`.
/// - Browser markup: `<script`, `<hta:application`, an `on…=` event handler inside a tag, a `javascript:`/`vbscript:`
///   or `data:text/html`-like URL in a tag's URL attribute or a Markdown link. Ordinary inline HTML (`<p
///   align="center">`, `<img src="https://…">`, `<details>`) is clean.
/// - Server-side code is found anywhere, since an interpreter ignores Markdown. Browser markup is found anywhere
///   too, Markdown code included (renderers disagree on where code ends); only complete HTML comments are skipped,
///   closed as browsers close them (`<!-->` and `<!--->` end at once).
/// - ISO-2022 multi-byte runs (whose bytes fall in the ASCII range) are blanked out first; UTF-16 and UTF-32 are
///   transcoded. Linear in the input.
enum TextActiveContent {
    /// Findings, at most `limit` of them; empty when nothing active was found.
    static func findings(in bytes: [UInt8], limit: Int = 5) -> [String] {
        guard limit > 0 else { return [] }
        let text = blankingISO2022(MarkupActiveContent.utf8Text(bytes))
        var findings: [String] = []
        func add(_ finding: String) {
            if findings.count < limit, !findings.contains(finding) { findings.append(finding) }
        }
        for finding in serverSideFindings(text) { add(finding) }
        if findings.count < limit {
            // Markdown code is not skipped: where a span or fence ends depends on the renderer (escaped backticks,
            // tags that bind before code spans, info strings), and an attacker picks the renderer that disagrees.
            // Only complete HTML comments are inert.
            var inert = [Bool](repeating: false, count: text.count)
            markComments(text, into: &inert)
            for finding in browserFindings(text, code: inert) { add(finding) }
        }
        return findings
    }

    static let ssiDirectives: Set<String> = [
        "include", "exec", "echo", "config", "set", "printenv", "fsize", "flastmod", "if", "elif", "else", "endif",
    ]

    /// Schemes that run script when a link or resource in rendered HTML is used.
    static func scriptScheme(_ value: String) -> String? {
        guard let scheme = MarkupActiveContent.dangerousScheme(value) else { return nil }
        if scheme == "data" {
            let compact = String(String.UnicodeScalarView(value.unicodeScalars.filter { !MarkupActiveContent.isIgnorableInURL($0) })).lowercased()
            let type = MarkupActiveContent.dataMediaType(compact)
            return type.hasPrefix("text/html") || type.hasPrefix("image/svg") || type.contains("xml") || type.contains("javascript") ? "data" : nil
        }
        return ["javascript", "vbscript", "livescript", "mocha"].contains(scheme) ? scheme : nil
    }

    // MARK: Server-side code

    static func serverSideFindings(_ text: [UInt8]) -> [String] {
        var findings: [String] = []
        let count = text.count
        // The last `%>`: an ASP/JSP opener counts only with a closer after it.
        var lastCloser = -1
        var scan = count - 2
        while scan >= 0 {
            if text[scan] == UInt8(ascii: "%"), text[scan + 1] == UInt8(ascii: ">") {
                lastCloser = scan
                break
            }
            scan -= 1
        }
        var index = 0
        while index + 1 < count {
            guard text[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            let next = text[index + 1]
            if next == UInt8(ascii: "?") {
                if starts(text, "<?php", at: index) {
                    findings.append("a PHP open tag")
                } else if index + 2 < count, text[index + 2] == UInt8(ascii: "=") {
                    findings.append("a PHP short echo tag")
                } else if index + 2 < count, MarkupActiveContent.isSpace(text[index + 2]) {
                    findings.append("a PHP short open tag")
                }
            } else if next == UInt8(ascii: "%"), index + 2 < count, index < lastCloser {
                let after = text[index + 2]
                let opens = "@=#:$-!".utf8.contains(after) || MarkupActiveContent.isSpace(after)
                    || (after >= 0x41 && after <= 0x5A) || (after >= 0x61 && after <= 0x7A)
                if opens {
                    switch after {
                    case UInt8(ascii: "@"): findings.append("an ASP/JSP directive (<%@)")
                    case UInt8(ascii: "="): findings.append("an ASP/JSP expression (<%=)")
                    default: findings.append("an ASP/JSP code block (<%)")
                    }
                }
            } else if next == UInt8(ascii: "!"), starts(text, "<!--#", at: index) {
                var cursor = index + 5
                while cursor < count, cursor - index < 20, isLetter(text[cursor]) { cursor += 1 }
                let directive = String(decoding: text[(index + 5)..<cursor], as: UTF8.self).lowercased()
                if ssiDirectives.contains(directive) { findings.append("a server-side include directive (#\(directive))") }
            } else if starts(text, "<jsp:", at: index) {
                findings.append("a JSP action (<jsp:)")
            } else if starts(text, "<script", at: index), index + 7 >= count || !MarkupActiveContent.isNameByte(text[index + 7]) {
                let tag = MarkupActiveContent.readStartTag(text, from: index)
                for attribute in tag.attributes {
                    let name = attribute.name.lowercased()
                    let value = attribute.value.lowercased()
                    if (name == "language" || name == "type"), value.contains("php") { findings.append("a PHP <script language=\"php\"> block") }
                    if name == "runat", value.contains("server") { findings.append("a server-side <script runat=\"server\"> block") }
                }
                index = max(tag.end, index + 1)
                continue
            }
            index += 1
        }
        if let expression = expressionLanguageFinding(text) { findings.append(expression) }
        return findings
    }

    /// JSP expression language that calls a method (`${"".getClass().forName(…)}`): a JSP container evaluates it in
    /// template text, so it runs if the file is ever served or included as a JSP. A plain `${name}` (shell, templates)
    /// only reads a value and stays clean, as do Ruby's `#{…}` and Razor's `@{…}` (Razor compiles only `.cshtml`
    /// views, which no profile admits, and includes nothing else as code).
    /// Each `${` is read as a JSP container reads it, to its closing `}`: quoted strings (where a `}` does not close)
    /// and nested braces are skipped. One that never closes is judged on everything after it. Linear.
    static func expressionLanguageFinding(_ text: [UInt8]) -> String? {
        var index = 0
        while index + 2 < text.count {
            guard text[index] == UInt8(ascii: "$"), text[index + 1] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            var cursor = index + 2
            var depth = 0
            var quote: UInt8?
            var calls = false
            var lastNonBlank: UInt8 = 0
            scan: while cursor < text.count {
                let byte = text[cursor]
                defer { cursor += 1 }
                if let open = quote {
                    if byte == UInt8(ascii: "\\") {
                        cursor += 1
                    } else if byte == open {
                        quote = nil
                        lastNonBlank = byte
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
                case UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "}"):
                    if depth == 0 { break scan }
                    depth -= 1
                case UInt8(ascii: "("):
                    if MarkupActiveContent.isNameByte(lastNonBlank) || lastNonBlank == UInt8(ascii: ")") { calls = true }
                default: break
                }
                if !MarkupActiveContent.isSpace(byte) { lastNonBlank = byte }
            }
            if calls { return "a JSP expression-language method call (${…(…)})" }
            index = cursor
        }
        return nil
    }

    // MARK: Browser markup

    static func browserFindings(_ text: [UInt8], code: [Bool]) -> [String] {
        var findings: [String] = []
        let count = text.count
        var index = 0
        while index + 1 < count, findings.count < 16 {
            if code[index] {
                index += 1
                continue
            }
            let byte = text[index]
            guard byte == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if starts(text, "<!--", at: index) {
                // An HTML comment is inert where the text is rendered; server-side directives were judged already.
                var cursor = index + 4
                while cursor + 2 < count, !(text[cursor] == UInt8(ascii: "-") && text[cursor + 1] == UInt8(ascii: "-") && text[cursor + 2] == UInt8(ascii: ">")) {
                    cursor += 1
                }
                index = cursor + 3
                continue
            }
            guard MarkupActiveContent.isNameStart(text[index + 1]) else {
                index += 1
                continue
            }
            let tag = MarkupActiveContent.readStartTag(text, from: index)
            let element = MarkupActiveContent.localName(tag.name)
            for attribute in tag.attributes where attribute.hasValue {
                let attributeName = MarkupActiveContent.localName(attribute.name)
                if attributeName.hasPrefix("on"), attributeName.count > 2, attributeName.allSatisfy(\.isLetter) {
                    findings.append("an \(attributeName) event handler on <\(element)>")
                } else if MarkupActiveContent.urlAttributes.contains(attributeName) || attributeName == "data" || attributeName == "formaction",
                    let scheme = scriptScheme(attribute.value)
                {
                    findings.append("a \(scheme) URL in \(attribute.name.lowercased()) on <\(element)>")
                } else if attributeName == "style" {
                    let css = MarkupActiveContent.decodeCSS(attribute.value).lowercased().filter { !$0.isWhitespace }
                    if css.contains("expression(") || css.contains("javascript:") || css.contains("-moz-binding") || css.contains("behavior:") {
                        findings.append("script in a style attribute on <\(element)>")
                    }
                }
            }
            index = max(tag.end, index + 1)
        }
        for finding in schemeFindings(text, inert: code) where findings.count < 16 && !findings.contains(finding) {
            findings.append(finding)
        }
        // Script elements are looked for everywhere outside code, even where the walk above read them as part of
        // another tag: a Markdown renderer and an HTML parser do not always agree where a tag ends.
        index = 0
        while index < count, findings.count < 16 {
            if !code[index], text[index] == UInt8(ascii: "<") {
                if starts(text, "<script", at: index), index + 7 >= count || !MarkupActiveContent.isNameByte(text[index + 7]) {
                    findings.insert("a <script> element", at: 0)
                } else if starts(text, "<hta:application", at: index) {
                    findings.insert("an HTA application tag (<hta:application>)", at: 0)
                }
            }
            index += 1
        }
        return findings
    }

    /// Script URLs anywhere outside comments, in whatever Markdown or HTML construct holds them: inline and
    /// reference links, autolinks (`<javascript:…>`), angle-bracket destinations, bare text a renderer links. A
    /// scheme name is read as a renderer reads it: character references decoded (`&#106;`, `&colon;`), backslash
    /// escapes dropped (`javascript\:`), invisible characters and tabs or line breaks written as references skipped
    /// (URL parsers remove them; a raw blank ends a Markdown destination).
    /// It counts when a word starts with it and its `:` is followed by something (`javascript:alert(1)`), or when it
    /// follows `<` (`<javascript: alert(1)>`); prose such as "JavaScript: a language" stays clean.
    static func schemeFindings(_ text: [UInt8], inert: [Bool]) -> [String] {
        var findings: [String] = []
        let count = text.count
        var index = 0
        while index < count, findings.count < 4 {
            let byte = text[index]
            guard !inert[index], isLetter(byte) || byte == UInt8(ascii: "&") else {
                index += 1
                continue
            }
            if index > 0, isLetter(text[index - 1]) || (text[index - 1] >= 0x30 && text[index - 1] <= 0x39) {
                index += 1
                continue
            }
            if byte != UInt8(ascii: "&") {
                // Most words end in a blank or punctuation: only one that runs into `:`, a reference, an escape or a
                // non-ASCII character can spell a scheme.
                var end = index + 1
                while end < count, isLetter(text[end]) { end += 1 }
                if end == count || !(text[end] == UInt8(ascii: ":") || text[end] == UInt8(ascii: "&") || text[end] == UInt8(ascii: "\\") || text[end] >= 0x80) {
                    index = end
                    continue
                }
            }
            guard let candidate = readScheme(text, from: index) else {
                index += 1
                continue
            }
            var before = index - 1
            while before >= 0, text[before] == 0x20 || text[before] == 0x09 { before -= 1 }
            let afterAngle = before >= 0 && text[before] == UInt8(ascii: "<")
            if candidate.scheme == "data" {
                if let scheme = scriptScheme("data:" + candidate.rest) { findings.append("a \(scheme) URL in the text") }
            } else if ["javascript", "vbscript", "livescript", "mocha"].contains(candidate.scheme), afterAngle || !candidate.rest.isEmpty {
                findings.append("a \(candidate.scheme) URL in the text")
            }
            index = candidate.end
        }
        return findings
    }

    /// A scheme name starting at `start` (lowercased, decoded as described in ``schemeFindings(_:inert:)``) and what
    /// follows its `:` up to the first blank, quote or bracket (at most 64 characters); nil when no `:` ends a name of
    /// at most 12 letters.
    private static func readScheme(_ text: [UInt8], from start: Int) -> (scheme: String, rest: String, end: Int)? {
        var scheme = ""
        var cursor = start
        func next() -> Unicode.Scalar? {
            while cursor < text.count {
                let byte = text[cursor]
                if byte == UInt8(ascii: "\\"), cursor + 1 < text.count, text[cursor + 1] >= 0x21, text[cursor + 1] <= 0x7E,
                    !isLetter(text[cursor + 1]), !(text[cursor + 1] >= 0x30 && text[cursor + 1] <= 0x39)
                {
                    cursor += 1
                    continue
                }
                if byte == UInt8(ascii: "&") {
                    var end = cursor + 1
                    while end < text.count, end - cursor <= 12, text[end] != UInt8(ascii: ";"), text[end] != UInt8(ascii: "&"), text[end] > 0x20 { end += 1 }
                    let reference = String(decoding: text[cursor..<min(end + 1, text.count)], as: UTF8.self)
                    let decoded = MarkupActiveContent.decodeCharacterReferences(reference)
                    if decoded != reference, let first = decoded.unicodeScalars.first {
                        // Only the reference itself was consumed by the decoder: skip its length.
                        let tail = decoded.unicodeScalars.dropFirst()
                        let consumed = reference.utf8.count - String(String.UnicodeScalarView(tail)).utf8.count
                        cursor += consumed
                        if first != " ", MarkupActiveContent.isIgnorableInURL(first) { continue }
                        return first
                    }
                }
                if byte >= 0x80 {
                    // An invisible character (soft hyphen, zero-width space, BOM) inside a name is skipped.
                    var end = cursor + 1
                    while end < text.count, end - cursor < 4, text[end] & 0xC0 == 0x80 { end += 1 }
                    if let scalar = String(decoding: text[cursor..<end], as: UTF8.self).unicodeScalars.first,
                        scalar.value != 0xFFFD, MarkupActiveContent.isIgnorableInURL(scalar)
                    {
                        cursor = end
                        continue
                    }
                }
                cursor += 1
                return Unicode.Scalar(byte)
            }
            return nil
        }
        while let scalar = next() {
            if scalar == ":" {
                guard !scheme.isEmpty else { return nil }
                var rest = ""
                while rest.unicodeScalars.count < 64, let following = next() {
                    if following.value <= 0x20 || "\"'<>()[]`".unicodeScalars.contains(following) { break }
                    rest.unicodeScalars.append(following)
                }
                return (scheme, rest, max(cursor, start + 1))
            }
            guard scalar.isASCII, scheme.count < 12, (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") else { return nil }
            scheme.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value) | 0x20))
        }
        return nil
    }

    /// HTML comments (`<!--` to the earliest `-->` or `--!>`), inert where the text is rendered. An unterminated
    /// comment is left unmarked, so what follows it is still read.
    static func markComments(_ text: [UInt8], into inert: inout [Bool]) {
        var index = 0
        while index + 3 < text.count {
            guard text[index] == UInt8(ascii: "<"), starts(text, "<!--", at: index), !inert[index] else {
                index += 1
                continue
            }
            var cursor = index + 4
            var end: Int?
            // `<!-->` and `<!--->` are whole (empty) comments to a browser.
            if cursor < text.count, text[cursor] == UInt8(ascii: ">") {
                end = cursor + 1
            } else if cursor + 1 < text.count, text[cursor] == UInt8(ascii: "-"), text[cursor + 1] == UInt8(ascii: ">") {
                end = cursor + 2
            }
            while end == nil, cursor + 2 < text.count {
                if text[cursor] == UInt8(ascii: "-"), text[cursor + 1] == UInt8(ascii: "-") {
                    if text[cursor + 2] == UInt8(ascii: ">") {
                        end = cursor + 3
                        break
                    }
                    if cursor + 3 < text.count, text[cursor + 2] == UInt8(ascii: "!"), text[cursor + 3] == UInt8(ascii: ">") {
                        end = cursor + 4
                        break
                    }
                }
                cursor += 1
            }
            guard let end else { return }  // no comment closes after this point, so none after it closes either
            for position in index..<end { inert[position] = true }
            index = end
        }
    }

    /// ISO-2022 text (ESC `$` … switches to two-byte sets whose bytes are in the ASCII range, ESC `(` … back): the
    /// two-byte runs are replaced with `_` so their bytes are not read as `<%` or `<?`.
    static func blankingISO2022(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x1B) else { return bytes }
        var output = bytes
        var multiByte = false
        var index = 0
        while index < output.count {
            if output[index] == 0x1B, index + 1 < output.count {
                let next = output[index + 1]
                if next == UInt8(ascii: "$") {
                    multiByte = true
                } else if next == UInt8(ascii: "(") {
                    multiByte = false
                }
                index += 1
                continue
            }
            if multiByte, output[index] >= 0x21, output[index] <= 0x7E { output[index] = UInt8(ascii: "_") }
            if output[index] == 0x0A { multiByte = false }
            index += 1
        }
        return output
    }

    private static func starts(_ text: [UInt8], _ literal: StaticString, at position: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard position >= 0, position + length <= text.count else { return false }
        return literal.withUTF8Buffer { utf8 in
            for offset in 0..<length {
                let byte = text[position + offset]
                if (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) != utf8[offset] { return false }
            }
            return true
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    fileprivate var trimmingASCIISpace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }), let last = scalars.lastIndex(where: { $0.value > 0x20 }) else { return "" }
        return String(scalars[first...last])
    }
}
