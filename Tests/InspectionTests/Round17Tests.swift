import AirlockCore
import Testing

@testable import Inspection

/// Attack round 17 on Markdown: Markdown.pl's case-sensitive end tags, the HTML it writes itself and hashes again,
/// link definitions that take the blank lines after them, and a setext underline after a closing fence.
struct Round17MarkdownTests {
    static func markdown(_ text: String) -> [String] { Round13Tests.markdown(text) }
    static let payload = "```html\n<img src=x onerror=alert(1)>\n```\n"
    static let inert = "```html\n<p class=\"note\">Hello</p>\n```\n"

    @Test(arguments: [
        "<div>\n</DIV>\n\n\(payload)\n</div>\n", "<div>a</DIV>\n\n\(payload)\nb</div>\n", "<P>\n\n\(payload)\n</P>\n",
        "    code\n\n\(payload)\n</pre>\n", "# Title\n\n\(payload)\n</h1>\n", "Title\n===\n\n\(payload)\n</h1>\n",
        "### Three\n\n\(payload)\n</h3>\n", "<pre>x</pre> y\n\n\(payload)\n    code\n",
        "<h1 align=\"center\">Project</h1> <!-- logo -->\n\n\(payload)\n# Usage\n", "<table>\n\n\(payload)\n",
    ])
    func aFenceInsideABlockMarkdownPlHashesIsJudged(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "See ``` below.\n[ref]: https://example.com/\n\n\(payload)", "a ``` b\n[a]: x\n\n[b]:\n  y\n  \"t\"\n\n\(payload)",
        "Intro.\n\n\(payload)===\n", "Intro.\n\n\(payload)---\n", "Intro.\n\n\(payload)[a]: x\n\n===\n",
        "[XSS](x\\)\"a\n[r]: https://example.com/)\n\nautofocus/onfocus=\"alert(1)\" id=\"q)\n",
        "[XSS](x\"a\n[r]: https://example.com/)\n[s]: https://example.com/s\n\n/autofocus/onfocus=\"alert(1)\" id=\"q)\n",
    ])
    func whatMarkdownPlRewritesBeforeItReadsBlocksIsJudged(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "# Title\n\n\(inert)\n## Next\n", "<div align=\"center\">\n<img src=\"logo.png\">\n</div>\n\n\(inert)",
        "[ref]: https://example.com\n\nText.\n\n\(inert)", "Text.\n\n\(inert)\n---\n", "\(inert)\n[a]: https://example.com\n",
    ])
    func ordinaryDocumentsStayClean(_ text: String) {
        #expect(Self.markdown(text).isEmpty, "\(text.debugDescription): \(Self.markdown(text))")
    }
}

/// Attack round 17 on pictures: metafiles are containers (EMF+ image objects, split or not; WMF escapes carrying an
/// EMF), PostScript runs in Ghostscript.
struct Round17PictureTests {
    let office = Round9Tests().office
    let containers = ContainerInspectionTests()
    /// Python that builds EMF and WMF files (inside the package builder's `with` block).
    static let builders = """
            import struct, gzip
            def rec(t, data):
                data += bytes(-len(data) % 4)
                return struct.pack('<II', t, 8 + len(data)) + data
            def emf(*records):
                return rec(1, bytes(32) + b' EMF' + bytes(44)) + b''.join(records) + rec(14, bytes(12))
            def prec(t, flags, data):
                return struct.pack('<HHII', t, flags, 12 + len(data) + (-len(data) % 4), len(data)) + data + bytes(-len(data) % 4)
            def plus(*records):
                d = b'EMF+' + b''.join(records)
                return rec(70, struct.pack('<I', len(d)) + d)
            def bitmap(payload):
                return struct.pack('<II', 0xDBC01002, 1) + struct.pack('<IIIII', 1, 1, 4, 0x26200A, 1) + payload
            def metafile(payload):
                return struct.pack('<IIII', 0xDBC01002, 2, 3, len(payload)) + payload
            def wmf(*records):
                body = b''.join(records) + struct.pack('<IH', 3, 0)
                return struct.pack('<HHHIHIH', 1, 9, 0x300, (18 + len(body)) // 2, 0, 3, 0) + body
            def wmfc(chunk, kind=1, count=1, total=None):
                total = len(chunk) if total is None else total
                d = struct.pack('<IIIHIIIII', 0x43464D57, kind, 0x10000, 0, 0, count, len(chunk), 0, total) + chunk
                d += bytes(len(d) % 2)
                return struct.pack('<IHHH', 3 + (4 + len(d)) // 2, 0x0626, 0x000F, len(d)) + d
            svg = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///x.png"/></svg>'
            png = bytes.fromhex('89504e470d0a1a0a') + bytes(24)
            rect = rec(43, bytes(16))

        """

