import AirlockCore

/// Active content inside the parts of an OOXML package (DOCX, XLSX, PPTX), judged from what Office reads, not from
/// part names alone:
/// - `[Content_Types].xml`: macro-enabled main parts, VBA projects, ActiveX controls, macro sheets, OLE objects;
/// - relationships (`*.rels`): the same by relationship type, wherever the part is stored and whatever it is named,
///   and every external target except a hyperlink (remote templates, remote images and objects fetched on open);
/// - any XML part: a DOCTYPE or entity declaration (XXE, entity expansion bombs), an XML Schema
///   include/import/redefine or XInclude that a parser would fetch;
/// - WordprocessingML fields: DDE and DDEAUTO field codes, also split across runs;
/// - SpreadsheetML: DDE links (`ddeLink`) and DDE formulas (`=cmd|' /c calc'!A0`).
///
/// A scanner over tags and attributes that never expands an entity and never fetches anything.
enum OOXMLParts {
    /// Parts whose text is judged (XML by name; the rest is binary or media).
    static func isXML(_ partName: String) -> Bool {
        let lowered = partName.lowercased()
        return lowered.hasSuffix(".xml") || lowered.hasSuffix(".rels") || lowered.hasSuffix(".vml")
    }

    /// Content types that carry code or controls.
    static let activeContentTypes: [(fragment: String, what: String)] = [
        ("vbaproject", "a VBA macro project"),
        ("macroenabled", "a macro-enabled document"),
        ("vbadata", "VBA macro data"),
        ("activex", "an ActiveX control"),
        ("macrosheet", "an Excel 4 macro sheet"),
        ("oleobject", "an embedded OLE object"),
        ("ms-office.vbaproject", "a VBA macro project"),
    ]

    /// Relationship types (the last path segment of `Type`) that load code or controls.
    static let activeRelationships: [String: String] = [
        "vbaproject": "a VBA macro project",
        "wordvbadata": "VBA macro data",
        "activexcontrol": "an ActiveX control",
        "activexcontrolbinary": "an ActiveX control",
        "control": "an ActiveX control",
        "oleobject": "an embedded OLE object",
        "xlmacrosheet": "an Excel 4 macro sheet",
        "xlintlmacrosheet": "an Excel 4 macro sheet",
        "keymapcustomizations": "macro key bindings",
        "attachedtoolbars": "macro toolbars",
    ]

    /// Findings for one part, at most `limit`.
    static func findings(partName: String, bytes raw: [UInt8], limit: Int = 5) -> [String] {
        let bytes = utf8(raw)
        var findings: [String] = []
        let lowered = partName.lowercased()
        let label = "part '\(partName)'"
        // Field codes: one buffer per open field (fields nest), and one for instruction text outside any
        // `fldChar begin` (Word still reads it).
        var fields: [String] = []
        var loose = ""
        var inInstruction = false
        var inFormula = false
        var formula = ""
        var scanner = TagScanner(bytes: bytes)
        while let item = scanner.next(), findings.count < limit {
            switch item {
            case .declaration:
                findings.append("\(label) declares a DOCTYPE or entities (XXE, entity expansion)")
            case .text(let text):
                if inInstruction {
                    if fields.isEmpty { loose += text } else { fields[fields.count - 1] += text }
                }
                if inFormula { formula += text }
            case .end(let name):
                if name == "instrtext" { inInstruction = false }
                if name == "f" || name == "definedname" {
                    inFormula = false
                    if isDDEFormula(formula) { findings.append("\(label) holds a DDE formula") }
                    formula = ""
                }
            case .start(let name, let attributes, let selfClosing):
                switch name {
                case "override" where lowered == "[content_types].xml", "default" where lowered == "[content_types].xml":
                    let type = (attributes["contenttype"] ?? "").lowercased()
                    if let match = activeContentTypes.first(where: { type.contains($0.fragment) }) {
                        findings.append("\(match.what) (content type \(type))")
                    }
                case "relationship" where lowered.hasSuffix(".rels"):
                    let type = (attributes["type"] ?? "").lowercased()
                    let kind = type.split(separator: "/").last.map(String.init) ?? type
                    let target = attributes["target"] ?? ""
                    if let what = activeRelationships[kind] {
                        findings.append("\(what) (relationship to '\(target)' in \(partName))")
                    } else if (attributes["targetmode"] ?? "").lowercased().trimmingSpaces(newlines: true) == "external", kind != "hyperlink" {
                        findings.append("an external \(kind) relationship to '\(target)' in \(partName) (fetched when the document opens)")
                    }
                case "instrtext":
                    inInstruction = !selfClosing
                case "fldchar":
                    switch (attributes["fldchartype"] ?? "").lowercased() {
                    case "begin":
                        fields.append("")
                    case "end":
                        if let code = fields.popLast(), isDDEField(code) { findings.append("\(label) holds a DDE field (runs a program when fields update)") }
                    default:
                        break
                    }
                case "fldsimple":
                    if isDDEField(attributes["instr"] ?? "") { findings.append("\(label) holds a DDE field (runs a program when fields update)") }
                case "include", "import", "redefine", "override":
                    // XML Schema and XInclude references that a parser resolves by fetching them (SSRF, XXE).
                    if let reference = attributes["schemalocation"] ?? attributes["href"] {
                        findings.append("\(label) references an external schema or document ('\(reference)')")
                    }
                case "ddelink":
                    findings.append("\(label) holds a DDE link (service '\(attributes["ddeservice"] ?? "")')")
                case "f", "definedname":
                    inFormula = !selfClosing
                default:
                    break
                }
            }
        }
        // Fields left open at the end of the part, and instruction text outside any field.
        for code in fields + [loose] where findings.count < limit && isDDEField(code) {
            findings.append("\(label) holds a DDE field (runs a program when fields update)")
        }
        return Array(findings.prefix(limit))
    }

