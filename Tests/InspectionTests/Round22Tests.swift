import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Attack round 22 on Markdown attribute lists: engines end a list in other places than Airlock did (Python-Markdown
/// at the last `}` on the line, after raw HTML, comments and escapes it sets aside; `\\}`), and `{::` opens a list to
/// kramdown and Python-Markdown when no extension follows.
struct Round22TextTests {
    @Test(arguments: [
        "Text <meta content=\"0;url=https://e.example/\">{::: http-equiv=\"refresh\"} more",
        "Text <link href=\"https://e.example/a.css\">{::x! rel=\"stylesheet\"} more",
        "<iframe markdown=\"span\">x\n{:: src=\"https://e.example/a.html\"}</iframe>\n",
        "<iframe markdown=\"span\">x\n{ title=\"}\" src=\"https://e.example/a.html\" }</iframe>\n",
        "<iframe markdown=\"span\">x\n{: title=\"}\" src=\"https://e.example/a.html\" }</iframe>\n",
        "<iframe markdown=\"span\">x\n{ src=\"https://e.example/a.html\" \\\\}</iframe>\n",
        "<iframe markdown=\"span\">x\n{ title=a<b title=\"}\"></b> src=\"https://e.example/a.html\" }</iframe>\n",
        "<object markdown=\"span\">x\n{: title=a<!--}--> data=\"https://e.example/a.svg\" }</object>\n",
        // Attack round 23: md_in_html ends the element's text at its end tag, and makes a comment, a declaration or an
        // `<hr>` line breaks around a placeholder; attr_list reads lists mid-line on raw cells, headings and terms.
        "<iframe markdown=\"span\">x\n{ src=\"https://e.example/a.html\" }</iframe> tail text\n",
        "<iframe markdown=\"span\">x\n<!-- c -->{ src=\"https://e.example/a.html\" }</iframe>\n",
        "<object markdown=\"span\">x\n<hr>{ data=\"https://e.example/a.svg\" }</object>\n",
        "<iframe markdown=\"span\">x\n<!x> { srcdoc=\"&lt;script&gt;go()&lt;/script&gt;\" }</iframe>.\n",
        "<table><tr><td markdown=\"span\">x {background=\"https://e.example/bg.png\" http-equiv=\"refresh\"}</td></tr></table>\n",
    ])
    func aListEndingElsewhereForAnotherEngineIsJudged(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "```jsx\nreturn <Counter start={0} step={1} />;\n```\n", "$$\\sum_{i=1}^{n} x_{i=2}$$\n", "*x*{ rel=\"stylesheet\" } and `a`{b=c}",
        "```js\nfunction f(){a=1}\nconst x = [{a: 'v=1'}, {b: 2}];\n```\n",
    ])
    func codeAndMathWithBracesStayClean(_ text: String) {
        #expect(Round13Tests.markdown(text).isEmpty, "\(text.debugDescription): \(Round13Tests.markdown(text))")
    }

    @Test func manyBracesOnOneLongLineAreJudgedOnce() {
        // One line of JSON-like records (the clean corpus's large.json took over a minute when each `{` read on to
        // the line's end): every stretch is read once.
        let line = String(repeating: "{\"id\": 1, \"label\": \"row\"}, ", count: 20_000)
        #expect(Round13Tests.markdown("[" + line + "]\n").isEmpty)
        #expect(!Round13Tests.markdown(line + "{: src=\"https://e.example/\"}\n").isEmpty)
    }
}

/// Attack round 22 on Office media and signatures: LibreOffice plays whatever part a video element names, whatever
/// the relationship's type; a compressed movie box hides a reference movie; a certificate the walker could not finish
/// hid the URL it had found; weak signatures admitted a UTF-16 manifest.
struct Round22PackageTests {
    let office = Round9Tests().office
    let containers = ContainerInspectionTests()

    /// A workbook whose drawing holds a video element naming, through a relationship of type `type`, the part
    /// `xl/media/<name>` holding `bytes` (Python).
    func played(name: String, bytes: String, type: String = "image") async throws -> [Reason] {
        try await workbook(media: [(name, bytes)], relationships: [("r1", type, name)], elements: "<a:videoFile r:link=\"r1\"/>")
    }

