/// A parsed XML element: enough of XML for S3's response documents (elements, text, entities, CDATA).
///
/// S3 answers with small documents in its own namespace; namespaces are kept in names only as written (`ListBucketResult`),
/// attributes are read past, and a DOCTYPE is refused (no entity definitions, no external entities).
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var children: [XMLElement]
    /// The element's own character data (text and CDATA, entities decoded), concatenated.
    public var text: String

    public init(name: String, children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.children = children
        self.text = text
    }

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child named `name`.
    public func children(_ name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first child named `name`.
    public func value(_ name: String) -> String? {
        child(name)?.text
    }
}

/// Why a document could not be parsed.
public struct XMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A small, strict, non-validating XML parser.
public enum XMLParser {
    /// Parses a document and returns its root element.
    public static func parse(_ bytes: [UInt8]) throws(XMLParseError) -> XMLElement {
        var reader = Reader(bytes: bytes)
        return try reader.document()
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }

        func fail(_ message: String) -> XMLParseError {
            XMLParseError(message: message, offset: position)
        }

        var atEnd: Bool { position >= bytes.count }

        func peek(_ literal: String) -> Bool {
            let utf8 = Array(literal.utf8)
            return position + utf8.count <= bytes.count && bytes[position..<(position + utf8.count)].elementsEqual(utf8)
        }

        mutating func skipWhitespace() {
            while !atEnd, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func skip(past literal: String) throws(XMLParseError) {
            let utf8 = Array(literal.utf8)
            while position + utf8.count <= bytes.count {
                if bytes[position..<(position + utf8.count)].elementsEqual(utf8) {
                    position += utf8.count
                    return
                }
                position += 1
            }
            throw fail("unterminated construct, expected '\(literal)'")
        }

        /// Prolog, comments and processing instructions, one root element, trailing misc.
        mutating func document() throws(XMLParseError) -> XMLElement {
            try skipMisc()
            guard peek("<"), !peek("</") else { throw fail("no root element") }
            let root = try element()
            try skipMisc()
            guard atEnd else { throw fail("content after the root element") }
            return root
        }

        mutating func skipMisc() throws(XMLParseError) {
            while true {
                skipWhitespace()
                if peek("<?") {
                    try skip(past: "?>")
                } else if peek("<!--") {
                    try skip(past: "-->")
                } else if peek("<!DOCTYPE") || peek("<!doctype") {
                    throw fail("DOCTYPE is not allowed")
                } else {
                    return
                }
            }
        }

        mutating func name() throws(XMLParseError) -> String {
            let start = position
            while !atEnd {
                let byte = bytes[position]
                if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") || [0x20, 0x09, 0x0A, 0x0D].contains(byte) {
                    break
                }
                position += 1
            }
            guard position > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func element() throws(XMLParseError) -> XMLElement {
            depth += 1
            defer { depth -= 1 }
            guard depth <= 64 else { throw fail("elements nested too deeply") }
            position += 1  // <
            let elementName = try name()
            // Attributes: name="value" or name='value', read past.
            while true {
                skipWhitespace()
                guard !atEnd else { throw fail("unterminated start tag") }
                if peek("/>") {
                    position += 2
                    return XMLElement(name: elementName)
                }
                if peek(">") {
                    position += 1
                    break
                }
                _ = try name()
                skipWhitespace()
                guard peek("=") else { throw fail("expected '=' in an attribute") }
                position += 1
                skipWhitespace()
                guard !atEnd, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                    throw fail("expected a quoted attribute value")
                }
                let quote = bytes[position]
                position += 1
                while !atEnd, bytes[position] != quote { position += 1 }
                guard !atEnd else { throw fail("unterminated attribute value") }
                position += 1
            }
            var children: [XMLElement] = []
            var text: [UInt8] = []
            while true {
                guard !atEnd else { throw fail("unterminated element '\(elementName)'") }
                if peek("</") {
                    position += 2
                    let closing = try name()
                    guard closing == elementName else { throw fail("'</\(closing)>' closes '<\(elementName)>'") }
                    skipWhitespace()
                    guard peek(">") else { throw fail("unterminated end tag") }
                    position += 1
                    return XMLElement(name: elementName, children: children, text: String(decoding: text, as: UTF8.self))
                } else if peek("<!--") {
                    try skip(past: "-->")
                } else if peek("<![CDATA[") {
                    position += 9
                    let start = position
                    try skip(past: "]]>")
                    text.append(contentsOf: bytes[start..<(position - 3)])
                } else if peek("<?") {
                    try skip(past: "?>")
                } else if peek("<!") {
                    throw fail("markup declarations are not allowed")
                } else if peek("<") {
                    children.append(try element())
                } else if peek("&") {
                    try entity(into: &text)
                } else {
                    text.append(bytes[position])
                    position += 1
                }
            }
        }

        mutating func entity(into text: inout [UInt8]) throws(XMLParseError) {
            let start = position
            while !atEnd, bytes[position] != UInt8(ascii: ";"), position - start < 12 { position += 1 }
            guard !atEnd, bytes[position] == UInt8(ascii: ";") else { throw fail("unterminated entity") }
            let body = String(decoding: bytes[(start + 1)..<position], as: UTF8.self)
            position += 1
            switch body {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                var scalarValue: UInt32?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    scalarValue = UInt32(body.dropFirst(2), radix: 16)
                } else if body.hasPrefix("#") {
                    scalarValue = UInt32(body.dropFirst(), radix: 10)
                }
                guard let value = scalarValue, let scalar = Unicode.Scalar(value) else {
                    throw fail("unknown entity '&\(body);'")
                }
                text.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
        }
    }
}

/// Builds small XML request bodies (CompleteMultipartUpload, CORS, lifecycle) with escaped text.
struct XMLWriter {
    private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"#

    mutating func open(_ name: String, namespace: String? = nil) {
        text += namespace.map { "<\(name) xmlns=\"\($0)\">" } ?? "<\(name)>"
    }

    mutating func close(_ name: String) {
        text += "</\(name)>"
    }

    mutating func element(_ name: String, _ value: String) {
        text += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    var bytes: [UInt8] { Array(text.utf8) }
}
