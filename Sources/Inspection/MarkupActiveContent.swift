/// Active content in SVG, HTML and XML, judged against an allow-list for SVG and with HTML/XML rules elsewhere.
///
/// - SVG elements and attributes must be ones an SVG sanitizer keeps (`svgElements`, `svgAttributes`); anything else
///   is named as a finding. Attributes in editor namespaces (Inkscape, Sodipodi, RDF, Dublin Core, …) are inert;
///   attributes in the XLink, XHTML, SVG and XML Events namespaces are judged.
/// - Everywhere: script-running or embedding elements (`activeElements`, in any namespace), event-handler
///   attributes, SMIL animations aimed at handlers or links, XML Events, XSLT, XInclude, entity declarations,
///   internal DTD subsets, external DTDs, `xml-stylesheet`, PHP processing instructions, CSS with `@import`,
///   `expression(`, `-moz-binding`, `behavior` or a `url()` with a scheme outside the allow-list, and `<link>`
///   elements that apply what they fetch (`stylesheet`, `import`, `prerender`): remote CSS is refused however it is
///   asked for, since Airlock never sees it (docs/inspection.md, "Remote CSS").
/// - URLs: `http`, `https`, a same-document `#fragment` or a `data:` raster image (PNG, JPEG, GIF, WebP). Links
///   that are only followed (`<a href>`, forms, everything in HTML and generic XML) may also be relative or
///   `mailto:`/`tel:`; in SVG, anything that loads a resource must be absolute http(s), since server-side
///   converters resolve relative references to local files, and `<use>` may only point inside the document.
///
/// A tolerant tokenizer, not a validating parser, linear in the input: it never expands entities (character
/// references in attribute values are decoded so `&#106;avascript:` is seen for what it is), never fetches
/// anything, and where it cannot tell (an unterminated comment, DOCTYPE or CDATA section, absurd nesting) it reports
/// that instead of guessing. UTF-16 and UTF-32 input is transcoded first.
enum MarkupActiveContent {
    /// The detected types whose text is walked.
    static let markupTypes: Set<String> = ["image/svg+xml", "text/html", "text/xml", "application/xml", "application/xhtml+xml"]

    /// Findings, at most `limit` of them, in document order; empty when nothing active was found.
    static func findings(in bytes: [UInt8], limit: Int = 5) -> [String] {
        scan(bytes, limit: limit).findings
    }

    /// A file typed `image/svg+xml` must be an SVG image: its root element `svg` in the SVG namespace. Another root
    /// (an XHTML page, MathML, an unknown element) is another kind of document to a browser that opens it, outside
    /// the SVG allow-list (the reason, or nil).
    static func svgRootProblem(in bytes: [UInt8]) -> String? {
        guard let root = scan(bytes, limit: 1).root else { return "no root element" }
        if root.local == "svg", root.space == .svg { return nil }
        let space = root.space == .svg ? "SVG" : root.space == .html ? "XHTML" : "another"
        return "its root element is <\(root.qualifiedName)> (\(space) namespace), not <svg> in the SVG namespace"
    }

    private static func scan(_ bytes: [UInt8], limit: Int) -> (findings: [String], root: MarkupScanner.Frame?) {
        guard limit > 0 else { return ([], nil) }
        let text = utf8Text(bytes)
        var scanner = MarkupScanner(bytes: text, limit: limit, insideCDATA: false)
        scanner.run()
        if scanner.findings.count < limit, let shift = text.first(where: { $0 == 0x1B || $0 == 0x0E || $0 == 0x0F }) {
            // ISO-2022's escape and shift bytes, which XML does not allow: a decoder of a charset a server names
            // (Apache's `.jis`) drops them, and markup Airlock reads split (`java ESC(B script:`) is whole there.
            let code = shift == 0x1B ? "001B" : shift == 0x0E ? "000E" : "000F"
            return (scanner.findings + ["the character-set switch U+\(code) in markup (another character set reads it differently)"], scanner.root)
        }
        if let encoding = declaredEncoding(text), !readableEncodings.contains(encoding), scanner.findings.count < limit {
            // Airlock reads the bytes as UTF-8 (or UTF-16/32 by their marks); a decoder that honours another
            // declared encoding (ISO-2022-JP, UTF-7, EBCDIC) may see different markup.
            return (scanner.findings + ["an XML declaration with encoding '\(encoding)' (not read as declared)"], scanner.root)
        }
        return (scanner.findings, scanner.root)
    }

