/// Other readings of a Markdown file, as a renderer rewrites it before it reads its blocks: each is judged like the
/// text itself (``TextActiveContent``).
enum MarkdownReadings {
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
}