    /// A field code whose field type (its first word, once the runs of the field are joined: `DD` + `EAUTO` is
    /// `DDEAUTO`) is DDE or DDEAUTO.
    static func isDDEField(_ code: String) -> Bool {
        let first = code.uppercased().split { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\"" || $0 == "\\" }.first
        return first == "DDE" || first == "DDEAUTO"
    }

    /// `service|'topic'!item`: a formula that asks another program (`cmd`, `msexcel`) for data; also the functions
    /// that fetch from the network or call code when the sheet calculates (WEBSERVICE, RTD, CALL, REGISTER, EXEC).
    static func isDDEFormula(_ formula: String) -> Bool {
        let compact = formula.uppercased().filter { !$0.isWhitespace }
        if ["WEBSERVICE(", "RTD(", "CALL(", "REGISTER(", "EXEC("].contains(where: { compact.contains($0) }) { return true }
        guard let bar = formula.firstIndex(of: "|") else { return false }
        return formula[bar...].contains("!")
    }

    /// Whether a part's bytes are XML text (after a byte-order mark and white space, a `<`), whatever the part is
    /// named: Office reads a part by its content type and relationship, not its name.
    static func looksLikeXML(_ raw: [UInt8]) -> Bool {
        utf8(Array(raw.prefix(64))).first { !(($0 == 0x20) || ($0 == 0x09) || ($0 == 0x0A) || ($0 == 0x0D)) } == UInt8(ascii: "<")
    }

    /// The part as UTF-8: UTF-16 (with a byte-order mark, or recognized by its first `<`) transcoded, a UTF-8 mark
    /// dropped.
    static func utf8(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(bytes.dropFirst(3)) }
        var littleEndian: Bool
        var body = bytes[...]
        if bytes.starts(with: [0xFF, 0xFE]) {
            littleEndian = true
            body = bytes.dropFirst(2)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            littleEndian = false
            body = bytes.dropFirst(2)
        } else if bytes.count >= 2, bytes[0] == 0x3C, bytes[1] == 0 {
            littleEndian = true
        } else if bytes.count >= 2, bytes[0] == 0, bytes[1] == 0x3C {
            littleEndian = false
        } else {
            return bytes
        }
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index + 1 < body.endIndex {
            let first = UInt16(body[index])
            let second = UInt16(body[index + 1])
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
            index += 2
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }

