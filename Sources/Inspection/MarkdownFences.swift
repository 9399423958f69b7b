/// Fenced code blocks that every mainstream Markdown renderer (cmark-gfm, markdown-it, marked, Python-Markdown with
/// fenced_code, kramdown's GFM parser) renders as code, so that the browser checks of a Markdown file can leave their
/// content out (it is rendered as escaped text). Only blocks whose reading no renderer disputes count:
/// - the opening fence is three or more backticks or tildes at column 0 (Python-Markdown takes no indented fence) after
///   a blank line or at the start (no paragraph, list item or block quote continues into it), outside any HTML block
///   (CommonMark's seven kinds, and an element kramdown keeps raw up to its end tag across blank lines), with an info
///   string of one word that Python-Markdown's and kramdown's patterns both accept (letters, digits, `_#.+-`);
/// - it closes at the first line that starts, after any blanks, with as many of its fence characters: that line must
///   be the same fence exactly at column 0 followed only by spaces (Python-Markdown's rule, which every other
///   renderer also accepts), and a block that never closes is not one (Python-Markdown renders it as Markdown).
/// Any other line that looks like a fence (indented, inside HTML, in a list item, unequal, with another info string)
/// ends the search: renderers may disagree about everything after it (Python-Markdown pairs column-0 fences whatever
/// surrounds them), so later blocks are judged whole. So does kramdown's `{::` extension syntax (`{::nomarkdown}`
/// passes its content through raw), a lone CR line ending, and YAML front matter holding a fence. Fences inside list
/// items and block quotes are never admitted: Python-Markdown's fenced_code works only at the document root
/// (Python-Markdown/markdown#53), so there it renders their content as Markdown, raw HTML included. And a block is
/// left out only when it is also inert to renderers that know no fences at all (``inertWithoutFenceSupport``); one that
/// is not is judged whole, and the search goes on after it. Linear.
enum MarkdownFences {
    /// `text` with the content lines of agreed fenced code blocks blanked to spaces (line breaks kept).
    static func blankingAgreedFences(_ text: [UInt8]) -> [UInt8] {
        let count = text.count
        // Line ranges without their terminators; a CR not followed by LF is a line break to some renderers only.
        var lines: [(start: Int, end: Int)] = []
        var start = 0
        var index = 0
        while index < count {
            let byte = text[index]
            if byte == 0x0D {
                guard index + 1 < count, text[index + 1] == 0x0A else { return text }
                lines.append((start, index))
                index += 2
                start = index
                continue
            }
            if byte == 0x0A {
                lines.append((start, index))
                start = index + 1
            }
            index += 1
        }
        if start < count { lines.append((start, count)) }
        // A line whose margin renderers read differently (Python-Markdown strips any Unicode white space before a tag
        // and opens a raw HTML block there; CommonMark and kramdown see text) may change every block after it.
        if lines.contains(where: { disputedMargin(text, $0) }) { return text }
        var out = text
        var state = LineState()
        var previousBlank = true
        var line = 0
        // YAML front matter (Jekyll strips it, other renderers show it): no fence opens inside it.
        var frontMatterEnd = -1
        if let first = lines.first, trimmedEnd(text, first) == Array("---".utf8) {
            frontMatterEnd =
                lines.indices.dropFirst().first { [Array("---".utf8), Array("...".utf8)].contains(trimmedEnd(text, lines[$0])) } ?? lines.count
        }
        let rawBlocks = markdownPlRawBlocks(text, lines)
        var rawUntil = -1  // the last line of the Markdown.pl raw HTML block the walk is in
        while line < lines.count {
            let range = lines[line]
            if contains(text, range, Array("{::".utf8)) { return out }
            if let end = rawBlocks[line] { rawUntil = max(rawUntil, end) }
            let indent = leadingBlanks(text, range)
            if let fence = fenceRun(text, from: range.start + indent, end: range.end) {
                guard indent == 0, previousBlank, line > frontMatterEnd, state.isOutside, line > rawUntil,
                    validInfo(text, from: range.start + fence.length, end: range.end),
                    let close = closingLine(text, lines, after: line, fence: fence),
                    // A `===` or `---` line right after the closing fence makes it a setext header to Markdown.pl
                    // (`<h1>```</h1>`), and the opening backticks close nothing (attack round 17).
                    !isUnderline(text, lines, close + 1)
                else { return out }
                // A renderer without fence support (Python-Markdown's defaults, Markdown.pl, kramdown's own parser)
                // reads the block as a paragraph: it is left out only where that reading is inert too.
                guard inertWithoutFenceSupport(text, lines, open: line, close: close, fence: fence) else {
                    line = close + 1
                    previousBlank = false
                    continue
                }
                for content in (line + 1)..<close {
                    for position in lines[content].start..<lines[content].end { out[position] = 0x20 }
                }
                line = close + 1
                previousBlank = false
                continue
            }
            let blank = indent == range.end - range.start
            state.read(text, range, blank: blank)
            previousBlank = blank
            line += 1
        }
        return out
    }

