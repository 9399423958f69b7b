import AirlockCore
import Testing

@testable import Inspection

/// Attack round 19 on text: a UTF-16 or UTF-32 byte-order mark before ASCII (Markdown.pl and LibreOffice's CSV import
/// read the bytes), and kramdown's `{::options}` values written into attributes.
struct Round19TextTests {
    static func bom(_ mark: [UInt8], _ text: String) -> [UInt8] { mark + Array(text.utf8) }

    @Test(arguments: [[0xFF, 0xFE], [0xFE, 0xFF], [0xFF, 0xFE, 0x00, 0x00]] as [[UInt8]])
    func aByteOrderMarkBeforeASCIIHidesNothing(_ mark: [UInt8]) {
        let markdown = Self.bom(mark, "# Notes\n\n<img src=x onerror=alert(1)>\n")
        #expect(!TextActiveContent.findings(in: markdown, markdown: true).isEmpty)
        let csv = Self.bom(mark, "a,b\n1,=WEBSERVICE(\"http://e.example/\")\n")
        #expect(!TextActiveContent.findings(in: csv, csv: true).isEmpty)
    }

    @Test func aByteOrderMarkBeforeOrdinaryTextStaysClean() {
        #expect(TextActiveContent.findings(in: Self.bom([0xFF, 0xFE], "# Notes\n\nPlain text, 1 + 1 = 2.\n"), markdown: true).isEmpty)
        #expect(TextActiveContent.findings(in: Self.bom([0xFF, 0xFE], "a,b\n1,2\n"), csv: true).isEmpty)
    }

