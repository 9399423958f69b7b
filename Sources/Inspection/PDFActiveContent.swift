import AirlockCore

/// Active content in PDF: JavaScript, OpenAction and additional actions (/AA), Launch, form submission and import
/// actions, embedded files, RichMedia and XFA; names are read with their `#xx` escapes decoded (`/J#61vaScript` is
/// `/JavaScript`), and compressed object streams are inflated and walked the same way. An encrypted PDF, or an object
/// stream Airlock cannot decode, is unscannable: its objects cannot be seen.
///
/// A lexer over PDF tokens, not a renderer: strings, comments and ordinary streams (page contents, images, fonts) are
/// skipped, so words inside text never count; every name in every dictionary does.
enum PDFActiveContent {
    struct Findings: Equatable {
        var active: [String] = []
        var unscannable: [String] = []
    }

    /// PDFs up to this size are read and walked.
    static let sizeLimit: Int64 = 64 << 20
    /// Bytes all object streams of one file may inflate to.
    static let inflateLimit: Int64 = 64 << 20
    /// Findings kept per kind.
    static let findingLimit = 5

    static let dangerousNames: [String: String] = [
        "JavaScript": "JavaScript",
        "JS": "JavaScript",
        "Launch": "a Launch action",
        "EmbeddedFile": "an embedded file",
        "EmbeddedFiles": "an embedded file",
        "FileAttachment": "a file attachment annotation",
        "RichMedia": "RichMedia (Flash) content",
        "RichMediaExecute": "RichMedia (Flash) content",
        "XFA": "an XFA form",
        "SubmitForm": "a SubmitForm action",
        "ImportData": "an ImportData action",
        "GoToE": "a GoToE action (into an embedded file)",
        "GoToR": "a GoToR action (opens a remote file)",
        "AA": "additional actions (/AA)",
    ]

    static func findings(in bytes: [UInt8]) -> Findings {
        var walker = Walker()
        bytes.withUnsafeBytes { walker.walk($0, depth: 0) }
        return walker.findings
    }

    private struct Walker {
        var findings = Findings()
        var inflated: Int64 = 0

        mutating func active(_ text: String) {
            if findings.active.count < findingLimit, !findings.active.contains(text) { findings.active.append(text) }
        }

        mutating func unscannable(_ text: String) {
            if findings.unscannable.count < findingLimit, !findings.unscannable.contains(text) { findings.unscannable.append(text) }
        }

        /// Walks tokens; `depth` > 0 inside an inflated object stream.
        mutating func walk(_ bytes: UnsafeRawBufferPointer, depth: Int) {
            let count = bytes.count
            var index = 0
            // Names of the current object's dictionary (since `obj`), and its direct /Length.
            var objectNames: Set<String> = []
            var length: Int?
            var pendingLength = false
            var pendingOpenAction = false
            // Inside an inline OpenAction dictionary: its /S says what it does.
            var openActionDictionary = false
            var pendingActionType = false
            while index < count {
                let byte = bytes[index]
                if isWhitespace(byte) {
                    index += 1
                    continue
                }
                if pendingOpenAction {
                    // `[page /Fit]` is a destination and `n 0 R` points at an object whose action type is checked
                    // where it stands; an inline dictionary is an action run on open.
                    openActionDictionary = byte == UInt8(ascii: "<")
                    pendingOpenAction = false
                }
                switch byte {
                case UInt8(ascii: "%"):
                    while index < count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
                case UInt8(ascii: "("):
                    index = skipLiteralString(bytes, from: index)
                case UInt8(ascii: "<"):
                    if index + 1 < count, bytes[index + 1] == UInt8(ascii: "<") {
                        index += 2
                    } else {
                        while index < count, bytes[index] != UInt8(ascii: ">") { index += 1 }
                        index += 1
                    }
                case UInt8(ascii: "/"):
                    let (name, escaped, end) = readName(bytes, from: index + 1)
                    index = end
                    objectNames.insert(name)
                    pendingLength = name == "Length"
                    if pendingActionType {
                        pendingActionType = false
                        openActionDictionary = false
                        if name != "GoTo" { active("an OpenAction \(name) action") }
                    }
                    if openActionDictionary, name == "S" { pendingActionType = true }
                    if let what = dangerousNames[name] {
                        active(escaped ? "\(what) (name written with #-escapes)" : what)
                    } else if name == "OpenAction" {
                        pendingOpenAction = true
                    } else if name == "Encrypt" {
                        unscannable("the PDF is encrypted: its strings and streams cannot be inspected")
                    }
                    continue
                default:
                    if isDelimiter(byte) {
                        index += 1
                        continue
                    }
                    let start = index
                    while index < count, !isWhitespace(bytes[index]), !isDelimiter(bytes[index]) { index += 1 }
                    let token = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                    if pendingLength {
                        pendingLength = false
                        length = Int(String(decoding: token, as: UTF8.self))
                        // `n g R` is an indirect length: not known here.
                        if length != nil, isIndirectReference(bytes, after: index) { length = nil }
                        continue
                    }
                    if matches(token, "obj") || matches(token, "endobj") {
                        objectNames = []
                        length = nil
                    } else if matches(token, "stream") {
                        index = stream(bytes, keywordEnd: index, names: objectNames, length: length, depth: depth)
                        objectNames = []
                        length = nil
                    }
                }
            }
        }