    /// The text as Markdown.pl reads its blocks, or nil when it has no link definition: Markdown.pl deletes each
    /// definition before it reads anything else, with its URL and title lines and every blank line after it (`\n+`),
    /// which joins what stood around it (a fence to the paragraph above, a destination across a blank line, attack
    /// round 17). A line counts as a definition when it is `[label]:` within 3 spaces of the margin (a superset: Markdown.pl
    /// also wants a URL and nothing after its title); a URL on the next line and a quoted or parenthesised title on
    /// the line after go with it. Linear.
    static func withoutLinkDefinitions(_ text: [UInt8]) -> [UInt8]? {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in text.indices where text[index] == 0x0A {
            lines.append(text[start...index])
            start = index + 1
        }
        if start < text.count { lines.append(text[start...]) }
        func body(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            var slice = line
            while let last = slice.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 { slice = slice.dropLast() }
            return slice.drop { $0 == 0x20 || $0 == 0x09 }
        }
        func isBlank(_ line: ArraySlice<UInt8>) -> Bool { body(line).isEmpty }
        /// After `]:` when the line is a definition (the rest of the line), else nil.
        func definitionRest(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
            let margin = line.prefix { $0 == 0x20 }.count
            guard margin <= 3, line.dropFirst(margin).first == UInt8(ascii: "[") else { return nil }
            let label = line.dropFirst(margin + 1)
            guard
                let colon = label.indices.first(where: {
                    $0 > label.startIndex && line[$0] == UInt8(ascii: "]") && $0 + 1 < line.endIndex && line[$0 + 1] == UInt8(ascii: ":")
                })
            else { return nil }
            return body(line[(colon + 2)...])
        }
        var out: [UInt8] = []
        var removed = false
        var index = 0
        while index < lines.count {
            guard let rest = definitionRest(lines[index]) else {
                out += lines[index]
                index += 1
                continue
            }
            removed = true
            index += 1
            if rest.isEmpty, index < lines.count, !isBlank(lines[index]) { index += 1 }  // the URL on the next line
            if index < lines.count, let first = body(lines[index]).first, first == UInt8(ascii: "\"") || first == UInt8(ascii: "(") {
                index += 1  // a title on the next line
            }
            while index < lines.count, isBlank(lines[index]) { index += 1 }
        }
        return removed ? out : nil
    }

