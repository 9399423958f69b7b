/// Active content in SVG, HTML and XML: script elements, event-handler attributes, `javascript:` (and `vbscript:`,
/// `data:text/html`) URLs, `foreignObject` and embedding elements, stylesheet processing instructions, and entity
/// declarations (XXE, entity bombs).
///
/// A tolerant tokenizer, not a validating parser: it never expands entities (character references in attribute values
/// are decoded so `&#106;avascript:` is seen for what it is) and never fetches anything. Malformed markup is read as
/// far as it goes; findings are what matters.
enum MarkupActiveContent {
    /// The detected types whose text is walked.
    static let markupTypes: Set<String> = ["image/svg+xml", "text/html", "text/xml", "application/xml", "application/xhtml+xml"]
    static let dangerousElements: Set<String> = [
        "script", "foreignobject", "iframe", "frame", "frameset", "embed", "object", "applet", "handler", "listener", "base", "portal",
    ]
    static let urlAttributes: Set<String> = ["href", "src", "action", "formaction", "data", "from", "to", "values", "by", "background", "poster", "lowsrc", "dynsrc"]

    /// Findings, at most `limit` of them, in document order.
    static func findings(in bytes: [UInt8], limit: Int = 5) -> [String] {
        var findings: [String] = []
        var index = 0
        let count = bytes.count
        func startsWith(_ literal: String, at position: Int, caseInsensitive: Bool = true) -> Bool {
            let utf8 = Array(literal.utf8)
            guard position + utf8.count <= count else { return false }
            for offset in 0..<utf8.count {
                let byte = bytes[position + offset]
                let folded = caseInsensitive && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if folded != utf8[offset] { return false }
            }
            return true
        }
        func skip(past literal: String, from position: Int) -> Int {
            var cursor = position
            while cursor < count {
                if startsWith(literal, at: cursor, caseInsensitive: false) { return cursor + literal.utf8.count }
                cursor += 1
            }
            return count
        }
        while index < count && findings.count < limit {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if startsWith("<!--", at: index) {
                index = skip(past: "-->", from: index + 4)
            } else if startsWith("<![cdata[", at: index) {
                index = skip(past: "]]>", from: index + 9)
            } else if startsWith("<!entity", at: index) {
                findings.append("an XML entity declaration")
                index += 8
            } else if startsWith("<!doctype", at: index) {
                // Internal subsets carry entity declarations: look inside, up to the closing `]>`/`>`.
                let end = skip(past: ">", from: index)
                let subsetEnd = bytes[index..<end].contains(UInt8(ascii: "[")) ? skip(past: "]>", from: index) : end
                if String(decoding: bytes[index..<subsetEnd], as: UTF8.self).lowercased().contains("<!entity") {
                    findings.append("an XML entity declaration in the DOCTYPE")
                }
                if String(decoding: bytes[index..<subsetEnd], as: UTF8.self).lowercased().contains("system") {
                    findings.append("an external DTD reference")
                }
                index = subsetEnd
            } else if startsWith("<?", at: index) {
                let end = skip(past: "?>", from: index)
                if startsWith("<?xml-stylesheet", at: index) { findings.append("an xml-stylesheet processing instruction") }
                index = end
            } else if startsWith("</", at: index) {
                index = skip(past: ">", from: index)
            } else {
                index = tag(bytes, from: index, findings: &findings)
            }
        }
        return Array(findings.prefix(limit))
    }

    /// Reads one start tag from `<`, records what is dangerous in it, returns the index after it.
    private static func tag(_ bytes: [UInt8], from start: Int, findings: inout [String]) -> Int {
        let count = bytes.count
        var index = start + 1
        let nameStart = index
        while index < count, isNameByte(bytes[index]) { index += 1 }
        guard index > nameStart else { return start + 1 }
        let element = localName(String(decoding: bytes[nameStart..<index], as: UTF8.self))
        if dangerousElements.contains(element) { findings.append("a <\(element)> element") }
        // Attributes until `>`.
        while index < count, bytes[index] != UInt8(ascii: ">") {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") || isSpace(byte) {
                index += 1
                continue
            }
            let attributeStart = index
            while index < count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "/") {
                index += 1
            }
            guard index > attributeStart else {
                index += 1
                continue
            }
            let attribute = String(decoding: bytes[attributeStart..<index], as: UTF8.self).lowercased()
            while index < count, isSpace(bytes[index]) { index += 1 }
            var value = ""
            if index < count, bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < count, isSpace(bytes[index]) { index += 1 }
                if index < count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    let valueStart = index + 1
                    index = valueStart
                    while index < count, bytes[index] != quote { index += 1 }
                    value = decodeCharacterReferences(String(decoding: bytes[valueStart..<min(index, count)], as: UTF8.self))
                    index += 1
                } else {
                    let valueStart = index
                    while index < count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">") { index += 1 }
                    value = decodeCharacterReferences(String(decoding: bytes[valueStart..<index], as: UTF8.self))
                }
            }
            let name = localName(attribute)
            if name.hasPrefix("on") && name.count > 2 {
                findings.append("an \(name) event handler on <\(element)>")
            } else if urlAttributes.contains(name) || attribute == "xlink:href", let scheme = dangerousScheme(value) {
                findings.append("a \(scheme) URL in \(attribute) on <\(element)>")
            } else if name == "style", styleIsActive(value) {
                findings.append("script in a style attribute on <\(element)>")
            } else if element == "meta", name == "http-equiv", value.lowercased().contains("refresh") {
                findings.append("a meta refresh")
            }
        }
        return index + 1
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ":")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte >= 0x80
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    /// `svg:script` → `script`, lowercased.
    static func localName(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.split(separator: ":").last.map(String.init) ?? lowered
    }

    /// A URL scheme that runs code, once whitespace and control characters browsers ignore are removed.
    static func dangerousScheme(_ value: String) -> String? {
        let compact = String(value.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }.map(Character.init)).lowercased()
        for scheme in ["javascript:", "vbscript:", "livescript:"] where compact.hasPrefix(scheme) { return String(scheme.dropLast()) }
        if compact.hasPrefix("data:text/html") || compact.hasPrefix("data:image/svg+xml") || compact.hasPrefix("data:application/xhtml") {
            return "data"
        }
        return nil
    }

    static func styleIsActive(_ value: String) -> Bool {
        let compact = String(value.unicodeScalars.filter { $0.value > 0x20 }.map(Character.init)).lowercased()
        return compact.contains("expression(") || compact.contains("javascript:") || compact.contains("-moz-binding") || compact.contains("behavior:")
    }

    /// `&#106;`, `&#x6A;` and the five XML entities, decoded; anything else left as written (never expanded).
    static func decodeCharacterReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") else {
                result.append(character)
                index = text.index(after: index)
                continue
            }
            let body = text[text.index(after: index)..<semicolon]
            var decoded: String?
            switch body.lowercased() {
            case "amp": decoded = "&"
            case "lt": decoded = "<"
            case "gt": decoded = ">"
            case "quot": decoded = "\""
            case "apos": decoded = "'"
            case "colon": decoded = ":"
            case "tab": decoded = "\t"
            case "newline": decoded = "\n"
            default:
                let digits = body.dropFirst()
                let value: UInt32? = body.hasPrefix("#x") || body.hasPrefix("#X") ? UInt32(digits.dropFirst(), radix: 16) : (body.hasPrefix("#") ? UInt32(digits) : nil)
                decoded = value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            }
            if let decoded {
                result += decoded
                index = text.index(after: semicolon)
            } else {
                result.append(character)
                index = text.index(after: index)
            }
        }
        return result
    }
}
