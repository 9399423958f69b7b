import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Attack round 21 on Markdown attribute lists: kramdown reads a list past `\}`, scans it for `name="value"` pairs
/// anywhere (a name it does not take hides the real pair in what looked like a value), and takes an attribute list
/// definition's first pair glued to its name; Python-Markdown's lists need no `:`. Every `=` in a list counts.
struct Round21TextTests {
    @Test(arguments: [
        // `\}` closes no kramdown list.
        "Text <link href=\"https://e.example/a.css\">{: \\} rel=\"stylesheet\"} more",
        "Intro\n\n<iframe></iframe>\n{: \\} src=\"https://e.example/a.html\"}\n\nmore\n",
        "Text <meta content=\"0;url=https://e.example/\">{: \\} http-equiv=\"refresh\"} more",
        "{::options \\} footnote_prefix=\"x\\\"><link rel=\\\"stylesheet\\\" href=\\\"https://e.example/k.css\\\">\" /}\n\nText[^1]\n\n[^1]: n\n",
        // A name kramdown skips before a quoted value holding the pair.
        "<iframe></iframe>\n{: data-x.y=\" src=\"https://e.example/a.html\" \"}\n",
        "Text <link href=\"https://e.example/a.css\">{: title=\" rel=\"stylesheet\" \"} more",
        // A definition's name glued to its first pair.
        "{:data-x:src=\"https://e.example/a.html\"}\n\n<iframe></iframe>\n{: data-x}\n",
        // A relation kramdown reads past a quote that no blank follows.
        "Text <link href=\"https://e.example/a.css\">{: rel=\"noopener\"x stylesheet\"} more",
        // Python-Markdown: a list without `:` alone on its line, before raw end tags, and after a heading.
        "Intro\n\n<iframe markdown=\"span\">x\n{ src=\"https://e.example/a.html\" }</iframe>\n",
        "<object markdown=\"span\">x\n{ data=\"https://e.example/a.svg\" }</object>\n",
        "<div markdown=\"1\">\n<iframe markdown=\"span\">x\n{src=https://e.example/a.html}\n</iframe>\n</div>\n",
        "# Title { http-equiv=\"refresh\" }\n",
        "Title { http-equiv=\"refresh\" }\n=====\n",
        // Options that are not plain pairs.
        "{::options footnote_prefix=\"a&quot;b\" /}\n", "{::options footnote_prefix=x\"y /}\n",
    ])
    func whatAnyEngineReadsInAListIsJudged(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        // Code that holds braces and `=`, where no engine reads a list.
        "```js\nreq.on('data', (chunk) => { data += chunk; });\n// headers === { foo: 'bar', 'cookie': ['foo=bar', 'bar=baz'] }\n```\n",
        "```js\nconst r = [\n  { type: 'TXT', entries: [ 'v=spf1 include:_spf.example.com ~all' ] },\n];\nconsole.log(`${id !== undefined ? id : '-'}:`);\n```\n",
        "```ruby\n# => {1=>1, 2=>4, 3=>9}\n```\n", "```swift\nmodifyTwice(&count) { $0 += count } // error\n```\n",
        "```python\nprint(\"{:=^30}\".format(x), \"{:>10}\".format(y))\n```\n",
        // Ordinary lists.
        "# Title {: #intro .lead }\n\nText {: title=\"a\" .b }\n", "[site](https://example.com){: rel=\"noopener\" title=\"x\" target=\"_blank\"}",
        "# Title { #intro data-level=\"1\" }\n", "Paragraph.\n{: style=\"color: red\" aria-label=\"x\" }\n",
        "{::options auto_ids=\"false\" toc_levels=\"2..3\" /}\n", "{::options auto_ids=false /}\n",
    ])
    func ordinaryTextStaysClean(_ text: String) {
        #expect(Round13Tests.markdown(text).isEmpty, "\(text.debugDescription): \(Round13Tests.markdown(text))")
    }
}

