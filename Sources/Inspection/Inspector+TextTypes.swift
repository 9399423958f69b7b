import AirlockCore

extension Inspector {
    /// libmagic's type read again where it misnames ordinary files that carry the matching name, so that the rules
    /// of the type the file is (and the profile's allow-list for it) apply:
    /// - Markdown (`.md`, `.markdown`) that opens with a JavaScript code block or an HTML heading is
    ///   `application/javascript` or `text/html` to libmagic: it is text, judged by the text rules (which refuse
    ///   script, handlers and embedding HTML), typed `text/plain` as libmagic types other Markdown.
    /// - An `.svg` that opens with a comment is `text/plain` to libmagic: when its root element, after an XML
    ///   declaration, processing instructions, comments and blanks (no doctype), is `<svg`, it is SVG, and the markup
    ///   rules apply in full.
    /// Other names keep libmagic's type.
    static func refinedType(_ type: String, filename: String, prefix: [UInt8]) -> String {
        let name = (FilenamePolicy.fileExtension(of: filename) ?? "").lowercased()
        let essence = MediaType.essence(type)
        if ["md", "markdown"].contains(name), ["application/javascript", "text/javascript", "text/html"].contains(essence) {
            return "text/plain"
        }
        if name == "svg", essence == "text/plain", rootIsSVG(prefix) { return "image/svg+xml" }
        return type
    }

    /// Whether the first element of `prefix` is `<svg`, after a UTF-8 byte-order mark, blanks, an XML declaration,
    /// processing instructions and comments.
    static func rootIsSVG(_ prefix: [UInt8]) -> Bool {
        var index = prefix.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        func starts(_ literal: String, at position: Int) -> Bool {
            let bytes = Array(literal.utf8)
            return position + bytes.count <= prefix.count && Array(prefix[position..<position + bytes.count]) == bytes
        }
        func skip(past end: String, from position: Int) -> Int? {
            let bytes = Array(end.utf8)
            var cursor = position
            while cursor + bytes.count <= prefix.count {
                if prefix[cursor] == bytes[0], starts(end, at: cursor) { return cursor + bytes.count }
                cursor += 1
            }
            return nil
        }
        while index < prefix.count {
            let byte = prefix[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                index += 1
            } else if starts("<!--", at: index) {
                guard let end = skip(past: "-->", from: index + 4) else { return false }
                index = end
            } else if starts("<?", at: index) {
                guard let end = skip(past: "?>", from: index + 2) else { return false }
                index = end
            } else {
                guard starts("<svg", at: index), index + 4 < prefix.count else { return false }
                let after = prefix[index + 4]
                return after == 0x20 || after == 0x09 || after == 0x0A || after == 0x0D || after == UInt8(ascii: ">") || after == UInt8(ascii: "/")
            }
        }
        return false
    }

    /// Text whose first bytes are `ID` followed by `;` or a line end is SYLK to Excel, whatever the file's name
    /// (`ID;P`, `ID;N;E`, a bare `ID` record: Excel decides by the first two bytes, libmagic only by `ID;P`), and a
    /// SYLK cell's `E` field is a formula without `=` (DDE, WEBSERVICE, Excel 4 macros). A SYLK file is not text: a
    /// type mismatch, as libmagic's `application/x-sylk` would be. `ID,Name,…` CSV headers are CSV.
    static func sylkText(_ type: String, prefix: [UInt8]) -> Reason? {
        guard textTypes.contains(MediaType.essence(type)), prefix.starts(with: [UInt8(ascii: "I"), UInt8(ascii: "D")]) else { return nil }
        guard prefix.count == 2 || [UInt8(ascii: ";"), 0x0A, 0x0D].contains(prefix[2]) else { return nil }
        return Reason(.typeMismatch, "a SYLK spreadsheet (its first bytes are 'ID' and a record end) detected as \(MediaType.essence(type))")
    }
}
