/// The walk behind `MarkupActiveContent.findings`: one pass over the bytes with a stack of open elements (for
/// namespace bindings and the SVG/HTML context), each construct judged as it is read.
///
/// Linear in the input: every search moves forward from where the last one stopped, end tags look at most
/// `endTagReach` frames down the stack, and the stack is at most `maximumDepth` deep.
struct MarkupScanner {
    typealias Rules = MarkupActiveContent
    typealias Space = MarkupActiveContent.Space

    struct Frame {
        var qualifiedName: String
        var local: String
        var space: Space
        var declaredPrefixes: [String]
        /// Inside `<metadata>`: SVG elements are not allow-listed there, only scanned for active content.
        var inMetadata: Bool
        /// Inside an `<svg>` element.
        var inSVG: Bool
    }

    static let maximumDepth = 1024
    static let endTagReach = 64

    let bytes: [UInt8]
    let limit: Int
    /// Scanning the text of a CDATA section, which an HTML parser reads as markup.
    let insideCDATA: Bool
    private(set) var findings: [String] = []
    /// The document's first element.
    private(set) var root: Frame?
    private var stack: [Frame] = []
    private var bindings: [String: [String]] = [:]
    private var reportedDepth = false
    /// Where the last search for a `</style` ended (its start, or the input's end when there was none).
    private var styleCloseCache: Int?
    /// The end of the last `<style>` text judged.
    private var styleJudgedClose: Int?
    /// Bytes the PHP lexing of processing instructions may still read (past it, a PI counts as code).
    private var phpBudget: Int

    init(bytes: [UInt8], limit: Int, insideCDATA: Bool) {
        self.bytes = bytes
        self.limit = limit
        self.insideCDATA = insideCDATA
        phpBudget = bytes.count + (1 << 20)
    }

    private var count: Int { bytes.count }

    private mutating func add(_ finding: String) {
        let text = insideCDATA ? finding + " inside CDATA" : finding
        guard findings.count < limit, !findings.contains(text) else { return }
        findings.append(text)
    }

    private func startsWith(_ literal: StaticString, at position: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard position >= 0, position + length <= count else { return false }
        return literal.withUTF8Buffer { utf8 in
            for offset in 0..<length {
                let byte = bytes[position + offset]
                let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                if folded != utf8[offset] { return false }
            }
            return true
        }
    }

    /// The first index at or after `position` where `literal` starts, or nil.
    private func find(_ literal: StaticString, from position: Int) -> Int? {
        var cursor = max(position, 0)
        guard literal.utf8CodeUnitCount > 0 else { return nil }
        let first = literal.withUTF8Buffer { $0[0] }
        while cursor < count {
            let byte = bytes[cursor]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded == first, startsWith(literal, at: cursor) { return cursor }
            cursor += 1
        }
        return nil
    }

    mutating func run() {
        var index = 0
        while index < count, findings.count < limit {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if startsWith("<!--", at: index) {
                index = comment(at: index)
            } else if startsWith("<![cdata[", at: index) {
                index = cdata(at: index)
            } else if startsWith("<!doctype", at: index) {
                index = doctype(at: index)
            } else if startsWith("<!entity", at: index) {
                add("an XML entity declaration")
                index += 8
            } else if startsWith("<!attlist", at: index) || startsWith("<!element", at: index) || startsWith("<!notation", at: index) {
                add("a DTD declaration outside a DOCTYPE")
                index += 2
            } else if startsWith("<!", at: index) {
                index = (find(">", from: index + 2) ?? count - 1) + 1
            } else if startsWith("<?", at: index) {
                index = processingInstruction(at: index)
            } else if startsWith("</", at: index) {
                index = endTag(at: index)
            } else if index + 1 < count, Rules.isNameStart(bytes[index + 1]) {
                index = startTag(at: index)
            } else {
                index += 1
            }
        }
    }

    // MARK: Comments, CDATA, DOCTYPE, processing instructions