    /// Start tags with their attributes (names lowercased, prefixes dropped), end tags, text, and DOCTYPE/ENTITY
    /// declarations; comments, CDATA and processing instructions are skipped.
    struct TagScanner {
        enum Item {
            case start(String, [String: String], selfClosing: Bool)
            case end(String)
            case text(String)
            case declaration
        }

        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func next() -> Item? {
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    let start = index
                    while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                    // Character references are text (`&#68;DEAUTO` is `DDEAUTO`).
                    return .text(decodeEntities(String(decoding: bytes[start..<index], as: UTF8.self)))
                }
                if starts(with: "<!--") {
                    index = position(after: "-->", from: index + 4)
                } else if starts(with: "<![CDATA[") {
                    // CDATA is text too, read as written.
                    let start = index + 9
                    index = position(after: "]]>", from: start)
                    return .text(String(decoding: bytes[start..<max(start, index - 3)], as: UTF8.self))
                } else if starts(with: "<!") {
                    // <!DOCTYPE, <!ENTITY, and any other markup declaration.
                    index = position(after: ">", from: index + 2)
                    return .declaration
                } else if starts(with: "<?") {
                    index = position(after: "?>", from: index + 2)
                } else if starts(with: "</") {
                    let nameStart = index + 2
                    index = nameStart
                    while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                    let name = localName(bytes[nameStart..<index])
                    index = position(after: ">", from: index)
                    return .end(name)
                } else {
                    return startTag()
                }
            }
            return nil
        }

        private mutating func startTag() -> Item {
            index += 1
            let nameStart = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            let name = localName(bytes[nameStart..<index])
            var attributes: [String: String] = [:]
            var selfClosing = false
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") {
                    selfClosing = true
                    index += 1
                    continue
                }
                guard isNameByte(byte) else {
                    index += 1
                    continue
                }
                selfClosing = false
                let attributeStart = index
                while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                let attribute = localName(bytes[attributeStart..<index])
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
                index += 1
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else { continue }
                let quote = bytes[index]
                let valueStart = index + 1
                index = valueStart
                while index < bytes.count, bytes[index] != quote { index += 1 }
                attributes[attribute] = decodeEntities(String(decoding: bytes[valueStart..<min(index, bytes.count)], as: UTF8.self))
                index += 1
            }
            index += 1
            return .start(name, attributes, selfClosing: selfClosing)
        }

        private func starts(with literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let pattern = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            for offset in 0..<count {
                var byte = bytes[index + offset]
                if byte >= 0x61 && byte <= 0x7A { byte -= 0x20 }
                var expected = pattern[offset]
                if expected >= 0x61 && expected <= 0x7A { expected -= 0x20 }
                if byte != expected { return false }
            }
            return true
        }

        /// The index after the first `literal` at or after `start`, or the end.
        private func position(after literal: StaticString, from start: Int) -> Int {
            let count = literal.utf8CodeUnitCount
            let pattern = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            var cursor = start
            while cursor + count <= bytes.count {
                if bytes[cursor] == pattern[0], (0..<count).allSatisfy({ bytes[cursor + $0] == pattern[$0] }) { return cursor + count }
                cursor += 1
            }
            return bytes.count
        }

        private func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte >= 0x80
        }

        private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        /// `w:instrText` → `instrtext`.
        private func localName(_ raw: ArraySlice<UInt8>) -> String {
            let name = String(decoding: raw, as: UTF8.self).lowercased()
            return name.split(separator: ":").last.map(String.init) ?? name
        }

        /// The five XML entities and numeric character references; anything else is left as written.
        private func decodeEntities(_ text: String) -> String {
            guard text.contains("&") else { return text }
            var result = ""
            var rest = Substring(text)
            while let ampersand = rest.firstIndex(of: "&") {
                result += rest[..<ampersand]
                let after = rest[rest.index(after: ampersand)...]
                guard let semicolon = after.prefix(10).firstIndex(of: ";") else {
                    result.append("&")
                    rest = after
                    continue
                }
                let body = after[..<semicolon]
                var decoded: String?
                switch body {
                case "amp": decoded = "&"
                case "lt": decoded = "<"
                case "gt": decoded = ">"
                case "quot": decoded = "\""
                case "apos": decoded = "'"
                default:
                    let value: UInt32? =
                        body.hasPrefix("#x") || body.hasPrefix("#X") ? UInt32(body.dropFirst(2), radix: 16) : body.hasPrefix("#") ? UInt32(body.dropFirst()) : nil
                    decoded = value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                }
                if let decoded {
                    result += decoded
                    rest = after[after.index(after: semicolon)...]
                } else {
                    result.append("&")
                    rest = after
                }
            }
            return result + rest
        }
    }
}