    /// Markdown.pl's block tags (`$block_tags_a`).
    static let markdownPlBlockTags: Set<String> = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "dl", "ol", "ul", "script", "noscript", "form",
        "fieldset", "iframe", "math", "ins", "del",
    ]

    /// The raw HTML blocks Markdown.pl passes through (`_HashHTMLBlocks`), by opening line: a line that starts with one of
    /// its block tags opens a block that runs to the first later line that is that end tag and blanks, or else (not for
    /// `ins` and `del`) to the first line from the opening one that ends with it. Its end tags elsewhere on a line
    /// (`<div>x</div>`, `text </div>`) end nothing (attack round 14: a fence after them was raw HTML to Markdown.pl).
    /// Its `<hr>` and comment blocks run across lines (below). Linear: each tag's end lines are collected once and
    /// searched; an `<hr>` block's search ends at the next `<`.
    static func markdownPlRawBlocks(_ text: [UInt8], _ lines: [(start: Int, end: Int)]) -> [Int: Int] {
        // Each line without its trailing blanks, as written and lowercased, once.
        let trimmed: [[UInt8]] = lines.map { range in
            var end = range.end
            while end > range.start, text[end - 1] == 0x20 || text[end - 1] == 0x09 || text[end - 1] == 0x0D { end -= 1 }
            return Array(text[range.start..<end])
        }
        let lowered: [[UInt8]] = trimmed.map { $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        func isNameByte(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
        /// The block tag at `start` of a lowered line: its length, or nil.
        func tagLength(_ bytes: [UInt8], from start: Int) -> Int? {
            var end = start
            while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
            return markdownPlBlockTags.contains(String(decoding: bytes[start..<end], as: UTF8.self)) ? end - start : nil
        }
        // Markdown.pl matches tags case-sensitively: its block tags only in lower case, an end tag only as its opening
        // wrote it (`</DIV>` ends no `<div>`, attack round 17). Openings are taken in any case here (a superset), and
        // ends are keyed by the name exactly as written.
        var endLines: [String: [Int]] = [:]  // lines that are `</name>` and blanks
        var endingLines: [String: [Int]] = [:]  // lines that end with `</name>`
        var openings: [(line: Int, name: String)] = []
        for (index, bytes) in lowered.enumerated() {
            guard bytes.count >= 2 else { continue }
            let written = trimmed[index]
            if bytes[0] == 0x3C, bytes[1] == 0x2F, let length = tagLength(bytes, from: 2), bytes.count == length + 3, bytes.last == 0x3E {
                endLines[String(decoding: written[2..<(2 + length)], as: UTF8.self), default: []].append(index)
            }
            if bytes[0] == 0x3C, bytes[1] != 0x2F, let length = tagLength(bytes, from: 1) {
                if 1 + length == bytes.count || !isNameByte(bytes[1 + length]) {
                    openings.append((index, String(decoding: written[1..<(1 + length)], as: UTF8.self)))
                }
            }
            if bytes.last == 0x3E, let slash = bytes.lastIndex(of: 0x3C), slash + 1 < bytes.count, bytes[slash + 1] == 0x2F,
                let length = tagLength(bytes, from: slash + 2), slash + 3 + length == bytes.count
            {
                endingLines[String(decoding: written[(slash + 2)..<(slash + 2 + length)], as: UTF8.self), default: []].append(index)
            }
        }
        func first(_ list: [Int]?, after line: Int, orAt: Bool) -> Int? {
            guard let list else { return nil }
            var low = 0
            var high = list.count
            while low < high {
                let middle = (low + high) / 2
                if orAt ? list[middle] < line : list[middle] <= line { low = middle + 1 } else { high = middle }
            }
            return low < list.count ? list[low] : nil
        }
        var blocks: [Int: Int] = [:]
        func isBlank(_ index: Int) -> Bool { index >= lines.count || lowered[index].allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        // Markdown.pl's `<hr>` and comment blocks open after a blank line, at the start, or after a block hashed before
        // them; taken here at any line start within 3 blanks of the margin (a superset). Both run across lines: `<hr`
        // to its first `>` (`[^<>]*?`: over blank lines and fences, attack round 16), a comment (`<!(--.*?--\s*)+>`,
        // lazily and with `\s` across lines) to a `--`, white space and `>`, then a blank line or the end.
        func opening(_ bytes: [UInt8]) -> [UInt8]? {
            var start = 0
            while start < min(bytes.count, 3), bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            return start < bytes.count && bytes[start] == 0x3C ? Array(bytes[start...]) : nil
        }
        // Perl's `\s` (VT included), and the bytes it matches under Unicode rules.
        func isPerlSpace(_ byte: UInt8) -> Bool { (byte >= 0x09 && byte <= 0x0D) || byte == 0x20 || byte == 0x85 || byte == 0xA0 }
        // The last line that can end a comment block: its last non-blank byte a `>` that follows `--` and white space
        // (line breaks and blank lines included), the next line blank or none.
        let lastCommentEnd = lines.indices.last { index in
            let bytes = lowered[index]
            guard bytes.last == 0x3E, isBlank(index + 1) else { return false }
            var cursor = lines[index].start + bytes.count - 2
            while cursor >= 0, isPerlSpace(text[cursor]) { cursor -= 1 }
            return cursor >= 1 && text[cursor] == 0x2D && text[cursor - 1] == 0x2D
        }
        for (index, bytes) in lowered.enumerated() {
            guard let body = opening(bytes), body.count >= 2 else { continue }
            if body[1] == 0x21 {
                // A line that is one plain comment (`<!-- x -->`) before a blank line ends there; any other opening
                // (`<!-- a -- -->`, `<!-- a -->x`) may run on to a later comment's end (attack round 15), so it is
                // taken to run to the last line that can end one.
                let plain =
                    body.starts(with: Array("<!--".utf8)) && body.count >= 7 && Array(body.suffix(3)) == Array("-->".utf8)
                    && !MarkdownFences.contains(body, (4, body.count - 3), Array("--".utf8)) && isBlank(index + 1)
                if !plain, let end = lastCommentEnd, end > index { blocks[index] = end }
            } else if body.starts(with: Array("<hr".utf8)),
                body.count == 3 || !((body[3] >= 0x61 && body[3] <= 0x7A) || (body[3] >= 0x30 && body[3] <= 0x39) || body[3] == 0x5F)
            {
                // To the line of the first `<` or `>` after it, when that is a `>`.
                var cursor = lines[index].start + (bytes.count - body.count) + 3
                while cursor < text.count, text[cursor] != 0x3C, text[cursor] != 0x3E { cursor += 1 }
                if cursor < text.count, text[cursor] == 0x3E {
                    var end = index
                    while end + 1 < lines.count, lines[end + 1].start <= cursor { end += 1 }
                    if end > index { blocks[index] = end }
                }
            }
        }
        var coverage = [Int](repeating: 0, count: lines.count + 1)  // blocks the first pass hashes, as +1 … -1
        for opening in openings {
            let nested = first(endLines[opening.name], after: opening.line, orAt: false)
            let liberal = opening.name == "ins" || opening.name == "del" ? nil : first(endingLines[opening.name], after: opening.line, orAt: true)
            if let end = nested ?? liberal {
                coverage[opening.line] += 1
                coverage[end + 1] -= 1
            }
            // An opening its own text never closes may still be closed by HTML Markdown.pl writes itself: it hashes raw
            // blocks a second time after turning headers, code blocks and block quotes into HTML (a generated
            // `</code></pre>` or `<p>…</p>` line ends it, attack round 17). It is taken to run to the end.
            let end = nested ?? liberal ?? lines.count - 1
            blocks[opening.line] = max(blocks[opening.line] ?? end, end)
        }
        // The other way round in that second pass: an opening Markdown.pl writes (`<h1>` for a `#` or `===` header,
        // `<pre>` for an indented code block) runs to the first later line that is that end tag alone, unless the
        // first pass hashed that line away.
        var hashed = [Bool](repeating: false, count: lines.count)
        var depth = 0
        for line in lines.indices {
            depth += coverage[line]
            hashed[line] = depth > 0
        }
        let freeEndLines = endLines.mapValues { $0.filter { !hashed[$0] } }
        for (line, tag) in generatedOpenings(lowered) {
            if let end = first(freeEndLines[tag], after: line, orAt: false) { blocks[line] = max(blocks[line] ?? end, end) }
        }
        return blocks
    }

    /// The lines where Markdown.pl writes a block tag's opening before its second pass over raw HTML blocks, with the
    /// tag: `h1`…`h6` for an ATX header (`#`, `##`, …) or a setext one (a line before `===` or `---`), `pre` for a line
    /// indented as code (a tab or four spaces; taken wherever it stands, a superset).
    static func generatedOpenings(_ lowered: [[UInt8]]) -> [(line: Int, tag: String)] {
        var openings: [(line: Int, tag: String)] = []
        for (index, bytes) in lowered.enumerated() where !bytes.isEmpty {
            if bytes[0] == UInt8(ascii: "#") {
                openings.append((index, "h\(min(bytes.prefix { $0 == UInt8(ascii: "#") }.count, 6))"))
            } else if bytes[0] == 0x09 || bytes.starts(with: [0x20, 0x20, 0x20, 0x20]) {
                openings.append((index, "pre"))
            }
            if index + 1 < lowered.count, let underline = lowered[index + 1].first, underline == UInt8(ascii: "=") || underline == UInt8(ascii: "-"),
                lowered[index + 1].allSatisfy({ $0 == underline })
            {
                openings.append((index, underline == UInt8(ascii: "=") ? "h1" : "h2"))
            }
        }
        return openings
    }

    /// Whether the block from the fence at `open` to the one at `close` is inert where fences are unknown (Python-Markdown
    /// without fenced_code, its default; Markdown.pl; kramdown's own parser). There the opening backticks start a code
    /// span that the closing ones end, escaping everything between, but only if the lines stay one paragraph and
    /// nothing in them is taken as a block first. So: backticks (a tilde fence is plain text there, its content
    /// Markdown and raw HTML), no blank line, no run of exactly the fence's backticks inside (it would end the span),
    /// and every line starts with something no renderer starts a block with. That is an allow-list
    /// (``inertLineStart(_:_:)``): each renderer has its own paragraph ends (kramdown alone has `: ` definitions, `^`,
    /// `{:` attribute lists, `$$` math, `~~~` fences, tags named `_x`) and its own margin (Python-Markdown strips any
    /// Unicode white space before a tag), and a list of what ends a paragraph was always missing one.
    static func inertWithoutFenceSupport(
        _ text: [UInt8],
        _ lines: [(start: Int, end: Int)],
        open: Int,
        close: Int,
        fence: (character: UInt8, length: Int)
    ) -> Bool {
        guard fence.character == 0x60 else { return false }
        for content in (open + 1)..<close {
            let range = lines[content]
            let indent = leadingBlanks(text, range)
            guard range.start + indent < range.end else { return false }
            let first = text[range.start + indent]
            // A control character or a byte outside ASCII where the text starts: Python-Markdown's margin is any Unicode
            // white space (no-break, ideographic, form feed); `>` quotes at any indent for Markdown.pl.
            if first < 0x21 || first >= 0x7F || first == 0x3E { return false }
            // Within 3 characters of the margin (a tab is one to Python-Markdown) a block may start.
            if indent <= 3, !inertLineStart(text, (range.start + indent, range.end)) { return false }
            // A line of only `-`, `=`, `*`, `_` and blanks: a setext underline or a rule.
            if (range.start + indent..<range.end).allSatisfy({ [0x2D, 0x3D, 0x2A, 0x5F, 0x20, 0x09].contains(text[$0]) }) { return false }
            var cursor = range.start
            while cursor < range.end {
                guard text[cursor] == 0x60 else {
                    cursor += 1
                    continue
                }
                var run = cursor
                while run < range.end, text[run] == 0x60 { run += 1 }
                if run - cursor == fence.length { return false }
                cursor = run
            }
        }
        return true
    }

    /// Whether a fenced line whose text (after at most 3 spaces or tabs) is `range` starts with something no renderer
    /// without fence support starts a block with: a letter or a digit (lists do not interrupt a paragraph there), a
    /// start or end tag of an ``inlineElements`` element, or one of `( ) ] } ; , . ' " ! ? & * + - = / \ @ % ~` and
    /// backticks (runs of them are judged apart); `$` but not `$$` (kramdown's math block), `{` but not `{:` (its
    /// attribute lists and extensions), `[` on a line without `]:` (a reference definition). Anything else (`#`, `>`,
    /// `:`, `^`, `|`, `<` but an inline tag) is not known to be inert.
    static let inertPunctuation = Set("()]};,.'\"!?&*+-=/\\@%~`".utf8)

    static func inertLineStart(_ text: [UInt8], _ range: (start: Int, end: Int)) -> Bool {
        let first = text[range.start]
        if first | 0x20 >= 0x61 && first | 0x20 <= 0x7A || first >= 0x30 && first <= 0x39 { return true }
        if first == 0x3C { return startsInlineTag(text, from: range.start, end: range.end) }
        let second: UInt8? = range.start + 1 < range.end ? text[range.start + 1] : nil
        // `$$` opens kramdown's math block, `{:` its attribute lists and extensions.
        if first == 0x24 { return second != 0x24 }
        if first == 0x7B { return second != 0x3A }
        // A reference definition (`[id]: url`, `[^1]: note`) is taken out of the paragraph; other brackets are text.
        if first == 0x5B { return !text[range.start..<range.end].indices.contains { text[$0] == 0x5D && $0 + 1 < range.end && text[$0 + 1] == 0x3A } }
        return inertPunctuation.contains(first)
    }

    /// Elements all three renderers without fences keep inside a paragraph at the start of a line: kramdown's span
    /// elements that Python-Markdown does not count as block-level and Markdown.pl has no block rule for.
    static let inlineElements: Set<String> = [
        "a", "abbr", "acronym", "b", "big", "bdo", "br", "button", "cite", "code", "dfn", "em", "i", "img", "input", "kbd",
        "label", "q", "rb", "rbc", "rp", "rt", "rtc", "ruby", "samp", "select", "small", "span", "strong", "sub", "sup", "tt",
        "var",
    ]

    /// Whether the `<` at `from` starts a start or end tag of one of ``inlineElements`` (lower case, as kramdown
    /// matches them), its name followed by a blank, `>` or `/`.
    static func startsInlineTag(_ text: [UInt8], from: Int, end: Int) -> Bool {
        var cursor = from + 1
        if cursor < end, text[cursor] == 0x2F { cursor += 1 }
        let nameStart = cursor
        while cursor < end, (text[cursor] >= 0x61 && text[cursor] <= 0x7A) || (text[cursor] >= 0x30 && text[cursor] <= 0x39) { cursor += 1 }
        guard cursor > nameStart, inlineElements.contains(String(decoding: text[nameStart..<cursor], as: UTF8.self)) else { return false }
        return cursor == end || [0x20, 0x09, 0x3E, 0x2F].contains(text[cursor])
    }

    /// The fence character and run length at `from`, when three or more backticks or tildes start there.
    static func fenceRun(_ text: [UInt8], from: Int, end: Int) -> (character: UInt8, length: Int)? {
        guard from < end, text[from] == 0x60 || text[from] == 0x7E else { return nil }
        var cursor = from
        while cursor < end, text[cursor] == text[from] { cursor += 1 }
        return cursor - from >= 3 ? (text[from], cursor - from) : nil
    }

    /// Python-Markdown's `[ ]*\.?[\w#.+-]*[ ]*` and kramdown's one word: spaces, an optional word, spaces.
    static func validInfo(_ text: [UInt8], from: Int, end: Int) -> Bool {
        var cursor = from
        while cursor < end, text[cursor] == 0x20 { cursor += 1 }
        if cursor < end, text[cursor] == 0x2E { cursor += 1 }
        while cursor < end, isInfoByte(text[cursor]) { cursor += 1 }
        while cursor < end, text[cursor] == 0x20 { cursor += 1 }
        return cursor == end
    }

    static func isInfoByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || [0x5F, 0x23, 0x2E, 0x2B, 0x2D].contains(byte)
    }

    /// The line that closes the fence opened at `line`, or nil when none does or a line some renderer would close it
    /// with is not the exact fence at column 0.
    static func closingLine(_ text: [UInt8], _ lines: [(start: Int, end: Int)], after line: Int, fence: (character: UInt8, length: Int)) -> Int? {
        for candidate in (line + 1)..<lines.count {
            let range = lines[candidate]
            let indent = leadingBlanks(text, range)
            guard let run = fenceRun(text, from: range.start + indent, end: range.end), run.character == fence.character, run.length >= fence.length
            else { continue }
            let rest = (range.start + indent + run.length)..<range.end
            guard indent == 0, run.length == fence.length, rest.allSatisfy({ text[$0] == 0x20 }) else { return nil }
            return candidate
        }
        return nil
    }

    /// Whether the line's first character after spaces and tabs is white space to Python's `str.strip()` but not to
    /// CommonMark: VT, FF, the separators U+001C to U+001F, NEL, no-break and other Unicode spaces.
    static func disputedMargin(_ text: [UInt8], _ range: (start: Int, end: Int)) -> Bool {
        let at = range.start + leadingBlanks(text, range)
        guard at < range.end else { return false }
        let first = text[at]
        if first == 0x0B || first == 0x0C || (first >= 0x1C && first <= 0x1F) { return true }
        guard first >= 0xC2 else { return false }
        let scalar = String(decoding: text[at..<min(range.end, at + 4)], as: UTF8.self).unicodeScalars.first
        return scalar.map { $0.value >= 0x80 && $0.properties.isWhitespace } ?? false
    }

    /// Whether line `index` is a setext underline: only `=` or only `-` after any blanks, blanks after.
    static func isUnderline(_ text: [UInt8], _ lines: [(start: Int, end: Int)], _ index: Int) -> Bool {
        guard index < lines.count else { return false }
        let range = lines[index]
        let body = trimmedEnd(text, range).drop { $0 == 0x20 || $0 == 0x09 }
        guard let first = body.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "-") else { return false }
        return body.allSatisfy { $0 == first }
    }

    static func leadingBlanks(_ text: [UInt8], _ range: (start: Int, end: Int)) -> Int {
        var cursor = range.start
        while cursor < range.end, text[cursor] == 0x20 || text[cursor] == 0x09 { cursor += 1 }
        return cursor - range.start
    }

    static func trimmedEnd(_ text: [UInt8], _ range: (start: Int, end: Int)) -> [UInt8] {
        var end = range.end
        while end > range.start, text[end - 1] == 0x20 || text[end - 1] == 0x09 { end -= 1 }
        return Array(text[range.start..<end])
    }

    static func contains(_ text: [UInt8], _ range: (start: Int, end: Int), _ needle: [UInt8]) -> Bool {
        guard range.end - range.start >= needle.count else { return false }
        return (range.start...(range.end - needle.count)).contains { position in
            needle.indices.allSatisfy { text[position + $0] == needle[$0] }
        }
    }

    /// Whether lines sit inside HTML: a CommonMark HTML block (to its end marker, or to a blank line) or an element
    /// opened at the start of a line that kramdown keeps raw to its matching end tag (nesting counted).
    struct LineState {
        var endMarkers: [[UInt8]] = []
        var untilBlank = false
        var open: [String: Int] = [:]
        /// Names in `open` whose depth is above zero (kept so that the check stays constant-time).
        var unclosed = 0

        var isOutside: Bool { endMarkers.isEmpty && !untilBlank && unclosed == 0 }

        mutating func setDepth(_ name: String, _ depth: Int) {
            let before = open[name] ?? 0
            if before == 0, depth > 0 { unclosed += 1 }
            if before > 0, depth == 0 { unclosed -= 1 }
            open[name] = depth
        }

        static let voidElements: Set<String> = [
            "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
        ]
        static let rawElements: Set<String> = ["script", "pre", "style", "textarea"]

        mutating func read(_ text: [UInt8], _ range: (start: Int, end: Int), blank: Bool) {
            let lower = text[range.start..<range.end].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            // Tags of elements kramdown keeps open: every start and end tag of their names on this line.
            var cursor = 0
            while cursor + 1 < lower.count {
                guard lower[cursor] == 0x3C else {
                    cursor += 1
                    continue
                }
                let closing = lower[cursor + 1] == 0x2F
                let nameStart = cursor + (closing ? 2 : 1)
                var nameEnd = nameStart
                while nameEnd < lower.count, isInfoByte(lower[nameEnd]) || lower[nameEnd] == 0x3A { nameEnd += 1 }
                let name = String(decoding: lower[nameStart..<nameEnd], as: UTF8.self)
                if !name.isEmpty, let depth = open[name] {
                    setDepth(name, closing ? max(0, depth - 1) : depth + 1)
                }
                cursor = max(nameEnd, cursor + 1)
            }
            if !endMarkers.isEmpty {
                if endMarkers.contains(where: { marker in MarkdownFences.contains(lower, (0, lower.count), marker) }) { endMarkers = [] }
                return
            }
            if untilBlank {
                if blank { untilBlank = false }
                return
            }
            // A block start: `<` after blanks and block-quote markers (more than CommonMark's three spaces, on purpose).
            var start = 0
            while start < lower.count, [0x20, 0x09, 0x3E].contains(lower[start]) { start += 1 }
            guard start + 1 < lower.count, lower[start] == 0x3C else { return }
            let rest = Array(lower[start...])
            func begins(_ prefix: String) -> Bool { rest.starts(with: Array(prefix.utf8)) }
            func endsHere(_ marker: String) -> Bool { MarkdownFences.contains(rest, (1, rest.count), Array(marker.utf8)) }
            if begins("<!--") {
                if !endsHere("-->") { endMarkers = [Array("-->".utf8)] }
            } else if begins("<?") {
                if !endsHere("?>") { endMarkers = [Array("?>".utf8)] }
            } else if begins("<![cdata[") {
                if !endsHere("]]>") { endMarkers = [Array("]]>".utf8)] }
            } else if begins("<!") {
                if !endsHere(">") { endMarkers = [Array(">".utf8)] }
            } else {
                let closing = rest[1] == 0x2F
                var nameEnd = closing ? 2 : 1
                while nameEnd < rest.count, isInfoByte(rest[nameEnd]) || rest[nameEnd] == 0x3A { nameEnd += 1 }
                let name = String(decoding: rest[(closing ? 2 : 1)..<nameEnd], as: UTF8.self)
                guard let first = name.utf8.first, first >= 0x61, first <= 0x7A else { return }
                if !closing, Self.rawElements.contains(name) {
                    let markers = Self.rawElements.map { Array("</\($0)>".utf8) }
                    if !markers.contains(where: { MarkdownFences.contains(rest, (1, rest.count), $0) }) { endMarkers = markers }
                } else {
                    untilBlank = !blank
                }
                if !closing, !Self.voidElements.contains(name), open[name] == nil {
                    // Count this line's tags of the name again, now that it is tracked.
                    var depth = 0
                    var position = 0
                    while position < rest.count {
                        if rest[position] == 0x3C {
                            let isClose = position + 1 < rest.count && rest[position + 1] == 0x2F
                            let from = position + (isClose ? 2 : 1)
                            var to = from
                            while to < rest.count, isInfoByte(rest[to]) || rest[to] == 0x3A { to += 1 }
                            if String(decoding: rest[from..<to], as: UTF8.self) == name { depth = isClose ? max(0, depth - 1) : depth + 1 }
                        }
                        position += 1
                    }
                    setDepth(name, depth)
                }
            }
        }
    }
}