    /// Ends at the earliest `-->`, `--!>` (HTML) or right after `<!-->`/`<!--->`: the earliest end is the strictest.
    private mutating func comment(at index: Int) -> Int {
        if startsWith("#", at: index + 4) { add("a server-side include directive") }
        if startsWith(">", at: index + 4) { return index + 5 }
        if startsWith("->", at: index + 4) { return index + 6 }
        var cursor = index + 4
        while cursor < count {
            if bytes[cursor] == UInt8(ascii: "-"), startsWith("-->", at: cursor) { return cursor + 3 }
            if bytes[cursor] == UInt8(ascii: "-"), startsWith("--!>", at: cursor) { return cursor + 4 }
            cursor += 1
        }
        add("an unterminated comment")
        return count
    }

    /// CDATA is text to an XML parser but markup to an HTML one (a bogus comment ending at the first `>`), so its
    /// text is scanned with the HTML rules.
    private mutating func cdata(at index: Int) -> Int {
        let contentStart = index + 9
        let close = find("]]>", from: contentStart)
        if close == nil { add("an unterminated CDATA section") }
        let contentEnd = close ?? count
        if !insideCDATA, contentStart < contentEnd, bytes[contentStart..<contentEnd].contains(UInt8(ascii: "<")) {
            var inner = MarkupScanner(bytes: Array(bytes[contentStart..<contentEnd]), limit: limit - findings.count, insideCDATA: true)
            inner.stack = [Frame(qualifiedName: "", local: "", space: .html, declaredPrefixes: [], inMetadata: false, inSVG: false)]
            inner.run()
            for finding in inner.findings { add(finding) }
        }
        return close.map { $0 + 3 } ?? count
    }

