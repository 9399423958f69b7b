import Testing

@testable import Inspection

/// Writes AESV2 PDFs (standard handler R4, empty user password) with an xref stream: objects whose strings and
/// streams are encrypted here with the file key, so tests choose exactly which bytes Airlock and a reader see.
struct EncryptedPDF {
    static let padding = PDFDecryption.padding
    let id = PDFDecryption.md5(Array("airlock-encryption-readings".utf8))
    let owner = PDFDecryption.md5(Array("owner".utf8)) + PDFDecryption.md5(Array("owner2".utf8))
    let permissions: Int32 = -4
    let encryptMetadata: Bool
    let key: [UInt8]
    /// Direct objects by number, and objects compressed into object stream `container` (xref type 2).
    var objects: [(number: Int, body: [UInt8])] = []
    var compressed: [(number: Int, container: Int)] = []
    /// Entries added to the xref stream's dictionary (which is also the trailer).
    var xrefExtra = ""

    init(encryptMetadata: Bool = true) {
        self.encryptMetadata = encryptMetadata
        var input = Self.padding + owner
        let p = UInt32(bitPattern: permissions)
        input += [
            UInt8(truncatingIfNeeded: p), UInt8(truncatingIfNeeded: p >> 8), UInt8(truncatingIfNeeded: p >> 16), UInt8(truncatingIfNeeded: p >> 24),
        ]
        input += id
        if !encryptMetadata { input += [0xFF, 0xFF, 0xFF, 0xFF] }
        var digest = PDFDecryption.md5(input)
        for _ in 0..<50 { digest = PDFDecryption.md5(Array(digest.prefix(16))) }
        key = Array(digest.prefix(16))
    }

    var user: [UInt8] {
        var value = PDFDecryption.rc4(key: key, PDFDecryption.md5(Self.padding + id))
        for round in 1...19 { value = PDFDecryption.rc4(key: key.map { $0 ^ UInt8(round) }, value) }
        return value + [UInt8](repeating: 0, count: 16)
    }

