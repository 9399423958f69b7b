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

    @Test func aSplitPictureOfPixelsStaysClean() async throws {
        let bytes =
            "(lambda o: emf(plus(prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[:40]), prec(0x4008, 0x8500, struct.pack('<I', len(o)) + o[40:]))))(\(Self.compressed) + png + bytes(64))"
        let reasons = try await Round17PictureTests().reasons(part: "image1.emf", bytes: bytes)
        #expect(reasons.isEmpty, "\(reasons)")
    }
}