/// Attack round 21 on Office packages: a video or audio part that is a playlist or manifest (LibreOffice's player
/// fetches what it names to grab a preview frame), and a digital signature whose certificate names a URL of the
/// attacker's choosing (LibreOffice checks the certificate on open and fetches its issuer).
struct Round21PackageTests {
    let office = Round9Tests().office
    let containers = ContainerInspectionTests()
    /// Python that builds ISO media boxes: `box(b'type', content)`.
    static let box = "(lambda t, b: (8 + len(b)).to_bytes(4, 'big') + t + b)"

    /// An MP4 whose one data reference has flag `flags` (1: the media is in this file).
    static func mp4(flags: Int) -> String {
        let dref = "box(b'dref', bytes(4) + (1).to_bytes(4, 'big') + box(b'url ', bytes([0, 0, 0, \(flags)])))"
        return
            "(lambda box: box(b'ftyp', b'isom' + bytes(4) + b'isomiso2') + box(b'moov', box(b'mvhd', bytes(100)) + box(b'trak', box(b'mdia', box(b'minf', box(b'dinf', \(dref)))))) + box(b'mdat', bytes(64)))(\(box))"
    }

    static let referenceMovie =
        "(lambda box: box(b'ftyp', b'qt  ' + bytes(4)) + box(b'moov', box(b'rmra', box(b'rmda', box(b'rdrf', bytes(4) + b'url ' + (19).to_bytes(4, 'big') + b'http://e.example/m\\0')))))(\(box))"
    static let hls = "b'#EXTM3U\\n#EXTINF:10,\\nhttp://e.example/seg0.ts\\n#EXT-X-ENDLIST\\n'"
    static let dash = "b'<?xml version=\"1.0\"?><MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"><BaseURL>http://e.example/</BaseURL></MPD>'"

