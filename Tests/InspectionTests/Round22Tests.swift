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
        let relationships =
            "'<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" Type=\"\(Round9Tests.rel)/\(type)\" Target=\"../media/\(name)\"/></Relationships>'"
        let drawing =
            "'<xdr:wsDr xmlns:xdr=\"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"\(Round9Tests.rel)\"><a:videoFile r:link=\"r1\"/></xdr:wsDr>'"
        let extra = """
                z.writestr('xl/media/\(name)', \(bytes))
                z.writestr('xl/drawings/_rels/drawing1.xml.rels', \(relationships))
                z.writestr('xl/drawings/drawing1.xml', \(drawing))
            """
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

    @Test func aURIBeforeAnElementPastTheWalksLimitsIsNotLost() {
        var nested: [UInt8] = Round21PackageTests.tlv(0x30, [])
        for _ in 0..<40 { nested = Round21PackageTests.tlv(0x30, nested) }
        let access = Round21PackageTests.tlv(0x30, Round21PackageTests.tlv(0x86, Array("http://127.0.0.1/a.crt".utf8)) + nested)
        let certificate = Round21PackageTests.tlv(0x30, Round21PackageTests.tlv(0xA3, Round21PackageTests.tlv(0x04, access)))
        #expect(CertificateContent.problem(der: certificate) != nil)
    }
}