    /// Follows quoted literals: `true` when `byte` opens, closes or lies inside one (it then means nothing else).
    private static func quoting(_ byte: UInt8, _ quote: inout UInt8?) -> Bool {
        if let open = quote {
            if byte == open { quote = nil }
            return true
        }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            quote = byte
            return true
        }
        return false
    }

    /// `<!DOCTYPE name [PUBLIC "id" "uri" | SYSTEM "uri"] [ [subset] ]>`: an internal subset, an entity anywhere in it,
    /// or an external DTD other than a well-known W3C one are findings.
    private mutating func doctype(at index: Int) -> Int {
        var cursor = index + 9
        var header: [UInt8] = []
        var quote: UInt8?
        var subsetStart: Int?
        while cursor < count {
            let byte = bytes[cursor]
            if !Self.quoting(byte, &quote) {
                if byte == UInt8(ascii: ">") { break }
                if byte == UInt8(ascii: "[") {
                    subsetStart = cursor
                    break
                }
            }
            header.append(byte)
            cursor += 1
        }
        judgeExternalIdentifier(String(decoding: header, as: UTF8.self))
        guard let subsetStart else {
            if cursor >= count { add("an unterminated DOCTYPE") }
            return min(cursor + 1, count)
        }
        // Internal subset: up to a `]` outside quotes, then the `>`.
        cursor = subsetStart + 1
        quote = nil
        var sawEntity = false
        var sawExternalEntity = false
        var declarationStart = cursor
        while cursor < count {
            let byte = bytes[cursor]
            if Self.quoting(byte, &quote) {
                // inside a quoted literal: nothing to judge
            } else if byte == UInt8(ascii: "]") {
                break
            } else if byte == UInt8(ascii: "<") {
                declarationStart = cursor
                if startsWith("<!entity", at: cursor) { sawEntity = true }
            } else if byte == UInt8(ascii: ">") {
                if !sawExternalEntity, declarationStart < cursor {
                    let declaration = String(decoding: bytes[declarationStart..<cursor], as: UTF8.self).uppercased()
                    if declaration.hasPrefix("<!ENTITY"), declaration.contains("SYSTEM") || declaration.contains("PUBLIC") {
                        sawExternalEntity = true
                    }
                }
                declarationStart = cursor + 1
            }
            cursor += 1
        }
        if sawExternalEntity { add("an external XML entity declaration in the DOCTYPE") }
        if sawEntity { add("an XML entity declaration in the DOCTYPE") } else { add("a DOCTYPE internal subset") }
        guard cursor < count, let close = find(">", from: cursor) else {
            add("an unterminated DOCTYPE")
            return count
        }
        return close + 1
    }

    private mutating func judgeExternalIdentifier(_ header: String) {
        // Tokens: name, then SYSTEM "uri" or PUBLIC "id" ["uri"].
        var tokens: [String] = []
        var current = ""
        var quote: Character?
        for character in header {
            if let open = quote {
                if character == open {
                    tokens.append(current)
                    current = ""
                    quote = nil
                } else {
                    current.append(character)
                }
            } else if character == "\"" || character == "'" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                quote = character
            } else if character.isWhitespace {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        guard tokens.count >= 2 else { return }
        let keyword = tokens[1].uppercased()
        if keyword == "SYSTEM" {
            let uri = tokens.count > 2 ? tokens[2].lowercased() : ""
            if uri != "about:legacy-compat" { add("an external DTD reference (SYSTEM)") }
        } else if keyword == "PUBLIC" {
            let identifier = tokens.count > 2 ? tokens[2].split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased() : ""
            let uri = tokens.count > 3 ? tokens[3].lowercased() : "http://www.w3.org/"
            let knownURI = uri.hasPrefix("http://www.w3.org/") || uri.hasPrefix("https://www.w3.org/")
            if !(Rules.knownPublicIdentifiers.contains(identifier) && knownURI) { add("an external DTD reference (PUBLIC)") }
        } else {
            add("a malformed DOCTYPE")
        }
    }

    /// `<?target …?>`. Resumes after the first `>`, where an HTML parser would, so nothing hides in a PI.
    private mutating func processingInstruction(at index: Int) -> Int {
        var cursor = index + 2
        while cursor < count, Rules.isNameByte(bytes[cursor]) { cursor += 1 }
        let target = String(decoding: bytes[(index + 2)..<cursor], as: UTF8.self).lowercased()
        switch target {
        case "xml-stylesheet": add("an xml-stylesheet processing instruction")
        case "php": add("a PHP open tag")
        case "": add(startsWith("<?=", at: index) ? "a PHP short echo tag" : "a PHP short open tag")
        default:
            // short_open_tag is On by PHP's default: `<?system($_GET[0]);?>` is a processing instruction to XML and
            // code to PHP. `<?xml version="1.0"?>` is not (two names in a row: PHP cannot compile it).
            if RawCode.compiles(bytes, from: index + 2, budget: &phpBudget) { add("a processing instruction PHP runs as code (<?\(target))") }
        }
        return (find(">", from: cursor) ?? count - 1) + 1
    }

    // MARK: Elements

    private mutating func endTag(at index: Int) -> Int {
        var cursor = index + 2
        while cursor < count, Rules.isNameByte(bytes[cursor]) { cursor += 1 }
        let name = String(decoding: bytes[(index + 2)..<cursor], as: UTF8.self).lowercased()
        let end = (find(">", from: cursor) ?? count - 1) + 1
        guard !name.isEmpty else { return end }
        let lowest = max(stack.count - Self.endTagReach, 0)
        if let match = stack[lowest...].lastIndex(where: { $0.qualifiedName == name }) {
            while stack.count > match { pop() }
        }
        return end
    }

    private mutating func pop() {
        guard let frame = stack.popLast() else { return }
        for prefix in frame.declaredPrefixes { _ = bindings[prefix]?.popLast() }
    }

    private func split(_ qualifiedName: String) -> (prefix: String, local: String) {
        guard let colon = qualifiedName.firstIndex(of: ":") else { return ("", qualifiedName.lowercased()) }
        return (String(qualifiedName[..<colon]), Rules.localName(qualifiedName))
    }

    /// The space of an element: by its namespace binding, else by convention for the prefix, else as an HTML parser
    /// would place it (inside `<svg>` → SVG, inside `<foreignObject>` or HTML → HTML).
    private func elementSpace(prefix: String, local: String, parent: Frame?) -> Space {
        if let uri = bindings[prefix]?.last { return Rules.space(ofNamespace: uri) }
        if !prefix.isEmpty {
            if let space = Rules.conventionalSpace(ofPrefix: prefix) { return space }
            return parent?.space ?? .unbound
        }
        if local == "svg" { return .svg }
        if local == "math" { return .mathml }
        guard let parent else { return Rules.htmlElements.contains(local) ? .html : .unbound }
        if parent.space == .svg, parent.local == "foreignobject" { return .html }
        if parent.space == .svg || parent.space == .html { return parent.space }
        return parent.space == .foreign ? .unbound : parent.space
    }

    /// The space of an attribute, or nil for an unprefixed one (which belongs to its element).
    private func attributeSpace(prefix: String) -> Space? {
        guard !prefix.isEmpty else { return nil }
        if prefix == "xml" { return .xml }
        if let uri = bindings[prefix]?.last { return Rules.space(ofNamespace: uri) }
        return Rules.conventionalSpace(ofPrefix: prefix) ?? .unbound
    }

    private mutating func startTag(at index: Int) -> Int {
        let tag = Rules.readStartTag(bytes, from: index)
        let qualifiedName = tag.name.lowercased()
        let (prefix, local) = split(tag.name)
        let parent = stack.last
        // Namespace declarations take effect on the element that makes them.
        var declared: [String] = []
        for attribute in tag.attributes {
            let name = attribute.name
            guard name == "xmlns" || name.hasPrefix("xmlns:") else { continue }
            let declaredPrefix = name == "xmlns" ? "" : String(name.dropFirst(6))
            bindings[declaredPrefix, default: []].append(attribute.value)
            declared.append(declaredPrefix)
        }
        let space = elementSpace(prefix: prefix, local: local, parent: parent)
        let inMetadata = (parent?.inMetadata ?? false) || (space == .svg && local == "metadata")
        let inSVG = (parent?.inSVG ?? false) || (space == .svg && local == "svg")
        let frame = Frame(
            qualifiedName: qualifiedName,
            local: local,
            space: space,
            declaredPrefixes: declared,
            inMetadata: inMetadata,
            inSVG: inSVG
        )
        if root == nil { root = frame }
        judgeElement(tag, frame: frame, parent: parent)
        let isVoid = space != .svg && Rules.htmlVoidElements.contains(local) && !inSVG
        if tag.selfClosing || isVoid {
            for declaredPrefix in declared { _ = bindings[declaredPrefix]?.popLast() }
        } else if stack.count >= Self.maximumDepth {
            for declaredPrefix in declared { _ = bindings[declaredPrefix]?.popLast() }
            if !reportedDepth {
                reportedDepth = true
                add("markup nested deeper than \(Self.maximumDepth) elements")
            }
        } else {
            stack.append(frame)
        }
        if local == "style", !tag.selfClosing { styleContent(from: tag.end, element: frame) }
        return tag.end
    }

    private mutating func judgeElement(_ tag: MarkupActiveContent.StartTag, frame: Frame, parent: Frame?) {
        let local = frame.local
        let shown = "<\(local)>"
        // Active in any namespace.
        if Rules.activeElements.contains(local) {
            add("\(Rules.article(local)) \(shown) element")
        } else if Rules.activeElements.contains(frame.qualifiedName) {
            add("an <\(frame.qualifiedName)> element")
        }
        switch frame.space {
        case .xmlEvents: add("an XML Events element <\(frame.qualifiedName)>")
        case .xslt: add("an XSLT element <\(frame.qualifiedName)>")
        case .xinclude: add("an XInclude element <\(frame.qualifiedName)>")
        case .html where parent?.inSVG == true && parent?.local != "foreignobject" && parent?.space == .svg && !(parent?.inMetadata ?? false):
            add("an XHTML element \(shown) inside SVG")
        case .svg where !frame.inMetadata && !Rules.svgElements.contains(local) && !Rules.activeElements.contains(local):
            add("an element \(shown) that SVG does not allow")
        default: break
        }
        let allowListed = frame.space == .svg && !frame.inMetadata
        let context: MarkupActiveContent.URLContext =
            frame.space == .svg && !(local == "a" || local == "view") ? (local == "use" ? .fragmentOnly : .resource) : .navigation
        var refreshes = false
        for attribute in tag.attributes {
            let (prefix, attributeLocal) = split(attribute.name)
            let lowered = attribute.name.lowercased()
            if lowered == "xmlns" || lowered.hasPrefix("xmlns:") { continue }
            let name = attributeLocal
            switch attributeSpace(prefix: prefix) {
            case nil, .svg?, .html?, .unbound?:
                break  // judged by its local name below
            case .xlink?:
                if attributeLocal == "href" {
                    checkURL(attribute.value, attribute: attribute.name, element: local, context: context)
                } else if !Rules.xlinkAttributes.contains(attributeLocal) {
                    add("an attribute \(attribute.name) on \(shown) that SVG does not allow")
                }
                continue
            case .xml?:
                if attributeLocal == "base" { checkURL(attribute.value, attribute: attribute.name, element: local, context: .resource) }
                continue
            case .xmlEvents?:
                add("an XML Events attribute \(attribute.name) on \(shown)")
                continue
            case .xslt?, .xinclude?, .mathml?:
                add("an attribute \(attribute.name) on \(shown) in an active namespace")
                continue
            case .foreign?:
                continue  // editor metadata (Inkscape, Sodipodi, RDF, …) is inert
            }
            if name.hasPrefix("on"), name.count > 2 {
                add("an \(name) event handler on \(shown)")
                continue
            }
            if name == "handler" || name == "listener" {
                add("an XML Events \(name) attribute on \(shown)")
                continue
            }
            if allowListed, prefix.isEmpty, !Rules.svgAttributes.contains(name), !name.hasPrefix("data-"), !name.hasPrefix("aria-") {
                add("an attribute \(name) on \(shown) that SVG does not allow")
                continue
            }
            if Rules.urlAttributes.contains(name) || (name == "data" && (local == "object" || local == "embed")) {
                if name == "srcset" || name == "imagesrcset" {
                    for candidate in attribute.value.split(separator: ",") {
                        let url = candidate.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
                        checkURL(url, attribute: attribute.name, element: local, context: context)
                    }
                } else {
                    checkURL(attribute.value, attribute: attribute.name, element: local, context: context)
                }
            }
            if name == "style" {
                for problem in Rules.cssProblems(attribute.value, context: context == .navigation ? .navigation : .resource) {
                    add("script in a style attribute on \(shown): \(problem)")
                }
            } else if attribute.value.lowercased().contains("url(") {
                for problem in Rules.cssProblems(attribute.value, context: context == .navigation ? .navigation : .resource) {
                    add("\(problem) in \(attribute.name) on \(shown)")
                }
            }
            if Rules.animationElements.contains(local) {
                judgeAnimation(name: name, value: attribute.value, element: local)
            }
            if local == "meta", name == "http-equiv", Rules.isRefresh(httpEquiv: attribute.value) { refreshes = true }
        }
        if refreshes { add("a meta refresh") }
        // A stylesheet link is remote CSS like `@import` (refused in <style> and style attributes): Airlock never sees
        // what it holds, and CSS that reads attribute values out or runs script in old engines would pass by moving
        // it there. Relations that only fetch (preload, icons) are judged like an image's src.
        if local == "link", let rel = Rules.linkRelation(tag, in: Rules.appliedRelations) {
            add("a <link rel=\"\(rel)\"> element (\(rel == "stylesheet" ? "remote CSS, like @import" : "a remote page that runs"))")
        }
    }

    private mutating func judgeAnimation(name: String, value: String, element: String) {
        switch name {
        case "attributename":
            let target = Rules.localName(value.markupTrimmed)
            if target.hasPrefix("on") {
                add("\(Rules.article(element)) <\(element)> that sets the \(target) event handler")
            } else if target == "href" || target == "src" {
                add("\(Rules.article(element)) <\(element)> that changes \(value.markupTrimmed)")
            }
        case "values", "from", "to", "by":
            for part in value.split(separator: ";") {
                let candidate = String(part)
                let compact = String(String.UnicodeScalarView(candidate.unicodeScalars.filter { !Rules.isIgnorableInURL($0) })).lowercased()
                guard Rules.scheme(of: compact) != nil, let problem = Rules.urlProblem(candidate, context: .navigation) else { continue }
                add("a \(problem) in \(name) on <\(element)>")
            }
        default:
            break
        }
    }

    private mutating func checkURL(_ value: String, attribute: String, element: String, context: MarkupActiveContent.URLContext) {
        guard let problem = Rules.urlProblem(value, context: context) else { return }
        if context == .fragmentOnly {
            add("an external reference in \(attribute) on <\(element)> (only #fragment references are allowed)")
        } else {
            add("\(Rules.article(problem)) \(problem) in \(attribute) on <\(element)>")
        }
    }

    /// The text of a `<style>` element, up to its end tag (in any prefix), judged as CSS. The main walk still reads
    /// the same text for tags, since an XML parser would.
    private mutating func styleContent(from start: Int, element: Frame) {
        let close: Int
        if let cached = styleCloseCache, cached >= start {
            close = cached
        } else {
            var cursor = start
            var found = count
            while let candidate = find("</", from: cursor) {
                var nameEnd = candidate + 2
                while nameEnd < count, Rules.isNameByte(bytes[nameEnd]) { nameEnd += 1 }
                if Rules.localName(String(decoding: bytes[(candidate + 2)..<nameEnd], as: UTF8.self)) == "style" {
                    found = candidate
                    break
                }
                cursor = candidate + 2
            }
            close = found
            styleCloseCache = found
        }
        // Nested or unclosed `<style>` elements share one end: the text from the first of them covers the rest.
        guard start < close, styleJudgedClose != close else { return }
        styleJudgedClose = close
        var css = String(decoding: bytes[start..<close], as: UTF8.self)
        css = css.replacingAll("<![CDATA[", with: " ").replacingAll("]]>", with: " ")
        let context: MarkupActiveContent.URLContext = element.space == .svg || element.inSVG ? .resource : .navigation
        for problem in Rules.cssProblems(css, context: context) { add("\(problem) in a <style> element") }
        // An XML parser hands the style sheet only the element's own text: comments and child elements gone, CDATA
        // read (`@imp<!-- -->ort`, `@imp<x/>ort` are `@import`).
        let text = Self.childText(bytes[start..<close])
        if text != css {
            for problem in Rules.cssProblems(text, context: context) { add("\(problem) in a <style> element") }
        }
    }

    /// The text an XML parser gives an element as its own (child text nodes joined): comments, processing
    /// instructions and child elements with their content left out, CDATA sections' content kept. References are left
    /// as written: `cssProblems` decodes them, as it does for the raw reading. Linear.
    static func childText(_ slice: ArraySlice<UInt8>) -> String {
        let bytes = Array(slice)
        let count = bytes.count
        var out: [UInt8] = []
        out.reserveCapacity(count)
        func starts(_ literal: String, at index: Int) -> Bool {
            let needle = Array(literal.utf8)
            return index + needle.count <= count && Array(bytes[index..<index + needle.count]) == needle
        }
        func after(_ literal: String, from index: Int) -> Int {
            let needle = Array(literal.utf8)
            var cursor = index
            while cursor + needle.count <= count {
                if bytes[cursor] == needle[0], Array(bytes[cursor..<cursor + needle.count]) == needle { return cursor + needle.count }
                cursor += 1
            }
            return count
        }
        var depth = 0
        var index = 0
        while index < count {
            if starts("<!--", at: index) {
                index = after("-->", from: index + 4)
            } else if starts("<![CDATA[", at: index) {
                let end = after("]]>", from: index + 9)
                if depth == 0 { out += bytes[(index + 9)..<max(index + 9, end - 3)] }
                index = end
            } else if starts("<?", at: index) {
                index = after("?>", from: index + 2)
            } else if bytes[index] == UInt8(ascii: "<") {
                let closing = index + 1 < count && bytes[index + 1] == UInt8(ascii: "/")
                var cursor = index + 1
                var quote: UInt8?
                while cursor < count {
                    let byte = bytes[cursor]
                    if let open = quote {
                        if byte == open { quote = nil }
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else if byte == UInt8(ascii: ">") {
                        break
                    }
                    cursor += 1
                }
                let selfClosing = cursor > index && cursor < count && bytes[cursor - 1] == UInt8(ascii: "/")
                if closing { depth = max(0, depth - 1) } else if !selfClosing { depth += 1 }
                index = cursor + 1
            } else {
                if depth == 0 { out.append(bytes[index]) }
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    fileprivate var markupTrimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }), let last = scalars.lastIndex(where: { $0.value > 0x20 }) else { return "" }
        return String(scalars[first...last])
    }

    /// Every occurrence of `target` (case-insensitive, ASCII) replaced, in one pass.
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.lowercased().utf8)
        let haystack = Array(utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return self }
        var output: [UInt8] = []
        output.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count {
                var matches = true
                for offset in 0..<needle.count {
                    let byte = haystack[index + offset]
                    if (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) != needle[offset] {
                        matches = false
                        break
                    }
                }
                if matches {
                    output.append(contentsOf: Array(replacement.utf8))
                    index += needle.count
                    continue
                }
            }
            output.append(haystack[index])
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