    /// AESV2 ciphertext of `plain` for object `number`, with the given 16-byte IV (its first bytes).
    func encrypt(_ plain: [UInt8], number: Int, iv: [UInt8]) -> [UInt8] {
        let objectKey = PDFDecryption(
            fileKey: key,
            revision: 4,
            stringCipher: .aes,
            streamCipher: .aes,
            encryptMetadata: encryptMetadata,
            cryptFilters: [:]
        ).objectKey(number: number, generation: 0, aes: true)
        let pad = 16 - plain.count % 16
        let padded = plain + [UInt8](repeating: UInt8(pad), count: pad)
        return iv + (PDFDecryption.aesCBC(encrypt: padded, key: objectKey, iv: iv) ?? [])
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return "<" + String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }) + ">"
    }

    mutating func add(_ number: Int, _ body: String) { objects.append((number, Array(body.utf8))) }

    mutating func add(_ number: Int, stream dictionary: String, data: [UInt8]) {
        objects.append((number, Array("<< \(dictionary) /Length \(data.count) >>\nstream\n".utf8) + data + Array("\nendstream".utf8)))
    }

    func build() -> [UInt8] {
        var out = Array("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int: Int] = [:]
        let encryption = 90
        var all = objects
        all.append(
            (
                encryption,
                Array(
                    ("<< /Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> "
                        + "/StmF /StdCF /StrF /StdCF /O \(Self.hex(owner)) /U \(Self.hex(user)) /P \(permissions)"
                        + (encryptMetadata ? "" : " /EncryptMetadata false") + " >>").utf8
                )
            )
        )
        for object in all {
            offsets[object.number] = out.count
            out += Array("\(object.number) 0 obj\n".utf8) + object.body + Array("\nendobj\n".utf8)
        }
        let xrefNumber = 91
        let start = out.count
        offsets[xrefNumber] = start
        var rows: [UInt8] = []
        for number in 0...xrefNumber {
            if let container = compressed.first(where: { $0.number == number })?.container {
                rows += [2, 0, 0, 0, UInt8(container), 0, 0]
            } else if let offset = offsets[number] {
                rows += [
                    1, UInt8(offset >> 24), UInt8(truncatingIfNeeded: offset >> 16), UInt8(truncatingIfNeeded: offset >> 8),
                    UInt8(truncatingIfNeeded: offset), 0, 0,
                ]
            } else {
                rows += [0, 0, 0, 0, 0, number == 0 ? 0xFF : 0, number == 0 ? 0xFF : 0]
            }
        }
        out += Array(
            "\(xrefNumber) 0 obj\n<< /Type /XRef /Size \(xrefNumber + 1) /W [1 4 2] /Root 1 0 R /Encrypt \(encryption) 0 R /ID [\(Self.hex(id)) \(Self.hex(id))] \(xrefExtra) /Length \(rows.count) >>\nstream\n"
                .utf8
        )
        out += rows + Array("\nendstream\nendobj\nstartxref\n\(start)\n%%EOF\n".utf8)
        return out
    }

    /// Catalog (with `catalog` entries), pages and a page (with `page` entries) as objects 1 to 3.
    static func document(catalog: String = "", page: String = "", encryptMetadata: Bool = true) -> EncryptedPDF {
        var pdf = EncryptedPDF(encryptMetadata: encryptMetadata)
        pdf.add(1, "<< /Type /Catalog /Pages 2 0 R \(catalog) >>")
        pdf.add(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        pdf.add(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \(page) >>")
        return pdf
    }
}

/// Streams and strings the standard leaves unencrypted (xref streams, metadata under /EncryptMetadata false, a /Crypt
/// filter naming /Identity) that pdf.js decrypts anyway (it decrypts every object it fetches through the xref, whatever
/// its /Type, and ignores /Crypt filters): both readings are judged, or the PDF is unscannable where they cannot be.
@Suite struct PDFEncryptionReadingsTests {
    static let objectStreamVariants = ["xref", "metadata", "crypt"]

    /// The round-5 attack: an object stream Airlock read raw (its AES IV a well-formed index `10 0`) while pdf.js
    /// decrypts it to a JavaScript action the catalog's /OpenAction names.
    @Test(arguments: objectStreamVariants)
    func objectStreamReadersDecryptDifferentlyIsUnscannable(variant: String) {
        var pdf = EncryptedPDF.document(catalog: "/OpenAction 10 0 R", encryptMetadata: variant != "metadata")
        let index = Array("10 0".utf8) + [UInt8](repeating: 0x20, count: 12)
        let data = pdf.encrypt(index + Array("<< /S /JavaScript /JS (app.alert\\(1\\)) >>".utf8), number: 7, iv: index)
        let type =
            switch variant {
            case "xref": "/Type /XRef"
            case "metadata": "/Type /Metadata /Subtype /XML"
            default: "/Type /ObjStm /Filter [/Crypt] /DecodeParms [<< /Name /Identity >>]"
            }
        pdf.add(7, stream: "\(type) /N 1 /First 16", data: data)
        pdf.compressed = [(10, 7)]
        let findings = PDFActiveContent.findings(in: pdf.build())
        #expect(
            findings.unscannable.contains("an object stream that readers decrypt differently (typed /XRef or /Metadata, or a /Crypt filter)"),
            "\(variant): \(findings)"
        )
    }

    /// Metadata under /EncryptMetadata false is plain for the standard and ciphertext to pdf.js: its decrypted
    /// reading holds a DOCTYPE, which counts.
    @Test func metadataIsJudgedDecryptedToo() {
        var pdf = EncryptedPDF.document(catalog: "/Metadata 4 0 R", encryptMetadata: false)
        let xml = Array("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".utf8)
        pdf.add(4, stream: "/Type /Metadata /Subtype /XML", data: pdf.encrypt(xml, number: 4, iv: Array("0123456789abcdef".utf8)))
        let findings = PDFActiveContent.findings(in: pdf.build())
        #expect(findings.active.contains("an XML stream with a DOCTYPE or ENTITY declaration (XXE)"), "\(findings)")
    }

    /// The same stream in plain text (what /EncryptMetadata false means) stays clean: both readings are judged, and
    /// the ciphertext reading of plain XML is noise.
    @Test func plainMetadataUnderEncryptMetadataFalseIsClean() {
        var pdf = EncryptedPDF.document(catalog: "/Metadata 4 0 R", encryptMetadata: false)
        pdf.add(4, stream: "/Type /Metadata /Subtype /XML", data: Array("<?xml version=\"1.0\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>".utf8))
        #expect(PDFActiveContent.findings(in: pdf.build()) == PDFActiveContent.Findings())
    }

    /// A stream typed /XRef that no startxref, /Prev or /XRefStm leads to is only ever fetched as an object, which
    /// readers decrypt differently.
    @Test func strayXRefStreamInAnEncryptedFileIsUnscannable() {
        var pdf = EncryptedPDF.document(page: "/Annots [5 0 R]")
        pdf.add(5, "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A 6 0 R >>")
        pdf.add(6, stream: "/Type /XRef /S /GoTo /D [3 0 R /Fit]", data: Array("junk".utf8))
        let findings = PDFActiveContent.findings(in: pdf.build())
        #expect(
            findings.unscannable.contains("an encrypted PDF holds an xref stream (object 6) that no startxref, /Prev or /XRefStm names"),
            "\(findings)"
        )
    }

    /// The real xref stream fetched as an action: its strings are plain to the standard and decrypted by pdf.js, so
    /// both readings count (here the raw one is a web link, the decrypted one a file: URI).
    @Test func xrefStreamStringsAreJudgedBothWays() {
        var pdf = EncryptedPDF.document(page: "/Annots [5 0 R]")
        pdf.add(5, "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A 91 0 R >>")
        let iv = Array("https://ex.com/#".utf8)
        let uri = pdf.encrypt(Array("file:///etc/passwd".utf8), number: 91, iv: iv)
        pdf.xrefExtra = "/S /URI /URI \(EncryptedPDF.hex(uri))"
        let findings = PDFActiveContent.findings(in: pdf.build())
        #expect(findings.active.contains("a URI action in an annotation to a non-web address (file:)"), "\(findings)")
    }

    /// Ordinary encrypted files keep reading clean: objects in an object stream, strings and streams decrypted.
    @Test func ordinaryEncryptedObjectStreamIsClean() {
        var pdf = EncryptedPDF.document(page: "/Annots [10 0 R]")
        let plain = Array("10 0 << /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (mailto:a@example.com) >> >>".utf8)
        pdf.add(7, stream: "/Type /ObjStm /N 1 /First 5", data: pdf.encrypt(plain, number: 7, iv: Array("fedcba9876543210".utf8)))
        pdf.compressed = [(10, 7)]
        #expect(PDFActiveContent.findings(in: pdf.build()) == PDFActiveContent.Findings())
    }

    /// A key of the encryption dictionary written twice (`/StmF /StdCF … /StmF /Identity`): readers that take the
    /// other value decrypt differently.
    @Test func encryptionDictionaryWithARepeatedKeyIsUnscannable() {
        var encrypt = PDFParser(bytes: Array("<< /Filter /Standard /V 4 /R 4 /StmF /StdCF /StmF /Identity >>".utf8))
        guard case .dictionary(let dictionary)? = encrypt.parseValue() else {
            Issue.record("not a dictionary")
            return
        }
        guard case .failure(let failure) = PDFDecryption.open(dictionary, firstID: []) else {
            Issue.record("opened")
            return
        }
        #expect(failure == .unsupported("the PDF's encryption dictionary writes a key more than once with different values"))
    }
}

extension PDFEncryptionReadingsTests {
    /// Compressed plain XMP under /EncryptMetadata false: decrypted, it is no Flate data, which is no finding.
    @Test func compressedPlainMetadataUnderEncryptMetadataFalseIsClean() {
        var pdf = EncryptedPDF.document(catalog: "/Metadata 4 0 R", encryptMetadata: false)
        let xml = Array("<?xml version=\"1.0\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>".utf8)
        pdf.add(4, stream: "/Type /Metadata /Subtype /XML /Filter /FlateDecode", data: PDFBuilder.deflate(xml))
        #expect(PDFActiveContent.findings(in: pdf.build()) == PDFActiveContent.Findings())
    }
}