    func reasons(part name: String, bytes: String) async throws -> [Reason] {
        let extra = Self.builders + "    z.writestr('xl/media/\(name)', \(bytes))"
        let path = try await Round9Tests().xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: extra)
        return try await containers.inspect(path, name: "book.xlsx", profile: office).reasons
    }

    @Test(arguments: [
        "emf(plus(prec(0x4008, 0x0500, bitmap(svg))))",
        "emf(rect, rec(70, struct.pack('<I', 2100) + bytes(2100)), plus(prec(0x4008, 0x0501, bitmap(svg))))",
        "(lambda o: emf(plus(prec(0x4008, 0x8502, struct.pack('<I', len(o)) + o[:30])), plus(prec(0x4008, 0x0502, o[30:]))))(bitmap(svg))",
        "(lambda o: emf(plus(prec(0x4008, 0x8503, struct.pack('<I', len(o)) + o[:30])), plus(prec(0x4008, 0x8503, struct.pack('<I', len(o)) + o[30:]))))(bitmap(svg))",
        "emf(plus(prec(0x4008, 0x0500, metafile(emf(plus(prec(0x4008, 0x0500, bitmap(svg))))))))",
        "wmf(wmfc(emf(plus(prec(0x4008, 0x0500, bitmap(svg))))))",
        "gzip.compress(emf(plus(prec(0x4008, 0x0500, bitmap(b'%!PS-Adobe-3.0 EPSF-3.0')))))",
        "b'%!PS-Adobe-3.0 EPSF-3.0\\n%%BoundingBox: 0 0 10 10\\n'", "bytes.fromhex('c5d0d3c6') + bytes(40)", "b'VCLMTF' + bytes(40)",
        "emf(rec(106, bytes(12)))", "emf(rec(122, bytes(600)))",
        "emf(rec(70, struct.pack('<I', 12) + b'GDIC' + struct.pack('<I', 0x40000004) + bytes(4)))",
        "emf(rect)[:-20] + struct.pack('<II', 14, 4096) + bytes(12)", "emf(rect) + b'\\x01'", "emf(plus(prec(0x4008, 0x0500, metafile(bytes(64)))))",
        "emf(plus(prec(0x4008, 0x0500, struct.pack('<II', 0xDBC01002, 7))))",
        // Round 18: chunks under different ids and types are one object to LibreOffice; sizes inside an image object
        // choose no bytes (a pixel bitmap without a width, a metafile of size 0); WMF chunks LibreOffice skips; an
        // EMF without its end record.
        "(lambda o: emf(plus(prec(0x4008, 0x8501, struct.pack('<I', len(o)) + o[:28]), prec(0x4008, 0x0302, o[28:]))))(bitmap(svg))",
        "(lambda o: emf(plus(prec(0x4008, 0x8501, struct.pack('<I', 28) + o[:28])), plus(prec(0x4008, 0x8302, struct.pack('<I', 9) + o[28:]))))(bitmap(svg))",
        "emf(plus(prec(0x4008, 0x0500, struct.pack('<II', 0xDBC01002, 1) + struct.pack('<IIIII', 0, 1, 4, 0x26200A, 0) + svg)))",
        "emf(plus(prec(0x4008, 0x0500, struct.pack('<IIII', 0xDBC01002, 2, 3, 0) + emf(plus(prec(0x4008, 0x0500, bitmap(svg)))))))",
        "(lambda e: wmf(wmfc(e[:100], kind=2), wmfc(e[100:])))(emf(plus(prec(0x4008, 0x0500, bitmap(svg)))))",
        "(lambda e: wmf(wmfc(e[:100], count=2), wmfc(e[100:], count=3)))(emf(rect, rect, rect, rect, rect))", "emf(rect)[:-20]",
    ])
    func aMetafileHoldingMoreThanRasterImagesOrPostScriptIsFound(_ bytes: String) async throws {
        let reasons = try await reasons(part: "image1.emf", bytes: bytes)
        #expect(reasons.contains { $0.code == .activeContent || $0.code == .unscannable }, "\(bytes): \(reasons)")
    }

    @Test(arguments: [
        "emf(rect)", "emf(plus(prec(0x4008, 0x0500, bitmap(png))), rect)", "emf(plus(prec(0x4008, 0x0500, metafile(emf(rect)))))",
        "wmf(struct.pack('<IH', 5, 0x0418) + bytes(4))", "wmf(wmfc(emf(rect)))", "gzip.compress(emf(rect))",
        "emf(rec(70, struct.pack('<I', 12) + b'GDIC' + struct.pack('<I', 2) + bytes(4)))",
        "emf(plus(prec(0x4008, 0x0500, struct.pack('<II', 0xDBC01002, 1) + struct.pack('<IIIII', 2, 2, 8, 0x26200A, 0) + bytes(16))))",
        "(lambda e: wmf(wmfc(e[:100], count=2, total=len(e)), wmfc(e[100:], count=2, total=len(e))))(emf(rect, rect, rect, rect, rect))",
    ])
    func metafilesHoldingRasterImagesStayClean(_ bytes: String) async throws {
        let reasons = try await reasons(part: "image1.emf", bytes: bytes)
        #expect(reasons.isEmpty, "\(bytes): \(reasons)")
    }
}