    /// A workbook with `media` parts in `xl/media/`, drawing relationships (Id, type, target in `xl/media/`) and drawing
    /// `elements` (DrawingML, prefix `a`).
    func workbook(
        media: [(name: String, bytes: String)],
        relationships: [(id: String, type: String, target: String)],
        elements: String
    )
        async throws -> [Reason]
    {
        let listed = relationships.map { "<Relationship Id=\"\($0.id)\" Type=\"\(Round9Tests.rel)/\($0.type)\" Target=\"../media/\($0.target)\"/>" }
        let drawing =
            "'<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"\(Round9Tests.rel)\">\(elements)</xdr:wsDr>'"
        let extra =
            media.map { "    z.writestr('xl/media/\($0.name)', \($0.bytes))\n" }.joined()
            + "    z.writestr('xl/drawings/_rels/drawing1.xml.rels', '<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(listed.joined())</Relationships>')\n"
            + "    z.writestr('xl/drawings/drawing1.xml', \(drawing))"
        let path = try await Round9Tests().xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: extra)
        return try await containers.inspect(path, name: "book.xlsx", profile: office).reasons
    }

    @Test(arguments: [
        ("media1.dat", "b' ' * 2300 + \(Round21PackageTests.dash)"),
        ("media1.dat", "(lambda box: box(b'uuid', bytes(16)) + box(b'moov', box(b'rmra', box(b'rmda', b''))))(\(Round21PackageTests.box))"),
        ("image1.png", "bytes(range(256)) * 4"), ("media1.xml", "b'<?xml version=\"1.0\"?><x/>'"),
    ])
    func aPartAVideoElementPlaysMustBeAContainerWhateverTheRelationship(_ name: String, _ bytes: String) async throws {
        let reasons = try await played(name: name, bytes: bytes)
        #expect(reasons.contains { $0.code == .activeContent && $0.detail.contains(name) }, "\(reasons)")
    }

    /// Attack round 23: readers map an Id to a part differently (LibreOffice keeps the first of two relationships with
    /// one Id, and opens a target by its literal name): every part an Id may lead to is judged.
    @Test func everyPartAPlayedIdMayLeadToIsJudged() async throws {
        let movie = "(lambda box: box(b'uuid', bytes(16)) + box(b'moov', box(b'rmra', b'')))(\(Round21PackageTests.box))"
        let reasons = try await workbook(
            media: [("media1.dat", movie), ("x%2f..%2fmedia2.dat", movie), ("./media3.dat", movie)],
            relationships: [
                ("r1", "image", "media1.dat"), ("r1", "image", "none.png"), ("r2", "image", "x%2f..%2fmedia2.dat"), ("r3", "image", "./media3.dat"),
            ],
            elements: "<a:videoFile r:link=\"r1\"/><a:audioFile r:link=\"r2\"/><a:videoFile r:link=\"r3\"/>"
        )
        // Attack round 24: LibreOffice keeps a target as written (`./`, blanks, empty segments).
        #expect(reasons.contains { $0.detail.contains("'xl/media/./media3.dat'") }, "\(reasons)")
        #expect(reasons.contains { $0.detail.contains("'xl/media/media1.dat'") }, "\(reasons)")
        #expect(reasons.contains { $0.detail.contains("'xl/media/x%2f..%2fmedia2.dat'") }, "\(reasons)")
    }

    /// Attack round 23: `00 00 01 BA` (an MPEG program stream's pack start) is also the size of a first box.
    @Test func aFirstBoxBehindAnotherSignatureIsWalked() {
        let reference = Array("moov".utf8)
        var movie: [UInt8] = [0x00, 0x00, 0x01, 0xBA] + Array("prfl".utf8) + [UInt8](repeating: 0, count: 434)
        movie += [0, 0, 0, 16] + reference + [0, 0, 0, 8] + Array("rmra".utf8)
        #expect(MediaContent.container(movie) == .isoMedia)
        let problem = MediaContent.problem(head: Array(movie.prefix(64)), size: Int64(movie.count)) { offset, count in
            Array(movie[Int(offset)..<min(movie.count, Int(offset) + count)])
        }
        #expect(problem?.contains("reference movie") == true, "\(String(describing: problem))")
    }

    @Test func aPlayedContainerStaysClean() async throws {
        #expect(try await played(name: "media1.dat", bytes: Round21PackageTests.mp4(flags: 1)).isEmpty)
    }

    @Test func aCompressedMovieBoxIsRefused() async throws {
        let movie =
            "(lambda box: box(b'ftyp', b'qt  ' + bytes(4)) + box(b'moov', box(b'cmov', box(b'dcom', b'zlib') + box(b'cmvd', bytes(4) + __import__('zlib').compress(box(b'moov', box(b'rmra', b'')))))))(\(Round21PackageTests.box))"
        let reasons = try await played(name: "media1.mov", bytes: movie, type: "video")
        #expect(reasons.contains { $0.detail.contains("compressed movie box") }, "\(reasons)")
    }

    @Test(arguments: [
        // A UTF-16 Smooth Streaming manifest, and a UTF-16 byte-order mark that is no MPEG audio header.
        "'<SmoothStreamingMedia MajorVersion=\"2\"><StreamIndex Url=\"http://e.example/{start time}\"/></SmoothStreamingMedia>'.encode('utf-16')",
        "'\\ufeff#x'.encode('utf-16-le') + bytes(200)", "b'G' + bytes(400)",
    ])
    func weakSignaturesAdmitNoText(_ bytes: String) async throws {
        let reasons = try await played(name: "media1.mp3", bytes: bytes, type: "audio")
        #expect(reasons.contains { $0.code == .activeContent }, "\(reasons)")
    }

    @Test func mpegAudioFramesAreCheckedByTheirLength() {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes a frame.
        #expect(MediaContent.mpegAudioFrameLength([0xFF, 0xFB, 0x90, 0x00]) == 417)
        #expect(MediaContent.mpegAudioFrameLength([0xFF, 0xFE, 0x3C, 0x00]) == nil)
    }

    @Test func dottedNumbersInAnyBaseAreAnIPAddress() {
        #expect(CertificateContent.urlProblem("http://0x7f.0x1:8792/a.crt") != nil)
        #expect(CertificateContent.urlProblem("http://127.1/a.crt") != nil)
        #expect(CertificateContent.urlProblem("http://0xcafe.example.com/a.crt") == nil)
    }

    @Test func aURIBeforeAnElementPastTheWalksLimitsIsNotLost() {
        var nested: [UInt8] = Round21PackageTests.tlv(0x30, [])
        for _ in 0..<40 { nested = Round21PackageTests.tlv(0x30, nested) }
        let access = Round21PackageTests.tlv(0x30, Round21PackageTests.tlv(0x86, Array("http://127.0.0.1/a.crt".utf8)) + nested)
        let certificate = Round21PackageTests.tlv(0x30, Round21PackageTests.tlv(0xA3, Round21PackageTests.tlv(0x04, access)))
        #expect(CertificateContent.problem(der: certificate) != nil)
    }
}
