extension TextActiveContent {
    /// Raw HTML in text that navigates or loads another document when the text is rendered (Python-Markdown,
    /// markdown-it with `html: true`, kramdown pass it through): a meta refresh, or one of the elements markup refuses
    /// (``MarkupActiveContent/embeddingElements``: `<iframe>`, `<frame>`, `<embed>`, `<object>`, `<applet>`,
    /// `<portal>`, `<frameset>`) with an attribute naming what it loads. A bare `<iframe>` or "the <object> element"
    /// in prose loads nothing.
    static func embeddingFinding(_ tag: MarkupActiveContent.StartTag, element: String) -> String? {
        let names = tag.attributes.filter(\.hasValue).map { (MarkupActiveContent.localName($0.name), $0.value) }
        if element == "meta", names.contains(where: { $0.0 == "http-equiv" && MarkupActiveContent.isRefresh(httpEquiv: $0.1) }) {
            return "a meta refresh (navigates when the text is rendered)"
        }
        guard MarkupActiveContent.embeddingElements.contains(element),
            names.contains(where: { MarkupActiveContent.embeddedDocumentAttributes.contains($0.0) })
        else { return nil }
        let article = "aeiou".contains(element.first ?? "x") ? "an" : "a"
        return "\(article) <\(element)> element (loads another document when the text is rendered)"
    }

    /// A cell starting `==` (a valgrind log's `==28993==`, a Markdown setext rule): `=` is no unary operator, so
    /// Excel and LibreOffice cannot read it as a formula and keep it as text.
    static func isDoubleEquals(_ text: [UInt8], _ start: Int, _ end: Int) -> Bool {
        start + 1 < end && text[start] == UInt8(ascii: "=") && text[start + 1] == UInt8(ascii: "=")
    }
}