    @Test(arguments: [
        "{::options footnote_prefix=\"x\\\"/tabindex=\\\"1\\\"/autofocus/onfocus=\\\"alert(1)\\\"\" /}\n\nText[^1]\n\n[^1]: note\n",
        "{::options footnote_prefix=\"x\\\" autofocus onfocus\n=\\\"alert(1)\\\"\" /}\n\nText[^1]\n\n[^1]: note\n",
        "{::options footnote_prefix=\"}x\\\"/onfocus=\\\"alert(1)\\\"\" /}\n",
    ])
    func aHandlerInKramdownOptionsIsFound(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    /// Attack round 20: what an attribute list adds to a raw tag is judged (an allow-list of inert attributes), an
    /// option value cannot break out of its attribute, and `FF FE 00 00` is also read as UTF-16LE.
    @Test(arguments: [
        "Text <link href=\"https://e.example/a.css\">{: rel=\"stylesheet\"} more",
        "Text <meta content=\"0;url=https://e.example/\">{: http-equiv=\"refresh\"}",
        "Text <link rel=\"stylesheet\">{: href=\"https://e.example/a.css\"}", "Intro\n\n{: src=\"https://e.example/x.html\"}\n<iframe></iframe>\n",
        "Intro\n\n<iframe></iframe>\n{: srcdoc=\"&lt;img src=x &#111;nerror=alert(1)&gt;\"}\n", "Text <b>x</b>{: style=\"background: url(x.png)\"}",
        "{::options footnote_prefix=\"x\\\"><link rel=\\\"stylesheet\\\" href=\\\"https://e.example/k.css\\\">\" /}\n\nText[^1]\n\n[^1]: n\n",
        "Text <link href=\"https://e.example/p\">{: rel='prefetch'}", "{:ref: http-equiv=\"refresh\"}\n",
    ])
    func whatAnAttributeListAddsIsJudged(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test func aUTF16FileStartingWithNULIsReadAsUTF16Too() {
        let text = Array("<img src=x onerror=alert(1)>\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(!TextActiveContent.findings(in: [0xFF, 0xFE, 0x00, 0x00] + text, markdown: true).isEmpty)
    }

    @Test(arguments: [
        "# Title\n{: .lead #intro title=\"Intro\" data-x=\"1\" aria-label=\"x\"}\n",
        "[site](https://example.com){:target=\"_blank\" rel=\"noopener noreferrer\"}",
        "Paragraph.\n{: style=\"color: red; margin: 0\"}\n", "```python\nprint(\"{:=^30}\".format(x), \"{:>10}\".format(y))\n```\n",
        "{::options auto_ids=\"false\" /}\n",
    ])
    func ordinaryAttributeListsStayClean(_ text: String) {
        #expect(Round13Tests.markdown(text).isEmpty, "\(text.debugDescription): \(Round13Tests.markdown(text))")
    }

    @Test func ordinaryKramdownOptionsStayClean() {
        #expect(Round13Tests.markdown("{::options auto_ids=\"false\" footnote_nr=\"5\" /}\n\n# Title\n").isEmpty)
    }
}

/// Attack round 19 on EMF+ objects split over records, as LibreOffice's single buffer reads them: a last piece
/// without the `C` flag (its first 4 bytes dropped too), two runs of one object, a lone piece then a whole object
/// with its id, a short run over a longer one's leftover bytes. Every form keeps `<svg` out of any one record.
struct Round19PictureTests {
    static let pixels = "struct.pack('<II', 0xDBC01002, 1) + struct.pack('<IIIII', 1, 1, 4, 0x26200A, 0)"
    static let compressed = "struct.pack('<II', 0xDBC01002, 1) + struct.pack('<IIIII', 1, 1, 4, 0x26200A, 1)"
    static let other = "prec(0x400A, 0, bytes(8))"

    @Test(arguments: [
        // The last piece without `C`: LibreOffice drops its first 4 bytes as well.
        "(lambda o: emf(plus(prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[:30]), prec(0x4008, 0x0500, b'JUNK' + o[30:]))))(\(compressed) + svg)",
        // Two runs of object 0 with another record between: the second is an object of its own.
        "(lambda o: emf(plus(prec(0x4008, 0x8500, struct.pack('<I', 40) + \(pixels) + bytes(12)), \(other), prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[:30]), prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[30:]))))(\(compressed) + svg)",
        // A short run written over a longer one's leftover bytes: the picture is read to the buffer's end.
        "(lambda s: emf(plus(prec(0x4008, 0x8500, struct.pack('<I', 0) + \(pixels) + s[:2]), prec(0x4008, 0x8500, struct.pack('<I', 0) + s[2:]), \(other), prec(0x4008, 0x8500, struct.pack('<I', 28) + \(compressed)), \(other))))(svg)",
    ])
    func aPictureSplitAsLibreOfficeJoinsItIsFound(_ bytes: String) async throws {
        let reasons = try await Round17PictureTests().reasons(part: "image1.emf", bytes: bytes)
        #expect(reasons.contains { $0.code == .activeContent || $0.code == .unscannable }, "\(bytes): \(reasons)")
    }

    /// Attack round 20: LibreOffice reads a bitmap file from the end of the image header to the end of the EMF+
    /// comment: a picture in the record's padding, or a whole EMF after a header-only object. The picture's marker is
    /// split from the net by where the bytes stand (an EMF whose EMF+ object is split), so the stream rule decides.
    @Test(arguments: [
        "(lambda p: emf(plus(struct.pack('<HHII', 0x4008, 0x0500, 12 + 28 + len(p) + (-len(p) % 4), 28) + \(compressed) + p + bytes(-len(p) % 4))))(svg)",
        "(lambda inner: emf(plus(prec(0x4008, 0x0500, \(compressed)) + inner)))(emf(plus(prec(0x4008, 0x8500, struct.pack('<I', 0) + \(compressed) + svg[:2]), prec(0x4008, 0x8500, struct.pack('<I', 0) + svg[2:]))))",
    ])
    func aPictureReadToTheEndOfTheCommentIsFound(_ bytes: String) async throws {
        let reasons = try await Round17PictureTests().reasons(part: "image1.emf", bytes: bytes)
        #expect(reasons.contains { $0.code == .activeContent || $0.code == .unscannable }, "\(bytes): \(reasons)")
    }

    @Test func aSplitPictureOfPixelsStaysClean() async throws {
        let bytes =
            "(lambda o: emf(plus(prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[:40]), prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[40:]))))(\(Self.compressed) + png + bytes(64))"
        let reasons = try await Round17PictureTests().reasons(part: "image1.emf", bytes: bytes)
        #expect(reasons.isEmpty, "\(reasons)")
    }
}