    /// A workbook whose drawing has a relationship of `type` to `xl/media/<name>` holding `bytes` (Python).
    func verdict(name: String, bytes: String, type: String = "video") async throws -> [Reason] {
        let relationships =
            "'<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"r1\" Type=\"\(Round9Tests.rel)/\(type)\" Target=\"../media/\(name)\"/></Relationships>'"
        let extra = """
                z.writestr('xl/drawings/drawing1.xml', '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"/>')
                z.writestr('xl/drawings/_rels/drawing1.xml.rels', \(relationships))
                z.writestr('xl/media/\(name)', \(bytes))
            """
        let path = try await Round9Tests().xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: extra)
        return try await containers.inspect(path, name: "book.xlsx", profile: office).reasons
    }

    @Test(arguments: [
        ("media1.mp4", hls, "video"), ("media1.dat", hls, "audio"), ("image1.png", hls, "image"), ("media1.mp4", dash, "video"),
        ("media1.xml", dash, "image"), ("media1.mov", referenceMovie, "video"), ("media1.mp4", mp4(flags: 0), "media"),
        ("media1.dat", "bytes(range(256)) * 4", "video"), ("media1.mp3", "b'ID3\\x03\\x00\\x00\\x00\\x00\\x00\\x00' + \(hls)", "audio"),
        ("media1.m3u8", "b'http://e.example/a.mp3\\n'", "image"),
    ])
    func mediaThatNamesOtherMediaIsRefused(_ name: String, _ bytes: String, _ type: String) async throws {
        let reasons = try await verdict(name: name, bytes: bytes, type: type)
        #expect(reasons.contains { $0.code == .activeContent && $0.detail.contains("media1") || $0.detail.contains("image1") }, "\(name): \(reasons)")
    }

    @Test(arguments: [
        ("media1.mp4", mp4(flags: 1)), ("media1.mp3", "b'ID3\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\xfb\\x90\\x00' + bytes(400)"),
        ("media1.wav", "b'RIFF' + (36).to_bytes(4, 'little') + b'WAVEfmt ' + bytes(24) + b'data' + bytes(4)"),
        ("media1.webm", "bytes([0x1A, 0x45, 0xDF, 0xA3]) + bytes(60)"),
    ])
    func selfContainedMediaStaysClean(_ name: String, _ bytes: String) async throws {
        #expect(try await verdict(name: name, bytes: bytes).isEmpty)
    }

    /// DER: a tag and its content.
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let count = content.count
        let length: [UInt8] = count < 0x80 ? [UInt8(count)] : [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
        return [tag] + length + content
    }

    /// A certificate-shaped DER whose authority information access extension names `url`.
    static func certificate(naming url: String) -> [UInt8] {
        let access = tlv(0x30, tlv(0x30, tlv(0x06, [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02]) + tlv(0x86, Array(url.utf8))))
        let extensionValue = tlv(0x30, tlv(0x06, [0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01]) + tlv(0x04, access))
        let tbs = tlv(
            0x30,
            tlv(0xA0, tlv(0x02, [2])) + tlv(0x02, [1]) + tlv(0x30, tlv(0x06, [0x2A, 0x86, 0x48])) + tlv(0xA3, tlv(0x30, extensionValue))
        )
        return tlv(0x30, tbs + tlv(0x30, tlv(0x06, [0x2A, 0x86, 0x48])) + tlv(0x03, [0, 1, 2, 3]))
    }

    @Test func certificateURLsAreFoundInsideExtensionValues() {
        #expect(CertificateContent.uris(inDER: Self.certificate(naming: "http://ca.example.com/ca.crt")) == ["http://ca.example.com/ca.crt"])
        #expect(CertificateContent.uris(inDER: [0x30, 0x05, 0x01]) == nil)
    }

    @Test(arguments: [
        "http://127.0.0.1:8791/a.crt", "http://localhost/a.crt", "https://[::1]/x", "http://intranet/x.crl", "ldap://ldap.example.com/cn=x",
        "file:///etc/passwd", "http://10.0.0.1/x", "http://a.b.internal/x", "http://user@127.0.0.1/x", "http://0x7f.1/x",
    ])
    func certificateURLsIntoTheReadersNetworkAreRefused(_ url: String) {
        #expect(CertificateContent.problem(der: Self.certificate(naming: url)) != nil, "\(url)")
    }

    @Test(arguments: ["http://crl.eid.belgium.be/eidc200615.crl", "http://ocsp.digicert.com", "https://certs.example.org:8443/ca.crt"])
    func certificateURLsOfPublicHostsAreAdmitted(_ url: String) {
        #expect(CertificateContent.problem(der: Self.certificate(naming: url)) == nil, "\(url)")
    }

    func signed(_ certificate: [UInt8]) async throws -> [Reason] {
        let text = Data(certificate).base64EncodedString(options: .lineLength64Characters).replacingOccurrences(of: "\r\n", with: "\\n")
        let signature =
            "'<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><KeyInfo><X509Data><X509Certificate>\(text)</X509Certificate></X509Data></KeyInfo></Signature>'"
        let extra = "    z.writestr('_xmlsignatures/sig1.xml', \(signature))"
        let path = try await Round9Tests().xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: extra)
        return try await containers.inspect(path, name: "book.xlsx", profile: office).reasons
    }

    @Test func aSignatureCertificateNamingALocalURLIsRefused() async throws {
        let refused = try await signed(Self.certificate(naming: "http://127.0.0.1:8791/a.crt"))
        #expect(refused.contains { $0.code == .activeContent && $0.detail.contains("certificate") }, "\(refused)")
        #expect(try await signed(Self.certificate(naming: "http://certs.example.com/ca.crt")).isEmpty)
        let unreadable = try await signed([0x30, 0x82, 0xFF])
        #expect(unreadable.contains { $0.detail.contains("certificate Airlock cannot read") }, "\(unreadable)")
    }
}