        /// Handles one stream body; returns the index after `endstream`.
        mutating func stream(_ bytes: UnsafeRawBufferPointer, keywordEnd: Int, names: Set<String>, length: Int?, depth: Int) -> Int {
            var start = keywordEnd
            if start < bytes.count, bytes[start] == 0x0D { start += 1 }
            if start < bytes.count, bytes[start] == 0x0A { start += 1 }
            var end: Int
            if let length, length >= 0, start + length <= bytes.count, followedByEndstream(bytes, at: start + length) {
                end = start + length
            } else {
                end = find(Array("endstream".utf8), in: bytes, from: start) ?? bytes.count
            }
            let after = min(bytes.count, end + 9)
            guard names.contains("ObjStm") else { return after }
            if depth > 0 {
                unscannable("an object stream inside an object stream")
                return after
            }
            let filters = names.filter { $0.hasSuffix("Decode") || $0 == "Fl" || $0 == "Crypt" }
            let body = UnsafeRawBufferPointer(rebasing: bytes[start..<max(start, end)])
            if filters.isEmpty {
                walk(body, depth: depth + 1)
            } else if filters == ["FlateDecode"] || filters == ["Fl"] {
                if names.contains("Predictor") {
                    unscannable("an object stream with a predictor is not decoded")
                    return after
                }
                switch Inflater.inflateAll(body, format: .zlib, limit: inflateLimit - inflated) {
                case .success(let objects):
                    inflated += Int64(objects.count)
                    objects.withUnsafeBytes { walk($0, depth: depth + 1) }
                case .failure(.limitExceeded):
                    unscannable("object streams inflate past \(inflateLimit >> 20) MiB")
                case .failure(let failure):
                    unscannable("an object stream cannot be inflated: \(failure.message)")
                }
            } else {
                unscannable("an object stream with filters \(filters.sorted().joined(separator: ", ")) is not decoded")
            }
            return after
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0C || byte == 0x00
    }

    static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "/"), UInt8(ascii: "%"):
            true
        default:
            false
        }
    }

    /// A name after its `/`: decoded (`#xx`), whether it was escaped, and the index after it.
    static func readName(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (String, Bool, Int) {
        var decoded: [UInt8] = []
        var escaped = false
        var index = start
        while index < bytes.count, !isWhitespace(bytes[index]), !isDelimiter(bytes[index]) {
            if bytes[index] == UInt8(ascii: "#"), index + 2 < bytes.count, let high = Hex.value(ofDigit: bytes[index + 1]), let low = Hex.value(ofDigit: bytes[index + 2]) {
                decoded.append(high << 4 | low)
                escaped = true
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return (String(decoding: decoded, as: UTF8.self), escaped, index)
    }

    /// The index after a literal string that opens at `start` (balanced parentheses, backslash escapes).
    static func skipLiteralString(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var depth = 0
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index += 2
                continue
            case UInt8(ascii: "("):
                depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return index + 1 }
            default:
                break
            }
            index += 1
        }
        return bytes.count
    }

    static func matches(_ token: UnsafeRawBufferPointer, _ keyword: StaticString) -> Bool {
        guard token.count == keyword.utf8CodeUnitCount else { return false }
        let literal = UnsafeRawBufferPointer(start: keyword.utf8Start, count: keyword.utf8CodeUnitCount)
        return token.elementsEqual(literal)
    }

    /// Whether `g R` follows (after the number just read): an indirect reference.
    static func isIndirectReference(_ bytes: UnsafeRawBufferPointer, after index: Int) -> Bool {
        var cursor = index
        func skipSpace() { while cursor < bytes.count, isWhitespace(bytes[cursor]) { cursor += 1 } }
        skipSpace()
        let digits = cursor
        while cursor < bytes.count, bytes[cursor] >= UInt8(ascii: "0"), bytes[cursor] <= UInt8(ascii: "9") { cursor += 1 }
        guard cursor > digits else { return false }
        skipSpace()
        return cursor < bytes.count && bytes[cursor] == UInt8(ascii: "R")
    }

    static func followedByEndstream(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Bool {
        var cursor = index
        while cursor < bytes.count, isWhitespace(bytes[cursor]) { cursor += 1 }
        let keyword = Array("endstream".utf8)
        guard cursor + keyword.count <= bytes.count else { return false }
        return bytes[cursor..<cursor + keyword.count].elementsEqual(keyword)
    }

    static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == first, bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
