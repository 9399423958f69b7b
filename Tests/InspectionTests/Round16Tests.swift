import AirlockCore
import Testing

@testable import Inspection

/// Attack round 16 on Markdown: lines holding only a vertical tab or form feed (blank to Airlock, not to Markdown.pl),
/// an escaped `\)` inside a destination, and Markdown.pl's `<hr>` and comment blocks running across lines and fences.
struct Round16MarkdownTests {
    static func markdown(_ text: String) -> [String] { Round13Tests.markdown(text) }

    @Test(arguments: [
        "[x](y\\)\n\u{0C}\n\"autofocus/onfocus=\"alert(1)\" id=\"a)\n", "[x](y\\)\"a\n\u{0B}\n autofocus/onfocus=\"alert(1)\" id=\"a)\n",
        "[x](y\\\\\\) z/onfocus=alert(1))", "![x](y\\)\n\u{0C}\n\u{0B}\n\"a/onerror=\"alert(1))",
        "[x] y\"a\n\u{0C}\n\u{0B}\nb/onfocus=\"alert(1)\"",
    ])
    func aLineOfVerticalWhiteSpaceOrAnEscapedParenthesisEndsNothing(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "<hr\n\n```text\ntabindex=0 autofocus onfocus=alert(1)\n```\n\n>\n",
        "Intro\n\n   <hr\n\n```\nstyle=display:block tabindex=1\nautofocus onfocus=alert(1)\n```\n\n/>\n\nMore text\n",
        "<HR\tclass=x\n\n```\nautofocus onfocus=alert(1)\n```\n\n/>\n", "<hr-x\n\n```\na onfocus=alert(1) autofocus\n```\n>\n",
        "<!-- a -->x\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n--\n>\n",
        "<!-- a -- -->\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n<!-- b --\n\n>\n",
        "<!-- a -->x\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n-- \u{0B}\n \t>  \n",
        "Text\n<!-- a --\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n-->\n",
    ])
    func aFenceInsideMarkdownPlsHrOrCommentBlockIsJudged(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "Intro\n\n<hr>\n\n```js\nlet a = 1\n```\n", "<hr class=\"x\"\n    id=\"y\">\n\nText\n", "<!-- note -->\n\nText -- more\n",
        "A page.\n\u{0C}\nNext page.\n", "See [the docs](https://example.com/a\\)b) for more; it is the online version.\n",
    ])
    func ordinaryHrCommentsAndPageBreaksStayClean(_ text: String) {
        #expect(Self.markdown(text).isEmpty, "\(text.debugDescription): \(Self.markdown(text))")
    }
}

/// Attack round 16 on Office packages: pictures LibreOffice sniffs (gzip-compressed SVG under any name, SVG behind a
/// picture name or after other bytes), a ZIP after other bytes, and field code written as deleted text.
struct Round16PackageTests {
    let office = Round9Tests().office
    let containers = ContainerInspectionTests()
    static let svg =
        #"b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///etc/x.png"/></svg>'"#
    /// An EMF header record (type 1, ` EMF` at offset 40) and a little more.
    static let emf = "bytes([1,0,0,0,108,0,0,0]) + bytes(32) + b' EMF' + bytes(64) + bytes([14,0,0,0,20,0,0,0]) + bytes(12)"

    func verdict(part name: String, bytes: String) async throws -> [Reason] {
        let extra = "    z.writestr('xl/media/\(name)', \(bytes))"
        let path = try await Round9Tests().xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: extra)
        return try await containers.inspect(path, name: "book.xlsx", profile: office).reasons
    }

    @Test(arguments: ["image1.png", "image1.jpeg", "image1.emz", "image1.svgz", "image1"])
    func aCompressedSVGIsJudgedWhateverItsName(_ name: String) async throws {
        let reasons = try await verdict(part: name, bytes: "__import__('gzip').compress(\(Self.svg))")
        #expect(reasons.contains { $0.code == .activeContent && $0.detail.contains("gzip-compressed: a file URL") }, "\(name): \(reasons)")
    }

    @Test(arguments: [
        ("__import__('gzip').compress(__import__('gzip').compress(\(svg)))", "neither SVG nor a metafile"),
        ("__import__('gzip').compress(\(svg))[:-12]", "ends early"), ("__import__('gzip').compress(b'<svg/>') + b'PK'", "bytes follow"),
        ("__import__('gzip').compress(b'<svg/>') + __import__('gzip').compress(\(svg))", "bytes follow"),
        ("b'\\x1f\\x8b\\x08\\x00' + bytes(40)", "damaged"), ("__import__('gzip').compress(bytes(range(256)) * 4)", "neither SVG nor a metafile"),
    ])
    func aCompressedPartThatIsNotReadWholeIsUnscannable(_ bytes: String, _ why: String) async throws {
        let reasons = try await verdict(part: "image1.png", bytes: bytes)
        #expect(reasons.contains { $0.code == .unscannable && $0.detail.contains(why) }, "\(bytes): \(reasons)")
    }

    @Test func aCompressedMetafileStaysClean() async throws {
        let reasons = try await verdict(part: "image1.emz", bytes: "__import__('gzip').compress(\(Self.emf))")
        #expect(reasons.isEmpty, "\(reasons)")
    }

    @Test(arguments: [
        #"b'<svg xmlns="http://www.w3.org/2000/svg"><image href="../../x.png"/></svg>'"#,
        #"b'\x00<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///x.png"/></svg>'"#,
        #"b'<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/png;base64,' + __import__('base64').b64encode(b'<svg/>') + b'"/></svg>'"#,
    ])
    func anSVGBehindAPictureNameIsJudgedAsSVG(_ bytes: String) async throws {
        let reasons = try await verdict(part: "image1.png", bytes: bytes)
        #expect(reasons.contains { $0.code == .activeContent }, "\(bytes): \(reasons)")
    }

    @Test func aZipAfterOtherBytesIsFound() async throws {
        let inner = "(lambda b: (__import__('zipfile').ZipFile(b, 'w').writestr('a.txt', 'x'), b.getvalue())[1])(__import__('io').BytesIO())"
        let reasons = try await verdict(part: "embedded.xlsx", bytes: "b'MZ' + bytes(100) + \(inner)")
        #expect(reasons.contains { $0.code == .activeContent && $0.detail.contains("ZIP archive after other bytes") }, "\(reasons)")
    }

    @Test func fieldCodeWrittenAsDeletedTextIsFound() {
        let body =
            #"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:del><w:r><w:delText>INCLUDETEXT "c:\\x.docx"</w:delText></w:r></w:del>"#
            + #"<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#
        #expect(Round12OfficeTests.document(body).contains { $0.contains("INCLUDETEXT") }, "\(Round12OfficeTests.document(body))")
    }

    @Test func deletedTextOutsideFieldCodeStaysClean() {
        let body = #"<w:del><w:r><w:delText>INCLUDETEXT is a field name</w:delText></w:r></w:del><w:r><w:t>kept</w:t></w:r>"#
        #expect(Round12OfficeTests.document(body).isEmpty, "\(Round12OfficeTests.document(body))")
    }
}