    /// Encodings whose markup characters are the bytes Airlock reads.
    static let readableEncodings: Set<String> = [
        "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "utf-32", "us-ascii", "ascii", "iso-8859-1", "latin1", "windows-1252",
    ]

    /// What ``declaredEncoding(_:)`` gives for a declaration Airlock cannot read whole.
    static let unreadableDeclaration = "(a declaration Airlock cannot read)"

    /// The `encoding` of a leading XML declaration, lowercased, read with XML's grammar (white space is space, tab,
    /// CR and LF, also around `=`; the declaration may be any length): attack round 9 hid `encoding=` + line break +
    /// `"UTF-7"` from a reading that allowed only spaces and tabs in its first 256 bytes, and libxml2 decoded UTF-7.
    /// ``unreadableDeclaration`` when a declaration starts but is not one Airlock can read to its `?>` (a reader may
    /// still take an encoding from it), or names two different encodings; nil without a declaration or an encoding.
    static func declaredEncoding(_ text: [UInt8]) -> String? {
        guard let declaration = xmlDeclaration(text) else { return nil }
        return declaration.readable ? declaration.encoding : unreadableDeclaration
    }

    /// A leading XML declaration read with XML's grammar: its encoding (lowercased) and where that pseudo-attribute's
    /// name starts, and whether it was read whole to its `?>` naming at most one encoding; nil without a declaration.
    static func xmlDeclaration(_ text: [UInt8]) -> (encoding: String?, encodingAt: Int?, readable: Bool)? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard text.starts(with: Array("<?xml".utf8)), text.count > 5, isSpace(text[5]) else { return nil }
        var index = 5
        var encoding: String?
        var encodingAt: Int?
        while true {
            while index < text.count, isSpace(text[index]) { index += 1 }
            guard index < text.count else { return (encoding, encodingAt, false) }
            if text[index] == 0x3F { return (encoding, encodingAt, index + 1 < text.count && text[index + 1] == 0x3E) }
            let nameStart = index
            while index < text.count, text[index] | 0x20 >= 0x61 && text[index] | 0x20 <= 0x7A { index += 1 }
            let name = String(decoding: text[nameStart..<index], as: UTF8.self)
            while index < text.count, isSpace(text[index]) { index += 1 }
            guard !name.isEmpty, index < text.count, text[index] == 0x3D else { return (encoding, encodingAt, false) }
            index += 1
            while index < text.count, isSpace(text[index]) { index += 1 }
            guard index < text.count, text[index] == 0x22 || text[index] == 0x27 else { return (encoding, encodingAt, false) }
            let quote = text[index]
            let valueStart = index + 1
            guard let valueEnd = text[valueStart...].firstIndex(of: quote) else { return (encoding, encodingAt, false) }
            index = valueEnd + 1
            guard name == "encoding" else { continue }
            let value = String(decoding: text[valueStart..<valueEnd], as: UTF8.self).lowercased()
            if let encoding, encoding != value { return (encoding, encodingAt, false) }
            encoding = value
            encodingAt = encodingAt ?? nameStart
        }
    }

    /// Where a URL may point.
    enum URLContext: Sendable {
        /// Followed on a click or submit: also relative references, `mailto:` and `tel:`.
        case navigation
        /// Loaded: http(s), `#fragment` or a raster `data:` image.
        case resource
        /// `<use>`: a `#fragment` only.
        case fragmentOnly
    }

    /// What is wrong with a URL in `context` ("javascript URL", "data URL (text/html)", "relative URL"), or nil.
    /// Whitespace, control and invisible characters are removed first, as browsers do inside schemes.
    static func urlProblem(_ value: String, context: URLContext) -> String? {
        let written = String(String.UnicodeScalarView(value.unicodeScalars.filter { !isIgnorableInURL($0) }))
        let compact = written.lowercased()
        if compact.isEmpty { return nil }
        if compact.hasPrefix("#") { return nil }
        if context == .fragmentOnly { return "reference outside the document" }
        guard let scheme = scheme(of: compact) else {
            // A backslash path is a UNC path to a converter on Windows (`\\host\share`, `/\host`): SMB, NTLM.
            if compact.hasPrefix("\\\\") || compact.hasPrefix("/\\") || compact.hasPrefix("\\/") { return "UNC path" }
            // A protocol-relative reference takes the document's scheme: http(s) in a served page, but `file://host/…`
            // (a UNC path on Windows) in a saved file or a converter's input. Loaded, it is refused like any relative one.
            if compact.hasPrefix("//") { return context == .navigation ? nil : "protocol-relative URL" }
            return context == .navigation ? nil : "relative URL"
        }
        switch scheme {
        case "http", "https":
            return nil
        case "data":
            let type = dataMediaType(compact)
            guard rasterDataTypes.contains(type) else { return "data URL (\(type.isEmpty ? "text/plain" : type))" }
            return dataBytesMatch(written, type: type) ? nil : "data URL (\(type)) whose bytes are not that image type"
        case "mailto", "tel":
            return context == .navigation ? nil : "\(scheme) URL"
        default:
            return "\(scheme) URL"
        }
    }

    /// The scheme of a URL outside the allow-list, by name ("javascript", "data", "file"), or nil when the URL is
    /// allowed as a link (relative references included).
    static func dangerousScheme(_ value: String) -> String? {
        guard urlProblem(value, context: .navigation) != nil else { return nil }
        let compact = String(String.UnicodeScalarView(value.unicodeScalars.filter { !isIgnorableInURL($0) })).lowercased()
        return scheme(of: compact)
    }

    /// Characters browsers drop inside a URL scheme, plus invisible ones a scheme cannot hold anyway.
    static func isIgnorableInURL(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value <= 0x20 || value == 0x7F || (0x80...0xA0).contains(value) || value == 0xAD
            || (0x200B...0x200F).contains(value) || (0x2028...0x202E).contains(value) || (0x2060...0x2064).contains(value)
            || value == 0xFEFF
    }

    /// `javascript` for `javascript:…`; nil when what precedes the first `:` is not a scheme (a path, a port, …).
    static func scheme(of compact: String) -> String? {
        var scheme = ""
        for scalar in compact.unicodeScalars {
            if scalar == ":" { return scheme.isEmpty ? nil : scheme }
            let isLetter = (scalar >= "a" && scalar <= "z")
            let isOther = (scalar >= "0" && scalar <= "9") || scalar == "+" || scalar == "-" || scalar == "."
            guard isLetter || (isOther && !scheme.isEmpty) else { return nil }
            scheme.unicodeScalars.append(scalar)
        }
        return nil
    }

    /// Whether a raster `data:` URL's bytes start with its type's signature (or, cut short, with part of it): a
    /// consumer that sniffs the format (LibreOffice) reads an SVG labelled `image/png` as SVG and follows its links
    /// (attack round 16). The bytes are read as every reader reads them: percent-decoded, then base64 when the header
    /// ends with `;base64`; a header that names base64 anywhere else is refused, since readers differ on it.
    static func dataBytesMatch(_ url: String, type: String) -> Bool {
        let scalars = Array(url.unicodeScalars.dropFirst(5))
        guard let comma = scalars.firstIndex(of: ",") else { return false }
        let header = String(String.UnicodeScalarView(scalars[..<comma])).lowercased()
        let base64 = header.hasSuffix(";base64")
        if !base64 && header.contains("base64") { return false }
        // Percent-decoded: the first bytes are enough.
        var bytes: [UInt8] = []
        var index = comma + 1
        while index < scalars.count, bytes.count < 64 {
            let scalar = scalars[index]
            if scalar == "%", index + 2 < scalars.count, let high = hexDigit(scalars[index + 1]), let low = hexDigit(scalars[index + 2]) {
                bytes.append(UInt8(high << 4 | low))
                index += 3
                continue
            }
            guard scalar.isASCII else { return false }
            bytes.append(UInt8(scalar.value))
            index += 1
        }
        if base64 {
            guard let decoded = base64Decoded(bytes) else { return false }
            bytes = decoded
        }
        let wanted = type == "image/jpg" || type == "image/pjpeg" ? "image/jpeg" : type
        return PictureContent.rasterSignatures.contains { $0.type == wanted && PictureContent.starts(bytes, with: $0.signature, cutShort: true) }
    }

    /// Base64 (standard or URL alphabet) to its `=` or end, or nil at any other byte. `skippingBlanks` drops white space
    /// first (XML text wraps its base64 over lines).
    static func base64Decoded(_ bytes: [UInt8], skippingBlanks: Bool = false) -> [UInt8]? {
        var decoded: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            if skippingBlanks, [0x20, 0x09, 0x0A, 0x0D].contains(byte) { continue }
            if byte == UInt8(ascii: "=") { break }
            guard let value = base64Value(byte) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                decoded.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return decoded
    }

    private static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - 0x41
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 0x61 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 0x30 + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }

    /// `image/png` for `data:image/png;base64,…`.
    static func dataMediaType(_ compact: String) -> String {
        var type = ""
        for character in compact.dropFirst(5) {
            if character == ";" || character == "," { break }
            type.append(character)
        }
        return type
    }

    /// `&#106;`, `&#x6A;` (with or without `;`, any number of leading zeros), the XML entities and the few HTML named
    /// references that spell URL punctuation, decoded; anything else left as written (never expanded).
    static func decodeCharacterReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "&", index + 1 < scalars.count else {
                result.append(scalar)
                index += 1
                continue
            }
            if scalars[index + 1] == "#" {
                var cursor = index + 2
                let hex = cursor < scalars.count && (scalars[cursor] == "x" || scalars[cursor] == "X")
                if hex { cursor += 1 }
                var value: UInt32 = 0
                let digitsStart = cursor
                while cursor < scalars.count, let digit = hexDigit(scalars[cursor]), hex || digit < 10 {
                    value = min(value &* (hex ? 16 : 10) &+ digit, 0x110000)
                    cursor += 1
                }
                if cursor > digitsStart {
                    if cursor < scalars.count, scalars[cursor] == ";" { cursor += 1 }
                    result.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                    index = cursor
                    continue
                }
            } else {
                var cursor = index + 1
                var name = ""
                while cursor < scalars.count, cursor - index <= 10, scalars[cursor].properties.isAlphabetic {
                    name.unicodeScalars.append(scalars[cursor])
                    cursor += 1
                }
                if cursor < scalars.count, scalars[cursor] == ";", let decoded = namedReferences[name.lowercased()] {
                    result.append(decoded)
                    index = cursor + 1
                    continue
                }
            }
            result.append(scalar)
            index += 1
        }
        return String(result)
    }

    static let namedReferences: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "colon": ":", "tab": "\t", "newline": "\n",
        "sol": "/", "bsol": "\\", "period": ".", "lpar": "(", "rpar": ")", "num": "#", "semi": ";", "comma": ",",
        "equals": "=", "plus": "+", "percnt": "%", "excl": "!", "quest": "?", "commat": "@", "nbsp": "\u{A0}",
    ]

    static func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": return scalar.value - 0x30
        case "a"..."f": return scalar.value - 0x61 + 10
        case "A"..."F": return scalar.value - 0x41 + 10
        default: return nil
        }
    }

    /// Link relations that make a browser fetch the target when the page renders.
    static let fetchingRelations: Set<String> = [
        "stylesheet", "import", "preload", "prefetch", "modulepreload", "prerender", "preconnect", "dns-prefetch", "icon",
        "manifest", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon", "serviceworker",
    ]

    /// Link relations whose target is applied or run, not only fetched: a stylesheet (remote CSS, like `@import`),
    /// an HTML import (ran its scripts) and a prerendered page (runs its scripts).
    static let appliedRelations: Set<String> = ["stylesheet", "import", "prerender"]

    /// The first token of a `<link>`'s `rel` (character references decoded, any case) that is in `relations`, when
    /// the link also has an `href` or `imagesrcset` with a value; nil otherwise.
    static func linkRelation(_ tag: StartTag, in relations: Set<String>) -> String? {
        guard tag.attributes.contains(where: { ["href", "imagesrcset"].contains(localName($0.name)) && $0.hasValue }) else { return nil }
        for attribute in tag.attributes where localName(attribute.name) == "rel" && attribute.hasValue {
            let value = decodeCharacterReferences(attribute.value).lowercased()
            let tokens = value.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            if let token = tokens.first(where: { relations.contains($0) }) { return token }
        }
        return nil
    }

    /// What makes a piece of CSS active: `@import`, `expression(`, `-moz-binding`, `behavior`, script URLs, and any
    /// `url()` outside the allow-list for `context`. CSS escapes and comments are undone first.
    static func cssProblems(_ css: String, context: URLContext) -> [String] {
        let decoded = decodeCSS(decodeCharacterReferences(css))
        let compact = String(String.UnicodeScalarView(decoded.lowercased().unicodeScalars.filter { $0.value > 0x20 }))
        var problems: [String] = []
        if compact.contains("@import") { problems.append("an @import rule") }
        if compact.contains("expression(") { problems.append("a CSS expression()") }
        if compact.contains("-moz-binding") { problems.append("a -moz-binding") }
        if compact.contains("behavior:") || compact.contains("behaviour:") { problems.append("a CSS behavior") }
        if compact.contains("javascript:") || compact.contains("vbscript:") { problems.append("a script URL") }
        // Every url( … ) argument, as written (a `data:` URL's base64 is read as it stands), found ASCII
        // case-insensitively as CSS names are.
        let written = Array(decoded.unicodeScalars.filter { $0.value > 0x20 })
        let folded = written.map { $0.value >= 0x41 && $0.value <= 0x5A ? Unicode.Scalar($0.value | 0x20)! : $0 }
        func find(_ needle: String, from start: Int) -> Int? {
            let needle = Array(needle.unicodeScalars)
            guard folded.count >= needle.count, start <= folded.count - needle.count else { return nil }
            return (start...(folded.count - needle.count)).first { folded[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        var position = 0
        while let start = find("url(", from: position) {
            let open = start + 4
            let close = folded[open...].firstIndex(of: ")") ?? folded.count
            var range = open..<close
            if open < close, written[open] == "\"" || written[open] == "'" {
                let quote = written[open]
                range = (open + 1)..<(written[(open + 1)..<close].firstIndex(of: quote) ?? close)
            }
            let url = String(String.UnicodeScalarView(written[range]))
            if let problem = urlProblem(url, context: context), !isEmbeddedFont(url) { problems.append("a \(problem) in url()") }
            position = close
        }
        // Bare strings that are URLs too: `image-set("x.png" 1x)` (and `-webkit-image-set`), CSS Images 4's `src("…")`.
        for function in ["image-set(", "src("] {
            position = 0
            while let start = find(function, from: position) {
                var depth = 1
                var cursor = start + function.unicodeScalars.count
                var quote: Unicode.Scalar?
                var literal = String.UnicodeScalarView()
                while cursor < written.count, depth > 0 {
                    let character = written[cursor]
                    if let open = quote {
                        if character == open {
                            quote = nil
                            let url = String(literal)
                            if let problem = urlProblem(url, context: context), !isEmbeddedFont(url) {
                                problems.append("a \(problem) in \(function)…)")
                            }
                            literal = String.UnicodeScalarView()
                        } else {
                            literal.append(character)
                        }
                    } else if character == "\"" || character == "'" {
                        quote = character
                    } else if character == "(" {
                        depth += 1
                    } else if character == ")" {
                        depth -= 1
                    }
                    cursor += 1
                }
                position = cursor
            }
        }
        return problems
    }

    /// A `data:` font (`@font-face { src: url(data:font/woff2;…) }`, as editors embed them): inert, allowed in CSS.
    static func isEmbeddedFont(_ url: String) -> Bool {
        let compact = String(String.UnicodeScalarView(url.unicodeScalars.filter { !isIgnorableInURL($0) })).lowercased()
        guard compact.hasPrefix("data:") else { return false }
        return fontDataTypes.contains(dataMediaType(compact))
    }

    /// CSS with comments removed and backslash escapes (`\75 rl(`, `\:`) decoded.
    static func decodeCSS(_ css: String) -> String {
        let scalars = Array(css.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                index += 2
                while index < scalars.count, !(scalars[index] == "*" && index + 1 < scalars.count && scalars[index + 1] == "/") { index += 1 }
                index += 2
                continue
            }
            if scalar == "\\", index + 1 < scalars.count {
                var cursor = index + 1
                var value: UInt32 = 0
                while cursor < scalars.count, cursor - index <= 6, let digit = hexDigit(scalars[cursor]) {
                    value = value * 16 + digit
                    cursor += 1
                }
                if cursor > index + 1 {
                    if cursor < scalars.count, scalars[cursor] == " " || scalars[cursor] == "\t" || scalars[cursor] == "\n" { cursor += 1 }
                    result.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                    index = cursor
                } else if scalars[cursor] == "\n" {
                    index = cursor + 1  // an escaped newline continues the line
                } else {
                    result.append(scalars[cursor])
                    index = cursor + 1
                }
                continue
            }
            result.append(scalar)
            index += 1
        }
        return String(result)
    }

    /// The input as UTF-8: UTF-16 and UTF-32 (by byte-order mark, or by the NUL pattern of a leading `<`) are
    /// transcoded so a `<script>` spelled in wide characters is seen; anything else is passed through.
    static func utf8Text(_ bytes: [UInt8]) -> [UInt8] {
        func at(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
        enum Wide { case utf16(bigEndian: Bool, skip: Int), utf32(bigEndian: Bool, skip: Int) }
        let wide: Wide?
        switch (at(0), at(1), at(2), at(3)) {
        case (0x00, 0x00, 0xFE, 0xFF): wide = .utf32(bigEndian: true, skip: 4)
        case (0xFF, 0xFE, 0x00, 0x00): wide = .utf32(bigEndian: false, skip: 4)
        case (0xFE, 0xFF, _, _): wide = .utf16(bigEndian: true, skip: 2)
        case (0xFF, 0xFE, _, _): wide = .utf16(bigEndian: false, skip: 2)
        case (0x00, 0x00, 0x00, 0x3C): wide = .utf32(bigEndian: true, skip: 0)
        case (0x3C, 0x00, 0x00, 0x00): wide = .utf32(bigEndian: false, skip: 0)
        case (0x00, 0x3C, _, _): wide = .utf16(bigEndian: true, skip: 0)
        case (0x3C, 0x00, _, _): wide = .utf16(bigEndian: false, skip: 0)
        default: wide = nil
        }
        guard let wide else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        func append(_ value: UInt32) {
            let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
            output.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        switch wide {
        case .utf32(let bigEndian, let skip):
            var index = skip
            while index + 3 < bytes.count {
                let b = (UInt32(bytes[index]), UInt32(bytes[index + 1]), UInt32(bytes[index + 2]), UInt32(bytes[index + 3]))
                append(bigEndian ? b.0 << 24 | b.1 << 16 | b.2 << 8 | b.3 : b.3 << 24 | b.2 << 16 | b.1 << 8 | b.0)
                index += 4
            }
        case .utf16(let bigEndian, let skip):
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var index = skip
            while index + 1 < bytes.count {
                let (high, low) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
                units.append(bigEndian ? high << 8 | low : low << 8 | high)
                index += 2
            }
            for scalar in String(decoding: units, as: UTF16.self).unicodeScalars { append(scalar.value) }
        }
        return output
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ":")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte >= 0x80
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    /// `svg:script` → `script`, lowercased.
    static func localName(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? lowered
    }

    /// One attribute of a start tag: its name as written, its value with character references decoded.
    struct Attribute: Sendable {
        var name: String
        var value: String
        var hasValue: Bool
    }

    /// One start tag read from its `<`: the name as written, its attributes, whether it closes itself, and the index
    /// just past its `>` (the end of the input when there is none).
    struct StartTag: Sendable {
        var name: String
        var attributes: [Attribute]
        var selfClosing: Bool
        var end: Int
    }

    /// Reads the start tag at `start` (`bytes[start] == "<"`, a name byte after it). HTML's rules: `/` separates
    /// attributes, unquoted values end at whitespace or `>`, a quoted value runs to its closing quote.
    /// - Parameter limit: Bytes at and after this index are not read (the tag ends there).
    static func readStartTag(_ bytes: [UInt8], from start: Int, limit: Int? = nil) -> StartTag {
        let count = min(limit ?? bytes.count, bytes.count)
        var index = start + 1
        let nameStart = index
        while index < count, isNameByte(bytes[index]) { index += 1 }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        var attributes: [Attribute] = []
        var selfClosing = false
        while index < count, bytes[index] != UInt8(ascii: ">") {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") {
                selfClosing = index + 1 < count && bytes[index + 1] == UInt8(ascii: ">")
                index += 1
                continue
            }
            if isSpace(byte) {
                index += 1
                continue
            }
            selfClosing = false
            let attributeStart = index
            index += 1  // a name may start with any byte, even `=`
            while index < count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ">"),
                bytes[index] != UInt8(ascii: "/")
            {
                index += 1
            }
            // Control bytes inside a name are not separators for a browser; dropping them is the stricter reading.
            let attributeName = String(decoding: bytes[attributeStart..<index].filter { $0 > 0x20 && $0 != 0x7F }, as: UTF8.self)
            var lookahead = index
            while lookahead < count, isSpace(bytes[lookahead]) { lookahead += 1 }
            var value = ""
            var hasValue = false
            if lookahead < count, bytes[lookahead] == UInt8(ascii: "=") {
                hasValue = true
                index = lookahead + 1
                while index < count, isSpace(bytes[index]) { index += 1 }
                if index < count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    let valueStart = index + 1
                    index = valueStart
                    while index < count, bytes[index] != quote { index += 1 }
                    value = decodeCharacterReferences(String(decoding: bytes[valueStart..<index], as: UTF8.self))
                    if index < count { index += 1 }
                } else {
                    let valueStart = index
                    while index < count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">") { index += 1 }
                    value = decodeCharacterReferences(String(decoding: bytes[valueStart..<index], as: UTF8.self))
                }
            }
            if !attributeName.isEmpty { attributes.append(Attribute(name: attributeName, value: value, hasValue: hasValue)) }
        }
        return StartTag(name: name, attributes: attributes, selfClosing: selfClosing, end: min(index + 1, count))
    }

    /// "a" or "an" for a name that follows it.
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first(where: { $0.isLetter }) else { return "a" }
        return "aeio".contains(first) ? "an" : "a"
    }
}
