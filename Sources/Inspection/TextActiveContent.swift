#if canImport(Glibc)
import Glibc
#endif

/// Code hidden in a file the type sniffer calls plain text (also `text/csv` and `text/markdown`): server-side code
/// a web server would run if the file ever reached it under an executable name or through an include, and browser
/// markup that runs if the text is rendered as HTML.
///
/// The rules, chosen so that ordinary CSV, prose, READMEs and changelogs stay clean:
/// - PHP: `<?` followed by anything but an XML declaration PHP cannot parse (``isXMLDeclaration(_:at:)``; `<?xml:` and
///   `<?xml or …` are PHP) or a Java wildcard
///   (`<?>`, `<?,`, `<? extends T`, `<? super T`; ``isJavaWildcard(_:at:)``): short_open_tag is On by default and its
///   lexer needs no blank, so `<?system(…);?>` runs; `<?php`, `<?=`; `<script language="php">`.
/// - ASP/JSP/ERB/EJS: `<%` followed by anything (a digit or a backtick too: ERB runs `<%1;system('id')%>` and
///   `<%`id`%>`) **and** a `%>` somewhere after it, since every code block closes (`a <% b` and `growth <%5` alone
///   are prose); `<jsp:` actions; `<script runat="server">`.
/// - SSI: `<!--`, any number of blanks, `#`, any number of blanks, then a directive name (`include`, `exec`, `echo`, `config`, `set`, …).
/// - JSP expression language (`${…}`) is not looked for: it runs only in a `.jsp`, and `${…}` is ordinary syntax in
///   many languages (docs/inspection.md, "Decided on purpose").
/// - Browser markup: `<script`, `<hta:application`, `<base href>`, an `on…=` event handler or `srcdoc` inside a tag, a
///   `javascript:`/`vbscript:` or `data:text/html`-like URL in a tag's URL attribute, SMIL `to`/`values` or a Markdown
///   link, a Markdown attribute list (`{: onclick=…}`, read as each engine reads it, ``attributeListFindings(_:)``)
///   with an event handler. Ordinary inline HTML (`<p
///   align="center">`, `<img src="https://…">`, `<details>`) is clean.
/// - Server-side code is found anywhere, since an interpreter ignores Markdown. Browser markup is found anywhere too:
///   in fenced code blocks and code spans (renderers disagree on where code ends), in HTML comments (`<!--` in a code
///   span, an attribute value or a `<textarea>` opens none) and in tags inside other tags' attribute values.
/// - Encodings: UTF-16 and UTF-32 are transcoded, and the server-side checks also read the raw bytes (engines do).
///   Genuine ISO-2022 two-byte runs (valid JIS X 0208 pairs, no whole `<?…?>`/`<%…%>` block inside) are blanked for
///   the server-side checks only (``blankingISO2022(_:)``).
///   Linear in the input.
enum TextActiveContent {
    /// Findings, at most `limit` of them; empty when nothing active was found.
    /// - Parameter csv: The text is CSV or TSV: every cell is a spreadsheet cell (otherwise only cells that look like
    ///   formulas are judged as strictly, ``formulaFindings(_:csv:)``).
    /// - Parameter markdown: The file is named as Markdown (``Inspector/isNamedMarkdown(filename:)``): it is also read
    ///   as Markdown.pl reads its blocks (``MarkdownReadings``).
    static func findings(in bytes: [UInt8], csv: Bool = false, markdown: Bool = false, limit: Int = 5) -> [String] {
        guard limit > 0 else { return [] }
        let decoded = MarkupActiveContent.utf8Text(bytes)
        var findings: [String] = []
        func add(_ finding: String) {
            if findings.count < limit, !findings.contains(finding) { findings.append(finding) }
        }
        for finding in serverSideFindings(blankingISO2022(decoded)) { add(finding) }
        // PHP, SSI and JSP engines read bytes, not a byte-order mark's encoding: a UTF-16 or UTF-32 file is also
        // judged as the bytes it is.
        if decoded != bytes {
            for finding in serverSideFindings(blankingISO2022(bytes)) { add(finding) }
        }
        // Nor do Markdown.pl and LibreOffice's CSV import: a UTF-16 or UTF-32 byte-order mark before ASCII is two or
        // four characters to them, and the rest is read as written (attack round 19). Every check below reads both.
        var texts = decoded == bytes ? [decoded] : [decoded, bytes]
        // `FF FE 00 00` is UTF-32LE to Airlock's decoder, and UTF-16LE with a leading U+0000 to browsers and libxml2
        // (attack round 20): that reading too.
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { texts.append(MarkupActiveContent.utf8Text([0xFF, 0xFE] + bytes.dropFirst(4))) }
        for text in texts {
            for finding in formulaFindings(text, csv: csv) { add(finding) }
        }
        if findings.count < limit {
            // Nothing in the text is a shelter, fenced code blocks in Markdown included: no two renderers agree on
            // where code ends (Markdown.pl knows no fences and rewrites the text before it reads blocks;
            // Python-Markdown and kramdown end raw HTML blocks by their own rules), and seven attack rounds (11 to 18)
            // each found a fence one renderer passes through as HTML. So a README that shows `<script>` as a code
            // sample is active content. Nor are HTML comments: `<!--` in a code span, an attribute value or a
            // `<textarea>` opens none. A renderer that decodes ISO-2022 text as UTF-8 sees its ASCII; one that decodes
            // it as ISO-2022-JP (a charset a server may name: Apache's `.jis` extension, a type map) drops the
            // escapes: `<scr ESC(B ipt>` is `<script>`. Both are read.
            for text in texts {
                let withoutEscapes = removingISO2022Escapes(text)
                var readings = withoutEscapes.count == text.count ? [text] : [text, withoutEscapes]
                if let rendered = rendererReading(text) { readings.append(rendered) }
                if markdown, let stripped = MarkdownReadings.withoutLinkDefinitions(text) { readings.append(stripped) }
                for reading in readings {
                    for finding in browserFindings(reading) { add(finding) }
                }
            }
        }
        return findings
    }

    /// Spreadsheet formula injection: a cell (split at one delimiter per pass: `,`, `;`, tab, a `sep=` line's; a quoted
    /// cell read to its closing quote, `""` as a quote; outside CSV both ending at its line and across lines; a quote
    /// after blanks read both as opening and as text) that starts with `=`, `+`, `-` or `@` after blanks and an optional quote, judged by the rules
    /// Office parts are judged by (``OOXMLParts/formulaProblem(_:strict:functions:fetchers:harmlessOnly:)``): DDE, WEBSERVICE, IMAGE, RTD,
    /// CALL, HYPERLINK to anything but http(s) or mail, external workbook references. CSV files often come in as
    /// `.txt`, so plain text is read the same way, except that a cell starting with `+`, `-` or `@` (a bullet, a
    /// mention) is judged for function calls only when one starts it (`-IMAGE(…)`, not "- call(x) now retries"),
    /// except fetching ones, judged anywhere (`- 1+WEBSERVICE(…)`); for DDE only in its `service|'topic'` and
    /// `service|topic!` forms; for external references only with a cell reference after the `!`. At most 4 findings; linear.
    static func formulaFindings(_ text: [UInt8], csv: Bool) -> [String] {
        // Readers disagree on a quote after blanks (` "a,=cmd|…,"`): Excel and RFC 4180 read it as text and split at
        // the commas inside, others open a quoted cell. Cells are read both ways.
        // Excel's `sep=X` first line makes X the delimiter (`sep=|`, then `a|=HYPERLINK(…)`).
        // Excel and LibreOffice take a UTF-8 byte-order mark as the encoding and drop it: the first cell starts after
        // it (after every one: a cell is never judged from inside a mark).
        var body = 0
        while body + 2 < text.count, text[body] == 0xEF, text[body + 1] == 0xBB, text[body + 2] == 0xBF { body += 3 }
        var separator: UInt8?
        var first = 0
        if text.count > body + 3, text[body..<body + 4].map({ $0 | 0x20 }) == Array("sep=".utf8) {
            first = body + 4
        }
        if first > 0, first < text.count, text[first] != 0x0A, text[first] != 0x0D { separator = text[first] }
        // The quote readings differ only where a blank stands before a quote. Excel splits at exactly one delimiter
        // (`,`, `;` in some locales, tab in a TSV, the `sep=` one), and a `;` inside a cell of a comma file is text:
        // each delimiter that occurs has a pass of its own (one pass when none does). One walk finds both.
        let present = (
            comma: next(UInt8(ascii: ","), in: text, from: 0) < text.count, semicolon: next(UInt8(ascii: ";"), in: text, from: 0) < text.count,
            tab: next(0x09, in: text, from: 0) < text.count
        )
        var blankBeforeQuote = false
        let quote0 = next(UInt8(ascii: "\""), in: text, from: 0)
        var quote = quote0
        while quote < text.count, !blankBeforeQuote {
            blankBeforeQuote = quote > 0 && text[quote - 1] == 0x20
            quote = next(UInt8(ascii: "\""), in: text, from: quote + 1)
        }
        var delimiters: [UInt8] = []
        if present.comma { delimiters.append(UInt8(ascii: ",")) }
        if present.semicolon { delimiters.append(UInt8(ascii: ";")) }
        if present.tab { delimiters.append(0x09) }
        if let separator, !delimiters.contains(separator) { delimiters.append(separator) }
        if delimiters.isEmpty { delimiters = [UInt8(ascii: ",")] }
        var findings: [String] = []
        func add(_ pass: [String]) {
            for finding in pass where findings.count < 4 && !findings.contains(finding) { findings.append(finding) }
        }
        for delimiter in delimiters {
            for quoteAfterBlanks in blankBeforeQuote ? [true, false] : [true] {
                // A CSV quoted cell runs across lines (RFC 4180, Excel). Text that is CSV under another name is read
                // both ways, spanning only when some quote reached a line's end (otherwise the readings agree).
                // LibreOffice ends a quoted cell that no quote closes at its line (and then reads the line again as
                // plain cells): CSV is read the other way too wherever a quote reached a line's end.
                let first = formulaFindings(text, from: body, csv: csv, quoteAfterBlanks: quoteAfterBlanks, delimiter: delimiter, spanLines: csv)
                add(first.findings)
                if first.quoteReachedLineEnd {
                    add(
                        formulaFindings(text, from: body, csv: csv, quoteAfterBlanks: quoteAfterBlanks, delimiter: delimiter, spanLines: !csv)
                            .findings
                    )
                }
            }
            // Quotes as plain text: how LibreOffice reads a line whose quoted cell never closes on it, re-split at every
            // delimiter. Only needed where some quote opens a cell.
            if quote0 < text.count {
                add(
                    formulaFindings(text, from: body, csv: csv, quoteAfterBlanks: false, delimiter: delimiter, spanLines: false, quotes: false)
                        .findings
                )
            }
        }
        return findings
    }

    /// - Parameter body: Where the first cell starts (after byte-order marks).
    /// - Parameter quoteAfterBlanks: A quote after blanks at the start of a cell opens a quoted cell (otherwise only
    ///   one that starts the cell does, and a later one is text).
    /// - Parameter delimiter: The one byte cells are split at.
    /// - Parameter spanLines: A quoted cell runs to its closing quote across lines (otherwise it ends with its line).
    /// - Parameter quotes: A quote may open a quoted cell (otherwise every quote is text).
    /// - Returns: The findings, and whether a quoted cell reached a line's end unclosed.
    private static func formulaFindings(
        _ text: [UInt8],
        from body: Int,
        csv: Bool,
        quoteAfterBlanks: Bool,
        delimiter: UInt8,
        spanLines: Bool,
        quotes: Bool = true
    ) -> (findings: [String], quoteReachedLineEnd: Bool) {
        var findings: [String] = []
        var quoteReachedLineEnd = false
        let count = text.count
        func isDelimiter(_ byte: UInt8) -> Bool { byte == delimiter }
        var index = body
        while index < count, findings.count < 4 {
            // One cell from `index`.
            var start = index
            while start < count, text[start] == 0x20 { start += 1 }
            var quoted = false
            if quotes, start < count, text[start] == UInt8(ascii: "\""), quoteAfterBlanks || start == index {
                quoted = true
                start += 1
                while start < count, text[start] == 0x20 { start += 1 }
            }
            var end = start
            var next = start
            if quoted {
                while end < count, spanLines || (text[end] != 0x0A && text[end] != 0x0D) {
                    if text[end] == 0x0A || text[end] == 0x0D { quoteReachedLineEnd = true }
                    if text[end] == UInt8(ascii: "\"") {
                        if end + 1 < count, text[end + 1] == UInt8(ascii: "\"") {
                            end += 2
                            continue
                        }
                        break
                    }
                    end += 1
                }
                if end < count, text[end] == 0x0A || text[end] == 0x0D { quoteReachedLineEnd = true }
                next = end
                // A row ends at a line feed or a carriage return (classic Mac rows; `\r\n` is an empty cell more).
                while next < count, !isDelimiter(text[next]), text[next] != 0x0A, text[next] != 0x0D { next += 1 }
            } else {
                while end < count, !isDelimiter(text[end]), text[end] != 0x0A, text[end] != 0x0D { end += 1 }
                next = end
            }
            // Only a quote, `|`, `]` or `(` can make a formula active (``OOXMLParts/formulaProblem(_:strict:functions:fetchers:harmlessOnly:)``).
            if start < end, "=+-@".utf8.contains(text[start]), csv || !isDoubleEquals(text, start, end),
                text[start..<end].contains(where: {
                    $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "(")
                })
            {
                var cell = String(decoding: text[start..<end], as: UTF8.self)
                if quoted { cell = cell.replacing("\"\"", with: "\"") }
                let body = cell.unicodeScalars.dropFirst()
                let callFirst: Bool = {
                    guard let first = body.first, first.properties.isAlphabetic || first == "_" else { return false }
                    let name = body.prefix { $0.properties.isAlphabetic || $0 == "_" || $0 == "." || ($0 >= "0" && $0 <= "9") }
                    return body.dropFirst(name.count).first == "("
                }()
                let strict = csv || text[start] == UInt8(ascii: "=")
                // A fetching call anywhere counts (`- 1+WEBSERVICE(…)`), other functions only when one starts the cell.
                // A formula may call only harmless functions: other languages' names for the dangerous ones are on no
                // list. In CSV every call of an `=` cell (a blank between names is Excel's intersection), else calls
                // right after an operator (prose: "e.g., => e.g. (name)" holds none).
                let harmless: OOXMLParts.HarmlessCalls =
                    csv
                    ? (text[start] == UInt8(ascii: "=") ? .everyCall : .callsAfterOperators)
                    : text[start] == UInt8(ascii: "=") ? .callsAfterOperators : .notRequired
                if let problem = OOXMLParts.formulaProblem(
                    cell,
                    strict: strict,
                    functions: strict || callFirst,
                    fetchers: true,
                    harmlessOnly: harmless
                ) {
                    let finding = "a spreadsheet cell holding \(problem)"
                    if !findings.contains(finding) { findings.append(finding) }
                }
            }
            index = next + 1
        }
        return (findings, quoteReachedLineEnd)
    }

    /// The `#` of an SSI directive: the first byte after blanks (any amount, line breaks too) from `start`.
    private static func ssiHash(_ text: [UInt8], after start: Int) -> Int? {
        var cursor = start
        while cursor < text.count, MarkupActiveContent.isSpace(text[cursor]) { cursor += 1 }
        return cursor < text.count && text[cursor] == UInt8(ascii: "#") ? cursor : nil
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

    /// - Parameter metadata: The text is an image's metadata, where XML and XMP processing instructions (`<?xml`,
    ///   `<?xpacket`, `<?adobe-xap-filters`) are not PHP.
    static func serverSideFindings(_ text: [UInt8], metadata: Bool = false) -> [String] {
        var findings: [String] = []
        let count = text.count
        // The last `%>`: an ASP/JSP opener counts only with a closer after it (looked for at the first `<%`).
        var lastCloserFound: Int?
        var lastCloser: Int {
            if let lastCloserFound { return lastCloserFound }
            var scan = count - 2
            while scan >= 0, !(text[scan] == UInt8(ascii: "%") && text[scan + 1] == UInt8(ascii: ">")) { scan -= 1 }
            lastCloserFound = scan
            return scan
        }
        var index = 0
        while index + 1 < count {
            guard text[index] == UInt8(ascii: "<") else {
                index = next(UInt8(ascii: "<"), in: text, from: index + 1)
                continue
            }
            let next = text[index + 1]
            if next == UInt8(ascii: "?") {
                if starts(text, "<?php", at: index) {
                    findings.append("a PHP open tag")
                } else if index + 2 < count, text[index + 2] == UInt8(ascii: "=") {
                    findings.append("a PHP short echo tag")
                } else if index + 2 < count, !isXMLDeclaration(text, at: index), !isJavaWildcard(text, at: index),
                    !metadata || !(starts(text, "<?xpacket", at: index) || starts(text, "<?adobe-xap-filters", at: index))
                {
                    // short_open_tag is On by default, and the lexer needs no blank after `<?`.
                    findings.append("a PHP short open tag")
                }
            } else if next == UInt8(ascii: "%"), index + 2 < count, index + 1 < lastCloser {
                // Any opener with a closer after it, whatever follows `<%`: ERB runs `<%1;system('id')%>` and
                // `<%`id`%>` (a Ruby command string), EJS `<%1;require(…)%>` and `<%`${…}`%>` (a template literal).
                // Prose such as `growth <%5` has no `%>` after it.
                switch text[index + 2] {
                case UInt8(ascii: "@"): findings.append("an ASP/JSP directive (<%@)")
                case UInt8(ascii: "="): findings.append("an ASP/JSP expression (<%=)")
                default: findings.append("an ASP/JSP code block (<%)")
                }
            } else if next == UInt8(ascii: "!"), starts(text, "<!--", at: index), let hash = ssiHash(text, after: index + 4) {
                // Blanks may stand before `#` (IIS: `<!-- #include file=…-->`) and before the directive name (nginx
                // skips them).
                var nameStart = hash + 1
                while nameStart < count, MarkupActiveContent.isSpace(text[nameStart]) { nameStart += 1 }
                var cursor = nameStart
                while cursor < count, cursor - nameStart < 20, isLetter(text[cursor]) { cursor += 1 }
                let directive = String(decoding: text[nameStart..<cursor], as: UTF8.self).lowercased()
                if ssiDirectives.contains(directive) { findings.append("a server-side include directive (#\(directive))") }
            } else if starts(text, "<jsp:", at: index) {
                findings.append("a JSP action (<jsp:)")
            } else if starts(text, "<esi:", at: index) || starts(text, "<!--esi", at: index) {
                // Edge Side Includes: a CDN or cache (Varnish, Akamai, Fastly) that processes ESI in what it serves
                // fetches and includes other URLs, server-side (`<esi:include src=…>`, `<!--esi …-->`).
                findings.append("an Edge Side Include (<esi:)")
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
        return findings
    }

    // MARK: Browser markup

    /// The text as Markdown renderers that rewrite it before reading its HTML see it, or nil when it reads alike
    /// (attack round 12): kramdown splits attributes and attribute lists at Ruby's white space, which adds vertical
    /// tab and form feed to HTML's (`<details open=x<VT>ontoggle=…>` is written back with `ontoggle` its own
    /// attribute); Python-Markdown turns an escaped `\>` into a placeholder before it matches raw HTML, so a tag goes on
    /// past it (`<details x=\> ontoggle=…>`). Here both are spaces, and `\>` is `\6`; a lone CR is a line feed, as
    /// every renderer reads it.
    static func rendererReading(_ text: [UInt8]) -> [UInt8]? {
        var reading = text
        var changed = false
        for index in reading.indices {
            switch reading[index] {
            case 0x0B, 0x0C:
                reading[index] = 0x20
                changed = true
            case UInt8(ascii: ">") where index > 0 && text[index - 1] == UInt8(ascii: "\\"):
                reading[index] = UInt8(ascii: "6")
                changed = true
            case 0x0D where index + 1 == text.count || text[index + 1] != 0x0A:
                // Every renderer reads a lone CR as a line end; Airlock's line readers split at LF (attack round 13).
                reading[index] = 0x0A
                changed = true
            default:
                break
            }
        }
        return changed ? reading : nil
    }

    /// Bytes of tags read over again (tags that start inside another tag) before the text is refused as unreadable:
    /// keeps the walk linear however many tags start inside quoted attribute values.
    static func tagBudget(_ count: Int) -> Int { 2 * count + (1 << 20) }

    static func browserFindings(_ text: [UInt8]) -> [String] {
        var findings: [String] = []
        let count = text.count
        var index = 0
        // Tags are read wherever one starts, also inside another tag's attribute value (`<a title="<img onerror=…>">`,
        // a Markdown code span holding a quote): the walk goes on at the next byte, not past the tag's end. A tag
        // that starts inside another is read only when a `>` follows it (without one it never closes), and at most
        // 64 KiB past that `>`; the bytes such tags take are bounded by ``tagBudget(_:)``, and text that spends it is
        // refused rather than half read.
        var budget = tagBudget(count)
        var outerEnd = 0  // the end of the furthest tag read so far
        var nextClose = 0  // the first `>` at or after `index`
        var styleClose = -1  // the first `</style` after the last <style> judged (or the end)
        var styleJudged = 0
        while index + 1 < count, findings.count < 16 {
            guard text[index] == UInt8(ascii: "<") else {
                index = next(UInt8(ascii: "<"), in: text, from: index + 1)
                continue
            }
            guard MarkupActiveContent.isNameStart(text[index + 1]) else {
                index += 1
                continue
            }
            let tag: MarkupActiveContent.StartTag
            if index >= outerEnd {
                tag = MarkupActiveContent.readStartTag(text, from: index)
            } else {
                if nextClose < index { nextClose = index }
                while nextClose < count, text[nextClose] != UInt8(ascii: ">") { nextClose += 1 }
                guard nextClose < count else { break }
                let limit = min(count, nextClose + (64 << 10))
                tag = MarkupActiveContent.readStartTag(text, from: index, limit: limit)
                budget -= tag.end - index
                if budget < 0 {
                    findings.append("text with too many tags inside other tags to be read")
                    break
                }
            }
            outerEnd = max(outerEnd, tag.end)
            let element = MarkupActiveContent.localName(tag.name)
            if let across = linkAcrossAttributes(text, from: index, to: tag.end) {
                // A link or image whose `[` and `](` stand in different attribute values is rewritten all the same
                // (attack round 13).
                findings.append("Markdown \(across) inside <\(element)> (renderers insert a tag there)")
            }
            for attribute in tag.attributes {
                let attributeName = MarkupActiveContent.localName(attribute.name)
                if attributeName == "srcdoc" {
                    findings.append("a srcdoc document on <\(element)>")
                    continue
                }
                guard attribute.hasValue else { continue }
                if let syntax = markdownInsertion(attribute.value) {
                    // Python-Markdown and Markdown.pl rewrite link syntax inside raw tags too: the `<a href="…">`
                    // they insert ends the value at its quote, and the link's destination becomes attributes
                    // (attack round 12).
                    let location = "the \(attribute.name.lowercased()) attribute of <\(element)>"
                    findings.append("Markdown \(syntax) inside \(location) (renderers insert a tag there)")
                }
                if attributeName.hasPrefix("on"), attributeName.count > 2, attributeName.allSatisfy(\.isLetter) {
                    findings.append("an \(attributeName) event handler on <\(element)>")
                } else if MarkupActiveContent.urlAttributes.contains(attributeName) || attributeName == "data" || attributeName == "formaction",
                    let scheme = scriptScheme(attribute.value)
                {
                    findings.append("a \(scheme) URL in \(attribute.name.lowercased()) on <\(element)>")
                } else if ["values", "to", "from", "by"].contains(attributeName),
                    let scheme = attribute.value.split(separator: ";").lazy.compactMap({ scriptScheme(String($0)) }).first
                {
                    // SMIL animation that sets a link's href (`<set attributeName=href to="java&#9;script:…">`).
                    findings.append("a \(scheme) URL in \(attribute.name.lowercased()) on <\(element)>")
                } else if attributeName == "style" {
                    let css = MarkupActiveContent.decodeCSS(attribute.value).lowercased().filter { !$0.isWhitespace }
                    if css.contains("expression(") || css.contains("javascript:") || css.contains("-moz-binding") || css.contains("behavior:") {
                        findings.append("script in a style attribute on <\(element)>")
                    }
                }
            }
            if element == "link", let rel = MarkupActiveContent.linkRelation(tag, in: MarkupActiveContent.fetchingRelations) {
                // A stylesheet is fetched and applied like `<style>@import`: remote CSS (and CSS that reads attribute
                // values out); preloads and prefetches fetch on render.
                findings.append("a <link rel=\"\(rel)\"> element (fetched when the text is rendered)")
            }
            if element == "style", tag.end > styleJudged {
                // The CSS of a <style> element, judged as in HTML (`@import` fetches remote CSS like a stylesheet
                // link). Unclosed or nested elements share the next `</style`, judged once.
                if styleClose < tag.end { styleClose = closingStyle(text, from: tag.end) }
                styleJudged = styleClose
                let css = String(decoding: text[min(tag.end, styleClose)..<styleClose], as: UTF8.self)
                for problem in MarkupActiveContent.cssProblems(css, context: .navigation) { findings.append("\(problem) in a <style> element") }
            }
            if let embedding = embeddingFinding(tag, element: element) { findings.append(embedding) }
            if element == "base", tag.attributes.contains(where: { MarkupActiveContent.localName($0.name) == "href" && $0.hasValue }) {
                // Every relative link, image and script of the rendered page then leads to the named site.
                findings.append("a <base href> element (relative links lead elsewhere)")
            }
            index += 1
        }
        for finding in schemeFindings(text) + attributeListFindings(text) where findings.count < 16 && !findings.contains(finding) {
            findings.append(finding)
        }
        // Script elements are looked for everywhere, even where the walk above read them as part of another tag: a
        // Markdown renderer and an HTML parser do not always agree where a tag ends.
        index = next(UInt8(ascii: "<"), in: text, from: 0)
        while index < count, findings.count < 16 {
            if text[index] == UInt8(ascii: "<") {
                if starts(text, "<script", at: index), index + 7 >= count || !MarkupActiveContent.isNameByte(text[index + 7]) {
                    findings.insert("a <script> element", at: 0)
                } else if starts(text, "<hta:application", at: index) {
                    findings.insert("an HTA application tag (<hta:application>)", at: 0)
                }
            }
            index = next(UInt8(ascii: "<"), in: text, from: index + 1)
        }
        return findings
    }

    /// The Markdown construct in an attribute value that a renderer turns into a tag, or nil: an inline or reference
    /// link or image, or a reference (`](`, `][`, a shortcut `[id]`: any `[` with a `]` after it), and an autolink or
    /// tag (`<` and a letter).
    static func markdownInsertion(_ value: String) -> String? {
        let scalars = Array(value.unicodeScalars)
        var sawOpen = false
        for (index, c) in scalars.enumerated() {
            if c == "[" { sawOpen = true }
            if c == "]", sawOpen { return "link syntax" }
            if c == "<", index + 1 < scalars.count, scalars[index + 1].properties.isAlphabetic { return "autolink or tag syntax" }
        }
        return nil
    }

    /// A `[` and a later `]` anywhere in a tag's bytes (`text[start..<end]`) that also hold a quote, however the quotes fall: a
    /// link's or image's brackets may stand in two attribute values, and the inserted `href="…"` pairs with a quote of
    /// the source to free what follows. Without a quote the inserted value stays whole (`<LICENSE-MIT or [x](y)>`).
    static func linkAcrossAttributes(_ text: [UInt8], from start: Int, to end: Int) -> String? {
        let end = min(end, text.count)
        guard start < end, text[start..<end].contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) else { return nil }
        // Any `[` with a `]` after it: shortcut references (`[x" y="]`) and `[a] [b]` are links too (attack round 14).
        guard let open = text[start..<end].firstIndex(of: UInt8(ascii: "[")), text[(open + 1)..<end].contains(UInt8(ascii: "]")) else {
            return nil
        }
        return "link syntax"
    }

    /// The first `</style` (any case) at or after `start`, or the end of the text.
    static func closingStyle(_ text: [UInt8], from start: Int) -> Int {
        var index = start
        while index + 7 <= text.count {
            if text[index] == UInt8(ascii: "<"), text[index + 1] == UInt8(ascii: "/"),
                text[(index + 2)..<(index + 7)].map({ $0 | 0x20 }).elementsEqual("style".utf8)
            {
                return index
            }
            index += 1
        }
        return text.count
    }

    /// Markdown attribute lists that put an event handler on the element they follow: Python-Markdown's attr_list and
    /// kramdown (`{: onclick="…"}`, `{:onclick=…}`), Pandoc's link and header attributes (`{onclick=…}`), goldmark
    /// heading attributes (`{onclick = …}`). An `on<letters>=` attribute that starts the list or follows a blank,
    /// a line break or `:`, before a `}` that can close the list. Read as each engine reads it, and found when any
    /// of them would see it (``attributeListHandler(_:quotesProtect:)``): a list may span lines (kramdown, Pandoc;
    /// a blank line ends one that does not start `{:`), `\}` does not close it (kramdown), a `}` in a quoted value
    /// does not (Pandoc, markdown-it-attrs) but does for Python-Markdown and kramdown. Linear.
    static func attributeListFindings(_ text: [UInt8]) -> [String] {
        // The quote-aware reading differs only where a list holds a quoted value.
        let (handler, quotedValues) = attributeListHandler(text, quotesProtect: false)
        if let handler { return ["an \(handler) event handler in a Markdown attribute list"] }
        if quotedValues, let handler = attributeListHandler(text, quotesProtect: true).handler {
            return ["an \(handler) event handler in a Markdown attribute list"]
        }
        if let handler = referenceAttributeHandler(text) { return ["an \(handler) event handler in a Markdown link definition"] }
        if let handler = destinationHandler(text) { return ["an \(handler) event handler in a Markdown link destination"] }
        if let handler = kramdownOptionsHandler(text) { return ["an \(handler) event handler in a kramdown options extension"] }
        if let problem = attributeListKeyProblem(text) { return [problem] }
        if let handler = quotedHandler(text) ?? armedHandler(text) {
            return ["an \(handler) event handler after a quote (a renderer's attribute ends there)"]
        }
        return []
    }

    /// An `on…=` handler after a quote, anywhere (blanks and `/` may stand between): wherever Markdown.pl writes text
    /// into an attribute unescaped (a link's or image's destination, however its definition is written: on the
    /// next line, after `\)`, under a label holding `]`, with CR line ends, attack round 13), the quote ends the value
    /// and the handler is an attribute of the tag. Linear.
    /// An `on…=` handler that starts an attribute name (after white space, `/` or a quote) anywhere after a `"` that
    /// follows a `]` in the same paragraph (where a Markdown.pl destination can stand): after a quoted value HTML reads any run of names and values as attributes, so Markdown.pl's
    /// unescaped `"` in a destination frees `x"a/onerror=…` as well as `x"onerror=…` (attack round 14), and a `>` inside
    /// a quoted value (`a='>'`) ends nothing (round 15). Linear.
    private static func armedHandler(_ text: [UInt8]) -> String? {
        var index = next(UInt8(ascii: "]"), in: text, from: 0)
        var armed = false
        var bracket = false  // a `]` earlier in the paragraph: Markdown.pl's destinations all follow one
        var lineBlank = false
        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "]"):
                bracket = true
            case UInt8(ascii: "\""):
                if bracket { armed = true }
            case 0x0A:
                if lineBlank {
                    armed = false
                    bracket = false
                }
                lineBlank = true
                index += 1
                continue
            case 0x20, 0x09, 0x0D:
                // Blank to every renderer; a line holding a vertical tab or form feed is not blank to Markdown.pl or
                // Python-Markdown and ends no paragraph (attack round 16).
                index += 1
                continue
            case UInt8(ascii: "o"), UInt8(ascii: "O"):
                let before = index > 0 ? text[index - 1] : 0x20
                if armed, [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "'")].contains(before) {
                    let (name, after) = handler(in: text, at: index, end: text.count)
                    if let name { return name }
                    lineBlank = false
                    index = after
                    continue
                }
            default:
                break
            }
            lineBlank = false
            index += 1
        }
        return nil
    }

    private static func quotedHandler(_ text: [UInt8]) -> String? {
        var index = min(next(UInt8(ascii: "\""), in: text, from: 0), next(UInt8(ascii: "'"), in: text, from: 0))
        while index + 1 < text.count {
            guard text[index] | 0x20 == UInt8(ascii: "o"), text[index + 1] | 0x20 == UInt8(ascii: "n") else {
                index += 1
                continue
            }
            var before = index - 1
            while before >= 0, [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, UInt8(ascii: "/")].contains(text[before]) { before -= 1 }
            guard before >= 0, text[before] == UInt8(ascii: "\"") || text[before] == UInt8(ascii: "'") else {
                index += 2
                continue
            }
            let (name, after) = handler(in: text, at: index, end: text.count)
            if let name { return name }
            index = after
        }
        return nil
    }

    /// Whether `byte` may continue an HTML attribute name before `on` (`data-onload` is no handler).
    private static func continuesName(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    /// The handler name (`onerror`) of an `on<letters>` at `index` that follows something other than a name character and
    /// is followed by blanks and `=`, or nil.
    private static func handler(in text: [UInt8], at index: Int, end: Int) -> (name: String?, next: Int) {
        guard index + 1 < end, text[index] | 0x20 == UInt8(ascii: "o"), text[index + 1] | 0x20 == UInt8(ascii: "n"),
            index == 0 || !continuesName(text[index - 1])
        else { return (nil, index + 1) }
        var cursor = index + 2
        while cursor < end, cursor - index < 40, isLetter(text[cursor]) { cursor += 1 }
        let name = String(decoding: text[index..<cursor], as: UTF8.self).lowercased()
        var equals = cursor
        while equals < end, [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(text[equals]) { equals += 1 }
        return (equals < end && text[equals] == UInt8(ascii: "=") && isHandlerName(name) ? name : nil, cursor)
    }

    /// An event handler inside an inline link or image destination, from `](` to the next `)` (across lines, as
    /// Markdown.pl reads it): Markdown.pl writes the destination into `href="…"` or `src="…"` unescaped, so a `"` in it
    /// ends the value and what follows is attributes (`![x](x"onerror="…")`, attack round 12). Linear.
    private static func destinationHandler(_ text: [UInt8]) -> String? {
        let count = text.count
        var index = next(UInt8(ascii: "]"), in: text, from: 0)
        var inDestination = false
        while index < count {
            let byte = text[index]
            if !inDestination {
                if byte == UInt8(ascii: "]"), index + 1 < count, text[index + 1] == UInt8(ascii: "(") {
                    inDestination = true
                    index += 2
                } else {
                    index = next(UInt8(ascii: "]"), in: text, from: index + 1)
                }
                continue
            }
            // An escaped `\)` ends no destination: every renderer reads it as a `)` in the URL (Markdown.pl hashes it
            // before it reads links, attack round 16).
            if byte == UInt8(ascii: ")"), !isEscaped(text, index) {
                inDestination = false
                index += 1
                continue
            }
            let (name, after) = handler(in: text, at: index, end: count)
            if let name { return name }
            index = after
        }
        return nil
    }

    /// Attributes kramdown's attribute lists may add to an element: ones that load, run or navigate nothing.
    static let inertListAttributes: Set<String> = [
        "id", "class", "title", "lang", "dir", "style", "target", "rel", "width", "height", "align", "valign", "alt", "name",
        "role", "tabindex", "colspan", "rowspan", "scope", "start", "reversed", "hidden", "translate", "spellcheck", "summary",
        "border", "cellpadding", "cellspacing", "bgcolor", "color", "nowrap", "headers", "abbr", "type", "markdown", "loading",
    ]

    /// Link relations an attribute list may set: ones that fetch and apply nothing.
    static let inertRelations: Set<String> = [
        "noopener", "noreferrer", "nofollow", "external", "license", "author", "help", "tag", "bookmark", "next", "prev", "me",
        "ugc", "sponsored",
    ]

    /// What a Markdown attribute list (kramdown's `{: key="value" .class #id}`, inline or on the line before or after a
    /// block, raw HTML elements included; Python-Markdown's `{ key="value" }` with or without the `:`) or kramdown's
    /// `{::options …}` sets that is not known to be inert (attack round 20: lists added `rel="stylesheet"`,
    /// `http-equiv`, `srcdoc`, `src` and `href` to raw tags; an option's escaped quotes broke out of the attribute
    /// kramdown writes it into).
    ///
    /// Not read as any one engine tokenises a list (attack round 21: a `\}` kramdown reads past, a name kramdown
    /// skips before a quoted value holding the real pair, a definition's name glued to its first pair): kramdown scans
    /// the list for `name="value"` anywhere, so every `=` in it counts, inside quoted values too, and the name before it
    /// (the bytes up to a blank, brace or quote, and the word characters kramdown takes) must be in
    /// ``inertListAttributes`` (or `data-`/`aria-` and word characters). A list runs to its first `}` no backslash
    /// stands before, across lines after `{:` (kramdown), to the line's end without it (Python-Markdown). Relations
    /// outside ``inertRelations`` and style with CSS that fetches are refused; an options extension must be plain
    /// `name="value"` pairs whose values hold no quote, angle bracket, backslash or `&`. Linear.
    static func attributeListKeyProblem(_ text: [UInt8]) -> String? {
        let count = text.count
        var lines = LineTable(text)
        // Every list is judged from its start to its end (below); the stretch judged so far is not judged again, so
        // that many lists on one long line cost one pass. A `}` kramdown closes at, kept for the `{:` after.
        var judgedUpTo = 0
        var close: (from: Int, at: Int) = (-1, -1)
        func kramdownClose(from start: Int) -> Int {
            if close.from <= start, start <= close.at { return close.at }
            var end = start
            while end < count, !(text[end] == UInt8(ascii: "}") && text[end - 1] != UInt8(ascii: "\\")) { end += 1 }
            close = (start, end)
            return end
        }
        var index = next(UInt8(ascii: "{"), in: text, from: 0)
        while index < count {
            let colon = index + 1 < count && text[index + 1] == UInt8(ascii: ":")
            let line = lines.line(containing: index)
            if text[index...].starts(with: Array("{::options".utf8)) {
                // kramdown's extension, to its first `}` no backslash stands before.
                let end = kramdownClose(from: index + 10)
                if let problem = optionsProblem(Array(text[(index + 10)..<end])) { return problem }
                index = next(UInt8(ascii: "{"), in: text, from: end)
                continue
            }
            // Engines end a list in different places (kramdown past `\}` and across lines; Python-Markdown at the first
            // `}` or, since 3.6, the last on the line, after it set raw HTML, comments and escapes aside; `\\}`
            // closes one and not the other): a list is judged to the end of its line, and a `{:` one (`{::` too, which
            // both read as a list when no extension follows) on to kramdown's end when that is later. A list without
            // `:` counts only where Python-Markdown reads one.
            if colon || pythonMarkdownApplies(text, open: index, line: line, lines: &lines) {
                let start = index + (colon ? 2 : 1)
                let end = colon ? max(line.end, kramdownClose(from: start)) : line.end
                if let problem = listProblem(text, body: start, judged: max(start, judgedUpTo)..<end) { return problem }
                judgedUpTo = max(judgedUpTo, end)
            }
            index = next(UInt8(ascii: "{"), in: text, from: index + 1)
        }
        return nil
    }

    /// Where the lines of a text start and end, and what their first byte that is no blank is, found in one pass and
    /// asked in increasing order.
    struct LineTable {
        struct Line {
            var start: Int
            /// The line feed that ends it, or the text's end.
            var end: Int
            /// The first byte that is no blank, or `end`.
            var firstNonBlank: Int
            /// The last byte that is no blank, or nil.
            var lastNonBlank: UInt8?
            /// The first and the last `<` on it (a tag, a comment, an end tag), or nil.
            var firstTag: Int?
            var lastTag: Int?
        }

        let text: [UInt8]
        var current = Line(start: 0, end: -1, firstNonBlank: 0, lastNonBlank: nil, firstTag: nil, lastTag: nil)

        init(_ text: [UInt8]) { self.text = text }

        static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

        /// The line holding `index`, at or after the last one asked for.
        mutating func line(containing index: Int) -> Line {
            while current.end < index {
                let start = current.end + 1
                var end = start
                while end < text.count, text[end] != 0x0A { end += 1 }
                var first = start
                while first < end, Self.isBlank(text[first]) { first += 1 }
                var last = end
                while last > first, Self.isBlank(text[last - 1]) { last -= 1 }
                let line = text[start..<end]
                current = Line(
                    start: start,
                    end: end,
                    firstNonBlank: first,
                    lastNonBlank: last > first ? text[last - 1] : nil,
                    firstTag: line.firstIndex(of: UInt8(ascii: "<")),
                    lastTag: line.lastIndex(of: UInt8(ascii: "<"))
                )
            }
            return current
        }

        /// The line after `line`, read without moving on (a setext underline or a definition is looked for there).
        func line(after line: Line) -> ArraySlice<UInt8> {
            guard line.end < text.count else { return [] }
            var end = line.end + 1
            while end < text.count, text[end] != 0x0A { end += 1 }
            return text[(line.end + 1)..<end]
        }
    }

    /// Whether Python-Markdown's attr_list may read a list opened by the `{` at `open` and put it on a raw element or a
    /// heading. md_in_html rewrites lines before attr_list reads them (an end tag ends an element's text, whatever
    /// follows it on the line; a comment, declaration or `<hr>` becomes line breaks around a placeholder; attack round
    /// 23), so this fails closed: the line must end with `}` or `>` or hold a `<` after the `{`, and the `{` must be
    /// first on its line or after a `>`, or after a blank on a heading, a definition term or a line holding a raw
    /// element before it (`<td markdown="span">x {…}`). Elsewhere (`{ x += 1 }` in code, `{ a: 'v=1' },` in JSON,
    /// `x_{i=1}` in math, `start={0}` in JSX) it is text. A list right after an inline element Markdown writes
    /// reaches only that element (emphasis, a link, an image), where handlers and style are judged by the other rules.
    /// Which `}` ends a list is not asked: raw HTML, comments and escapes that Python-Markdown sets aside first can hide
    /// any `}`.
    private static func pythonMarkdownApplies(_ text: [UInt8], open: Int, line: LineTable.Line, lines: inout LineTable) -> Bool {
        let endsLine = line.lastNonBlank == UInt8(ascii: "}") || line.lastNonBlank == UInt8(ascii: ">") || (line.lastTag ?? -1) > open
        guard endsLine else { return false }
        if open <= line.firstNonBlank { return true }
        var before = open - 1
        while before > line.start, LineTable.isBlank(text[before]) { before -= 1 }
        if text[before] == UInt8(ascii: ">") { return true }
        guard LineTable.isBlank(text[open - 1]) else { return false }
        if (line.firstTag ?? open) < open { return true }
        // A heading: `#` first on its line, or a setext underline or a definition (`: `) on the next line.
        if text[line.firstNonBlank] == UInt8(ascii: "#") { return true }
        let nextLine = lines.line(after: line).drop(while: LineTable.isBlank)
        guard let first = nextLine.first else { return false }
        if first == UInt8(ascii: ":") { return true }
        return (first == UInt8(ascii: "=") || first == UInt8(ascii: "-")) && nextLine.allSatisfy { $0 == first || LineTable.isBlank($0) }
    }

    /// Bytes that end the name before an `=` in an attribute list.
    private static let nameStops: Set<UInt8> = [
        0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, UInt8(ascii: "="), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\""),
        UInt8(ascii: "'"), UInt8(ascii: "\\"),
    ]

    /// An ASCII letter, digit or `_` (a word character to kramdown's Ruby regular expressions).
    private static func isWordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_")
    }

    /// Whether an attribute list may set `name` (lowercased).
    static func isInertListAttribute(_ name: String) -> Bool {
        if inertListAttributes.contains(name) { return true }
        guard name.hasPrefix("data-") || name.hasPrefix("aria-"), name.count > 5 else { return false }
        return name.utf8.allSatisfy { isWordByte($0) || $0 == UInt8(ascii: "-") }
    }

    /// The first thing an attribute list's `body` (between `{:` or `{` and its `}`) sets that is not known to be inert.
    private static func listProblem(_ text: [UInt8], body start: Int, judged range: Range<Int>) -> String? {
        var index = range.lowerBound
        while index < range.upperBound {
            guard text[index] == UInt8(ascii: "=") else {
                index += 1
                continue
            }
            var nameStart = index
            while nameStart > start, !nameStops.contains(text[nameStart - 1]) { nameStart -= 1 }
            index += 1
            guard nameStart < index - 1 else { continue }  // no name (`{:=^30}` is a Python format spec)
            let name = String(decoding: text[nameStart..<(index - 1)], as: UTF8.self).lowercased()
            // The name, and the word characters before the `=` kramdown's scan takes as one (`data-x.y=` is `y=`). A
            // name that does not start with a letter is none a browser acts on (`{1=>1}`, `{ x += 1 }`).
            let word = String(name.reversed().prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }.reversed())
            for candidate in [name, word] {
                guard let initial = candidate.first, initial.isASCII, initial.isLetter else { continue }
                guard isInertListAttribute(candidate) else {
                    return "a \(candidate.prefix(40)) attribute a Markdown attribute list adds (not known to be inert)"
                }
            }
            guard name == "rel" || name == "style" else { continue }
            for value in valueReadings(text[index..<range.upperBound]) {
                let decoded = MarkupActiveContent.decodeCharacterReferences(String(decoding: value, as: UTF8.self)).lowercased()
                if name == "rel",
                    decoded.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).contains(where: { !inertRelations.contains(String($0)) })
                {
                    return "a rel=\"\(decoded.prefix(40))\" a Markdown attribute list adds"
                }
                if name == "style", let problem = MarkupActiveContent.cssProblems(decoded, context: .resource).first {
                    return "\(problem) in a style a Markdown attribute list adds"
                }
            }
        }
        return nil
    }

    /// The values an engine may read from the start of `rest` (after an `=` in a list, to the list's end):
    /// unquoted, to a blank; quoted, to the first quote (Python-Markdown), to the first quote a blank, a `}` or the end
    /// follows (kramdown's pair), and to the first such quote no backslash stands before (kramdown reading `\"` as an
    /// escaped quote). At most 4 KiB each (what lies further is read as part of it).
    private static func valueReadings(_ rest: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        let blanks: [UInt8] = [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]
        let valueEnds = blanks + [UInt8(ascii: "}")]
        let bounded = rest.prefix(4096)
        guard let first = bounded.first, first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") else {
            return [bounded.prefix { !blanks.contains($0) }]
        }
        let content = bounded.dropFirst()
        var firstQuote: Int?
        var beforeBlank: Int?
        var unescaped: Int?
        for position in content.indices where bounded[position] == first {
            if firstQuote == nil { firstQuote = position }
            // A list's `}` ends kramdown's reading of it as its end does.
            guard position + 1 == rest.endIndex || position + 1 < rest.endIndex && valueEnds.contains(rest[position + 1]) else {
                continue
            }
            if beforeBlank == nil { beforeBlank = position }
            if rest[position - 1] != UInt8(ascii: "\\") {
                unescaped = position
                break
            }
        }
        return [firstQuote, beforeBlank, unescaped].map { content[content.startIndex..<($0 ?? content.endIndex)] }
    }

    /// Whether a `{::options …}` body is anything but blank-separated `name="value"` (or `'value'`, or a bare value)
    /// pairs and a closing `/`, with values free of quotes, angle brackets, backslashes and `&` (kramdown writes some
    /// values into attributes unescaped).
    private static func optionsProblem(_ body: [UInt8]) -> String? {
        let blanks: [UInt8] = [0x20, 0x09, 0x0A, 0x0D]
        let unsafe: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "&")]
        let problem = "a kramdown options extension this scanner does not read as plain name=\"value\" pairs"
        var cursor = 0
        while cursor < body.count {
            if blanks.contains(body[cursor]) || (body[cursor] == UInt8(ascii: "/") && body[(cursor + 1)...].allSatisfy { blanks.contains($0) }) {
                cursor += 1
                continue
            }
            let nameStart = cursor
            while cursor < body.count, isWordByte(body[cursor]) { cursor += 1 }
            guard cursor > nameStart, cursor < body.count, body[cursor] == UInt8(ascii: "=") else { return problem }
            cursor += 1
            if cursor < body.count, body[cursor] == UInt8(ascii: "\"") || body[cursor] == UInt8(ascii: "'") {
                let quote = body[cursor]
                cursor += 1
                while cursor < body.count, body[cursor] != quote {
                    if unsafe.contains(body[cursor]) { return problem }
                    cursor += 1
                }
                guard cursor < body.count else { return problem }
                cursor += 1
                guard cursor == body.count || blanks.contains(body[cursor]) || body[cursor] == UInt8(ascii: "/") else { return problem }
            } else {
                while cursor < body.count, !blanks.contains(body[cursor]) {
                    if unsafe.contains(body[cursor]) || body[cursor] == UInt8(ascii: "=") { return problem }
                    cursor += 1
                }
            }
        }
        return nil
    }

    /// An `on…=` handler anywhere in kramdown's `{::options …}` extension (after any character that does not continue
    /// a name, `/` included, with any white space, line breaks too, before its `=`): kramdown writes option values
    /// such as `footnote_prefix` into attributes unescaped (attack round 19). Linear.
    private static func kramdownOptionsHandler(_ text: [UInt8]) -> String? {
        let opener = Array("{::options".utf8)
        var index = 0
        while index + opener.count <= text.count {
            guard text[index] == UInt8(ascii: "{"), text[index..<(index + opener.count)].elementsEqual(opener) else {
                index = next(UInt8(ascii: "{"), in: text, from: index + 1)
                continue
            }
            // To its `/}` (a `}` inside a quoted value ends nothing), or to the end.
            var end = next(UInt8(ascii: "}"), in: text, from: index)
            while end < text.count, text[end - 1] != UInt8(ascii: "/") { end = next(UInt8(ascii: "}"), in: text, from: end + 1) }
            var cursor = index + opener.count
            while cursor < end {
                let (name, after) = handler(in: text, at: cursor, end: end)
                if let name { return name }
                cursor = after
            }
            index = end
        }
        return nil
    }

    /// Whether the byte at `index` follows an odd run of backslashes.
    private static func isEscaped(_ text: [UInt8], _ index: Int) -> Bool {
        var cursor = index - 1
        while cursor >= 0, text[cursor] == UInt8(ascii: "\\") { cursor -= 1 }
        return (index - 1 - cursor) % 2 == 1
    }

    /// `on` and at least three letters (`oncut`, `onend`, `onload`), not a word such as `online`; lowercased.
    private static func isHandlerName(_ name: String) -> Bool {
        name.count >= 5 && name.hasPrefix("on") && !["online", "onset", "ongoing", "onward", "onwards"].contains(name)
    }

    /// MultiMarkdown's link and image attributes: `key=value` words after a reference definition's URL and title
    /// (`[id]: https://x "t" onclick="…"`), on its line or indented lines after it. Linear.
    private static func referenceAttributeHandler(_ text: [UInt8]) -> String? {
        let count = text.count
        guard next(UInt8(ascii: "["), in: text, from: 0) < count else { return nil }  // no definition starts
        var inDefinition = false
        var lineStart = 0
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count, text[lineEnd] != 0x0A { lineEnd += 1 }
            var cursor = lineStart
            while cursor < lineEnd, text[cursor] == 0x20 || text[cursor] == 0x09 { cursor += 1 }
            if cursor < lineEnd, cursor - lineStart <= 3, text[cursor] == UInt8(ascii: "[") {
                // `[label]:` starts a definition.
                var close = cursor + 1
                while close < lineEnd, close - cursor < 1000, text[close] != UInt8(ascii: "]") { close += 1 }
                inDefinition = close + 1 < lineEnd && text[close] == UInt8(ascii: "]") && text[close + 1] == UInt8(ascii: ":")
            } else if cursor == lineStart || cursor == lineEnd {
                inDefinition = false  // neither indented nor a definition, or blank
            }
            if inDefinition {
                // After any character that does not continue a name: Markdown.pl writes the URL unescaped, so a `"` in
                // it ends the attribute (`[p]: x"onerror=…`, attack round 12).
                var index = lineStart
                while index + 2 < lineEnd {
                    let (name, after) = handler(in: text, at: index, end: lineEnd)
                    if let name { return name }
                    index = after
                }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// The first event handler an attribute list holds, read with quoted values protecting `}` or not.
    /// A handler written `name=` counts wherever the list goes (across lines, nested `{`); one written with blanks
    /// before the `=` (goldmark) only on the line its `{` opened, and a nested `{` drops it (`Button { onTap = {} }`
    /// is Swift or Kotlin). Any `}` after a handler, escaped or quoted, is a finding: some engine closes there.
    /// - Returns: The handler, and whether any list held a quoted value.
    private static func attributeListHandler(_ text: [UInt8], quotesProtect: Bool) -> (handler: String?, quotedValues: Bool) {
        let count = text.count
        var quotedValues = false
        var open = false
        var colon = false  // opened by `{:`: kramdown reads it across blank lines
        var pending: String?
        var loose = false  // the pending handler has blanks before its `=`
        var quote: UInt8?
        var afterEquals = false  // the last non-blank byte was `=`: a quote here opens a value
        var lineBlank = true  // only blanks since the last line break
        var sameLine = true  // no line break since the innermost `{`
        var index = 0
        while index < count {
            let byte = text[index]
            if byte == 0x0A {
                if open, lineBlank, !colon {
                    // A blank line ends the paragraph and any list in it.
                    open = false
                    pending = nil
                    quote = nil
                } else {
                    sameLine = false
                    if loose { pending = nil }
                }
                lineBlank = true
                afterEquals = false
                index += 1
                continue
            }
            if byte != 0x20, byte != 0x09, byte != 0x0D { lineBlank = false }
            guard open || byte == UInt8(ascii: "{") else {
                // No list is open (then nothing is pending and no quote open): what the bytes up to the next `{` change
                // (line state, `afterEquals`) that `{` sets again.
                index = next(UInt8(ascii: "{"), in: text, from: index + 1)
                continue
            }
            if byte == UInt8(ascii: "\\"), index + 1 < count, text[index + 1] != 0x0A {
                // `\}` closes no kramdown list, but Python-Markdown's (and kramdown's when no other `}` follows).
                if text[index + 1] == UInt8(ascii: "}"), let pending { return (pending, quotedValues) }
                afterEquals = false
                index += 2
                continue
            }
            if let closing = quote {
                if byte == closing { quote = nil }
                if byte == UInt8(ascii: "}"), let pending { return (pending, quotedValues) }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "{"):
                if !open {
                    open = true
                    colon = index + 1 < count && text[index + 1] == UInt8(ascii: ":")
                    pending = nil
                } else if loose {
                    pending = nil
                }
                sameLine = true
                afterEquals = false
            case UInt8(ascii: "}"):
                if let pending { return (pending, quotedValues) }
                open = false
                afterEquals = false
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if afterEquals { quotedValues = true }
                if quotesProtect, afterEquals { quote = byte }
                afterEquals = false
            case UInt8(ascii: "="):
                afterEquals = true
            case UInt8(ascii: "o"), UInt8(ascii: "O"):
                afterEquals = false
                guard pending == nil, index > 0, index + 2 < count, text[index + 1] | 0x20 == UInt8(ascii: "n") else { break }
                let before = text[index - 1]
                // kramdown splits a list at Ruby's white space (vertical tab and form feed too) and reads a name right
                // after a quoted value (`"x"onerror=`, attack round 12).
                let separators: [UInt8] = [0x7B, 0x3A, 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x22, 0x27]  // { : blanks " '

                guard separators.contains(before) else { break }
                var cursor = index + 2
                while cursor < count, cursor - index < 40, isLetter(text[cursor]) { cursor += 1 }
                guard cursor > index + 2 else { break }
                let name = String(decoding: text[index..<cursor], as: UTF8.self).lowercased()
                let handler = isHandlerName(name)
                if handler, cursor < count, text[cursor] == UInt8(ascii: "=") {
                    pending = name
                    loose = false
                } else {
                    while cursor < count, text[cursor] == 0x20 || text[cursor] == 0x09 { cursor += 1 }
                    if handler, sameLine, cursor < count, text[cursor] == UInt8(ascii: "=") {
                        pending = name
                        loose = true
                    }
                }
                index = cursor
                continue
            case 0x20, 0x09, 0x0D:
                break
            default:
                afterEquals = false
            }
            index += 1
        }
        return (nil, quotedValues)
    }

    /// Script URLs anywhere (comments included), in whatever Markdown or HTML construct holds them: inline and
    /// reference links, autolinks (`<javascript:…>`), angle-bracket destinations, bare text a renderer links. A
    /// scheme name is read as a renderer reads it: character references decoded (`&#106;`, `&colon;`), backslash
    /// escapes dropped (`javascript\:`), invisible characters and tabs or line breaks written as references skipped
    /// (URL parsers remove them; a raw blank ends a Markdown destination).
    /// It counts when a word starts with it and its `:` is followed by any non-blank character (`javascript:alert(1)`,
    /// `javascript:(alert)(1)`, `javascript:"";x`), or when it follows `<` (`<javascript: alert(1)>`); prose such as
    /// "JavaScript: a language" stays clean.
    static func schemeFindings(_ text: [UInt8]) -> [String] {
        var findings: [String] = []
        let count = text.count
        // A scheme is read only at a `&`, or at a word that runs into `:`, `&`, `\` or a non-ASCII byte.
        guard [UInt8(ascii: ":"), UInt8(ascii: "&"), UInt8(ascii: "\\")].contains(where: { next($0, in: text, from: 0) < count }) || !isASCII(text)
        else { return [] }
        var index = 0
        while index < count, findings.count < 4 {
            let byte = text[index]
            guard isLetter(byte) || byte == UInt8(ascii: "&") else {
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
                if end == count
                    || !(text[end] == UInt8(ascii: ":") || text[end] == UInt8(ascii: "&") || text[end] == UInt8(ascii: "\\") || text[end] >= 0x80)
                {
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
            } else if ["javascript", "vbscript", "livescript", "mocha"].contains(candidate.scheme), afterAngle || candidate.followed {
                findings.append("a \(candidate.scheme) URL in the text")
            }
            index = candidate.end
        }
        return findings
    }

    /// A scheme name starting at `start` (lowercased, decoded as described in ``schemeFindings(_:)``) and what
    /// follows its `:` up to the first blank, quote or bracket (at most 64 characters); nil when no `:` ends a name of
    /// at most 12 letters.
    private static func readScheme(_ text: [UInt8], from start: Int) -> (scheme: String, rest: String, followed: Bool, end: Int)? {
        var scheme = ""
        var cursor = start
        var fromReference = false  // the last scalar `next()` returned was written as a character reference
        func next() -> Unicode.Scalar? {
            fromReference = false
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
                    while end < text.count, end - cursor <= 12, text[end] != UInt8(ascii: ";"), text[end] != UInt8(ascii: "&"), text[end] > 0x20 {
                        end += 1
                    }
                    let reference = String(decoding: text[cursor..<min(end + 1, text.count)], as: UTF8.self)
                    let decoded = MarkupActiveContent.decodeCharacterReferences(reference)
                    if decoded != reference, let first = decoded.unicodeScalars.first {
                        // Only the reference itself was consumed by the decoder: skip its length.
                        let tail = decoded.unicodeScalars.dropFirst()
                        let consumed = reference.utf8.count - String(String.UnicodeScalarView(tail)).utf8.count
                        cursor += consumed
                        if first != " ", MarkupActiveContent.isIgnorableInURL(first) { continue }
                        fromReference = true
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
                var followed: Bool?
                while rest.unicodeScalars.count < 64, let following = next() {
                    // A blank written as a character reference (`&#32;`) does not end a Markdown destination: the
                    // URL goes on after it, and JavaScript ignores leading blanks.
                    if followed == nil, fromReference, following.value <= 0x20 || following == "\u{A0}" { continue }
                    if followed == nil { followed = following.value > 0x20 }
                    if following.value <= 0x20 || "\"'<>()[]`".unicodeScalars.contains(following) { break }
                    rest.unicodeScalars.append(following)
                }
                return (scheme, rest, followed ?? false, max(cursor, start + 1))
            }
            guard scalar.isASCII, scheme.count < 12, (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") else { return nil }
            scheme.unicodeScalars.append(Unicode.Scalar(UInt8(scalar.value) | 0x20))
        }
        return nil
    }

    /// The first control character text may not hold, or nil: every C0 control but tab, line feed, vertical tab
    /// (FileMaker's line break inside a CSV field), form feed, carriage return and ESC (ISO-2022 and terminal colours,
    /// read by ``removingISO2022Escapes(_:)``), and DEL.
    /// libmagic types a file by its first 256 KiB, and consumers drop such bytes before reading the rest
    /// (Python-Markdown deletes STX and ETX first, so ``\u{02}` closes a fence and `<scr\u{03}ipt>` is a script;
    /// LibreOffice's CSV import drops NUL, so `=WEBSERVICE\u{00}(` is a call): a file with one anywhere is not text
    /// (attack round 8).
    static func forbiddenControl(in bytes: [UInt8]) -> (offset: Int, byte: UInt8)? {
        for (offset, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x7F {
            if byte == 0x09 || byte == 0x0A || byte == 0x0B || byte == 0x0C || byte == 0x0D || byte == 0x1B { continue }
            return (offset, byte)
        }
        return nil
    }

    /// The text as an ISO-2022 decoder shows its ASCII: escape sequences (ESC, intermediate bytes 0x20-0x2F, a final
    /// byte 0x30-0x7E) and the shifts SO and SI removed, since they show as nothing. Runs in a two-byte set stay as
    /// written (a decoder shows them as other characters, so reading them as ASCII finds more, never less). Linear.
    static func removingISO2022Escapes(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 == 0x1B || $0 == 0x0E || $0 == 0x0F }) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0E || byte == 0x0F {
                index += 1
                continue
            }
            if byte == 0x1B {
                var cursor = index + 1
                while cursor < bytes.count, bytes[cursor] >= 0x20 && bytes[cursor] <= 0x2F { cursor += 1 }
                if cursor < bytes.count, bytes[cursor] >= 0x30 && bytes[cursor] <= 0x7E {
                    index = cursor + 1
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// ISO-2022 text: after a designation escape of a two-byte set (ISO-2022-JP `ESC $ @`, `ESC $ A`, `ESC $ B`,
    /// `ESC $ ( C|D|O|P|Q`; ISO-2022-KR and -CN `ESC $ ) A|C|E|G`, `ESC $ * H`, `ESC $ + I…M` followed by SO), a
    /// run of two-byte characters has bytes in the ASCII range. Such a run (to the next ESC, SO, SI or line end) is
    /// replaced with `_` only when its bytes form complete JIS X 0208 pairs (``isJISX0208(_:)``) and it holds no
    /// whole code block (``holdsCodeBlock(_:)``): then its `<%` or `<?` is Japanese, Chinese or Korean. Any other run, and anything after an escape that designates no two-byte set,
    /// is left as written. Linear.
    static func blankingISO2022(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x1B) else { return bytes }
        var output = bytes
        let count = bytes.count
        func at(_ index: Int) -> UInt8 { index < count ? bytes[index] : 0 }
        func blankRun(from start: Int) -> Int {
            var end = start
            while end < count, ![0x1B, 0x0E, 0x0F, 0x0A, 0x0D].contains(bytes[end]) { end += 1 }
            if end > start, (end - start) % 2 == 0, isJISX0208(bytes[start..<end]), !holdsCodeBlock(bytes[start..<end]) {
                for position in start..<end { output[position] = UInt8(ascii: "_") }
            }
            return end
        }
        var shiftSetDesignated = false  // a G1-G3 two-byte set (KR, CN) that SO shifts to
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == 0x1B, at(index + 1) == UInt8(ascii: "$") {
                let final = at(index + 2)
                if final == UInt8(ascii: "@") || final == UInt8(ascii: "A") || final == UInt8(ascii: "B") {
                    index = blankRun(from: index + 3)
                    continue
                }
                if final == UInt8(ascii: "("), "CDOPQ".utf8.contains(at(index + 3)) {
                    index = blankRun(from: index + 4)
                    continue
                }
                if (final == UInt8(ascii: ")") && "ACEG".utf8.contains(at(index + 3)))
                    || (final == UInt8(ascii: "*") && at(index + 3) == UInt8(ascii: "H"))
                    || (final == UInt8(ascii: "+") && "IJKLM".utf8.contains(at(index + 3)))
                {
                    shiftSetDesignated = true
                    index += 4
                    continue
                }
            } else if byte == 0x0E, shiftSetDesignated {
                index = blankRun(from: index + 1)
                continue
            }
            index += 1
        }
        return output
    }

    /// `<?xml` that PHP cannot parse, so not PHP: followed by `?>`, a quote or a backtick ("add `<?xml` detection"),
    /// or by blanks and then a name that is not an operator (`<?xml version="1.0"?>`: two names in a row are a syntax
    /// error, and a syntax error anywhere runs nothing), `?>`, `...`, a quote or the end. `<?xml:` (a goto label),
    /// `<?xml;`, `<?xml?…:…` (a ternary), `<?xmlfoo`, `<?xml or system(…)`, `<?xml and …`, `<?xml . …` and
    /// `<?xml <…` are a PHP short open tag followed by code.
    static func isXMLDeclaration(_ text: [UInt8], at position: Int) -> Bool {
        guard starts(text, "<?xml", at: position) else { return false }
        let count = text.count
        func unparsable(_ index: Int) -> Bool {
            let byte = text[index]
            return byte == UInt8(ascii: "`") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
                || (byte == UInt8(ascii: "?") && index + 1 < count && text[index + 1] == UInt8(ascii: ">"))
        }
        let after = position + 5
        guard after < count else { return true }
        if unparsable(after) { return true }
        guard MarkupActiveContent.isSpace(text[after]) else { return false }
        var cursor = after
        while cursor < count, MarkupActiveContent.isSpace(text[cursor]) { cursor += 1 }
        guard cursor < count else { return true }
        if unparsable(cursor) || starts(text, "...", at: cursor) { return true }
        // A name (PHP names take bytes 0x80-0xFF too) that is not an operator keyword.
        func isNameByte(_ byte: UInt8) -> Bool { isLetter(byte) || byte == UInt8(ascii: "_") || byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) }
        guard isNameByte(text[cursor]), !(text[cursor] >= 0x30 && text[cursor] <= 0x39) else { return false }
        var end = cursor
        while end < count, end - cursor < 12, isNameByte(text[end]) { end += 1 }
        let name = String(decoding: text[cursor..<end], as: UTF8.self).lowercased()
        return !["and", "or", "xor", "instanceof", "insteadof", "as"].contains(name)
    }

    /// A Java or Kotlin-style wildcard, not PHP: `<?>`, `<?,` (`Map<?,?>`), `<? extends T`, `<? super T` (PHP cannot
    /// parse `<?` followed by `>`, `,` or `extends`, nor `super` followed by a second name; `super and …`,
    /// `super or …`, `super xor …`, `super instanceof …` and `super as …` are PHP expressions and stay refused).
    static func isJavaWildcard(_ text: [UInt8], at position: Int) -> Bool {
        let count = text.count
        var cursor = position + 2
        guard cursor < count else { return false }
        if text[cursor] == UInt8(ascii: ">") || text[cursor] == UInt8(ascii: ",") { return true }
        guard text[cursor] == 0x20 || text[cursor] == 0x09 else { return false }
        while cursor < count, text[cursor] == 0x20 || text[cursor] == 0x09 { cursor += 1 }
        var end = cursor
        while end < count, end - cursor < 8, isLetter(text[end]) { end += 1 }
        let keyword = String(decoding: text[cursor..<end], as: UTF8.self)
        guard keyword == "extends" || keyword == "super", end < count, text[end] == 0x20 || text[end] == 0x09 else { return false }
        if keyword == "extends" { return true }
        var nameStart = end
        while nameStart < count, text[nameStart] == 0x20 || text[nameStart] == 0x09 { nameStart += 1 }
        var nameEnd = nameStart
        while nameEnd < count, nameEnd - nameStart < 16, isLetter(text[nameEnd]) || text[nameEnd] == UInt8(ascii: "_") { nameEnd += 1 }
        let name = String(decoding: text[nameStart..<nameEnd], as: UTF8.self).lowercased()
        return nameEnd > nameStart && !["and", "or", "xor", "instanceof", "insteadof", "as"].contains(name)
    }

    /// Complete JIS X 0208 pairs: both bytes 0x21–0x7E and the first (the row) an assigned one, 0x21–0x28 or
    /// 0x30–0x74.
    static func isJISX0208(_ run: ArraySlice<UInt8>) -> Bool {
        var position = run.startIndex
        while position + 1 < run.endIndex {
            let row = run[position]
            let cell = run[position + 1]
            guard (row >= 0x21 && row <= 0x28) || (row >= 0x30 && row <= 0x74), cell >= 0x21, cell <= 0x7E else { return false }
            position += 2
        }
        return position == run.endIndex
    }

    /// A whole server-side code block inside a run: `<?` or `<%` with its `?>` or `%>` after it, at any byte
    /// offset. Such a run is read as code, not as two-byte characters.
    static func holdsCodeBlock(_ run: ArraySlice<UInt8>) -> Bool {
        var opened: UInt8?
        var position = run.startIndex
        while position + 1 < run.endIndex {
            let byte = run[position]
            let next = run[position + 1]
            if opened == nil, byte == UInt8(ascii: "<"), next == UInt8(ascii: "?") || next == UInt8(ascii: "%") {
                opened = next
                position += 2
                continue
            }
            if let opener = opened, byte == opener, next == UInt8(ascii: ">") { return true }
            position += 1
        }
        return false
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

    /// The index of the first `byte` in `text` at or after `start`, or `text.count` (memchr: the walks above skip the
    /// bytes between the few that start anything they look for).
    static func next(_ byte: UInt8, in text: [UInt8], from start: Int) -> Int {
        guard start < text.count else { return text.count }
        return text.withUnsafeBytes { bytes in
            guard let found = memchr(bytes.baseAddress! + start, Int32(byte), bytes.count - start) else { return text.count }
            return UnsafeRawPointer(found) - bytes.baseAddress!
        }
    }

    /// Whether every byte of `text` is ASCII (eight at a time).
    static func isASCII(_ text: [UInt8]) -> Bool {
        text.withUnsafeBytes { bytes in
            var index = 0
            while index + 8 <= bytes.count {
                if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                index += 8
            }
            return bytes[index...].allSatisfy { $0 < 0x80 }
        }
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    fileprivate var trimmingASCIISpace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }), let last = scalars.lastIndex(where: { $0.value > 0x20 }) else { return "" }
        return String(scalars[first...last])
    }
}
