import Testing

@testable import Inspection

/// Attack round 13 on inspection: INDIRECT text in Excel's external syntax, structured references read as LibreOffice
/// reads them, Markdown.pl's destinations however they are written, and object-stream slots as pdf.js numbers them.
struct Round13Tests {
    @Test(arguments: [
        #"INDIRECT("'/tmp/www/[T2a]Sheet1'!A1")"#, #"INDIRECT("[/tmp/www/T2b]Sheet1!A1")"#, #"INDIRECT("'[T2c]Sheet1'!A1")"#,
        #"INDIRECT("'/tmp/www/[T2d]Sheet1'!R1C1",FALSE)"#, #"INDIRECT("'/root/.ssh/[id]id'!A1")"#, #"INDIRECT("'x"&"/[y]S'!A1")"#,
        #"INDIRECT("//host/share/[b.xlsx]S!A1")"#, #"INDIRECT("S!A1#x")"#,
    ])
    func indirectTextNamingAnotherDocumentInExcelsSyntaxIsFound(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
    }

    @Test(arguments: [
        #"INDIRECT("'My Sheet'!B2")"#, #"INDIRECT("R[-1]C[2]",FALSE)"#, #"INDIRECT("Fruit")"#, #"INDIRECT("A1:A"&10)"#,
        #"INDIRECT("'It''s'!$A$1:$B$2")"#, #"INDIRECT("Sheet2!B3")"#,
    ])
    func indirectTextWithinTheWorkbookStaysClean(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula)")
    }

    /// A `"` inside a structured reference is a character, not a string (LibreOffice): what follows is read.
    @Test(arguments: [
        ##"SUM(T[a"b])&INDIRECT("'http://e.example/x'"&"#$Sheet1.A1")"##, #"SUM(T[a"b])&_xlfn.WEBSERVICE("http://e.example/")"#,
        ##"SUM(T['#x])&SUM('a"b'!A1)&INDIRECT("'http://e.example/T3g'"&"#$Sheet1.A1")"##,
        #"COUNT(T[[#This Row],[a"b]])+RTD("x",,"y")"#, "SUM([1]Sheet1!A1)", "[2]!Rates*2",
    ])
    func structuredReferencesHideNothing(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
    }

    @Test(arguments: ["Table1[[#This Row],[Qty]]*2", "SUM(Sales[Amount])/COUNT(Sales['#Items])", "SUM('Q1 ''24'!A1:A3)"])
    func ordinaryStructuredReferencesStayClean(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula)")
    }

    static func markdown(_ text: String) -> [String] { TextActiveContent.findings(in: Array(text.utf8), markdown: true) }

    @Test(arguments: [
        "![x][pic]\n\n[pic]:\nx\"onerror=\"alert(1)\n", "# Notes\r\r![x][pic]\r\r[pic]: x\"onerror=\"alert(1)\r",
        "![x](y\\)\"onerror=\"alert(1))", "![a]b][]\n\n[a]b]: x\"onerror='alert(1)'", "[a](b\" /onmouseover=\"alert(1))",
        "[a]: <x'\tonfocus='alert(1)'>",
    ])
    func aHandlerAfterAQuoteIsFoundHoweverTheDefinitionIsWritten(_ text: String) {
        #expect(Self.markdown(text).contains { $0.contains("event handler") }, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "He said \"online\" and 'onward', then \"on = off\".", "Set `\"only\"` and 'once' here.", "The \"onboarding\" guide, 'onset' too.",
        "Line one\rLine two\r[docs](https://example.com/a)\r",
    ])
    func quotesBeforeOrdinaryWordsStayClean(_ text: String) {
        #expect(Self.markdown(text).isEmpty, "\(text.debugDescription): \(Self.markdown(text))")
    }

    /// The xref puts object 5 at index 0 of the object stream, whose header calls that slot 99: pdf.js takes it as
    /// object 5 all the same. Index 1's header says 5 and holds an ordinary matrix.
    @Test func anObjectStreamSlotIsTheObjectTheXrefPutsThere() {
        var builder = FixturePDF.document(
            page: "/Resources << /Font << /F1 4 0 R >> >>",
            more: ["<< /Type /Font /Subtype /Type1 /BaseFont /X /FontMatrix 5 0 R >>"]
        )
        builder.add(5, "[0.001 0 0 0.001 0 (0\\); alert\\(1\\)//)]")
        builder.add(6, "[0.001 0 0 0.001 0 0]")
        builder.xref = .stream
        builder.compressed = [5, 6]
        builder.streamHeaderNumbers = [5: 99, 6: 5]
        let findings = PDFActiveContent.findings(in: builder.build())
        #expect(findings.active.contains { $0.contains("FontMatrix") }, "\(findings)")
        builder.streamHeaderNumbers = [:]
        builder.objects[builder.objects.count - 2].body = Array("[0.001 0 0 0.001 0 0]".utf8)
        #expect(PDFActiveContent.findings(in: builder.build()) == PDFActiveContent.Findings())
    }
}

/// Attack round 13: binary-record parts behind relationships, and numbers lexed as pdf.js lexes them.
struct Round13MoreTests {
    @Test(arguments: ["worksheet", "officeDocument", "connections", "sharedStrings"])
    func aRelationshipToBinaryRecordsIsFound(_ type: String) {
        let relationship =
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/\(type)\" Target=\"worksheets/sheet1.BIN\"/>"
        #expect(!Round12OfficeTests.relationships(relationship, part: "xl/_rels/workbook.xml.rels").isEmpty, "\(type)")
    }

    @Test func printerSettingsStayClean() {
        let relationship =
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/printerSettings\" Target=\"../printerSettings/printerSettings1.bin\"/>"
        #expect(Round12OfficeTests.relationships(relationship, part: "xl/worksheets/_rels/sheet1.xml.rels").isEmpty)
    }

    @Test(arguments: [("0-1", 1.0), ("2-2", 22.0), ("--5", -5.0), ("-.5", -0.5), ("4.", 4.0), ("1e3", 1000.0), ("-", 0.0), (".", 0.0)])
    func numbersReadAsPDFJSReadsThem(_ token: String, _ value: Double) {
        let bytes = Array(token.utf8)
        #expect(PDFLexer.readerNumber(bytes, 0, bytes.count) == value, "\(token)")
    }

    @Test(arguments: ["1.2.3", "12abc", "0x1p3", "nan", "+", "1e"])
    func tokensPDFJSReadsOtherwiseAreNoNumber(_ token: String) {
        let bytes = Array(token.utf8)
        #expect(PDFLexer.readerNumber(bytes, 0, bytes.count) == nil, "\(token)")
    }

    /// An object stream whose `/N` is written `0-1`: one object to pdf.js, which Airlock reads too.
    @Test func anObjectStreamCountWithAMinusInsideIsReadAsPDFJSReadsIt() {
        var builder = FixturePDF.document(catalog: "/OpenAction 4 0 R", more: ["<< /S /JavaScript /JS (app.alert\\(1\\)) >>"])
        builder.xref = .stream
        builder.compressed = [4]
        builder.objectStreamFilter = "None"
        let plain = builder.build()
        let bytes = replacing(Array("/N 1".utf8), with: Array("/N 0-1".utf8), in: plain)
        #expect(bytes != plain)
        #expect(PDFActiveContent.findings(in: bytes).active.contains { $0.contains("JavaScript") })
    }

    func replacing(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: pattern) }) else { return bytes }
        return Array(bytes[..<start]) + replacement + Array(bytes[(start + pattern.count)...])
    }
}

struct Round13InvisibleTests {
    @Test(arguments: ["\u{200B}INDIRECT(\"'http://e.example/x'#$S.A1\")", "\u{FEFF}_xlfn.WEBSERVICE(\"http://e/\")", "SUM(A1)+\u{2060}1"])
    func anInvisibleFormattingCharacterInAFormulaIsFound(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula.debugDescription)")
    }

    @Test func oneInsideAStringStaysClean() {
        #expect(OOXMLParts.formulaProblem("CONCAT(\"a\u{200B}b\",\"c\")") == nil)
    }
}

struct Round13TagTests {
    @Test(arguments: [
        "<details open title=\"[x\" data-a=\"](b/ontoggle=alert(1)//)\">y</details>",
        "<details open title=\"![x\" lang=\"y](a/ontoggle=alert(1)//)\">y</details>",
    ])
    func aLinkWhoseBracketsStandInTwoAttributesIsFound(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text)")
    }
}

/// Attack round 14: table references closed as LibreOffice closes them, quoted sheets after a workbook index, `.bin`
/// targets resolved before they are judged.
struct Round14Tests {
    @Test(arguments: [
        ##"SUM(T[a'']"])&INDIRECT("'http://e.example/x'"&"#$Sheet1.A1")"##, ##"SUM(T[a"[b])&INDIRECT("'http://e.example/F1'#$S.A1")"##,
        ##"SUM(T[a'']"])&_xlfn.WEBSERVICE("http://e.example/")"##, "['B9']'Sheet1'!A1", "[B9]'Sheet 1'!A1+1",
    ])
    func tableReferencesEndWhereLibreOfficeEndsThem(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
    }

    @Test(arguments: ["SUM(Sales[Order '#])", "Table1[[#This Row],[Qty]]*Table1[[#Headers],[Name]]", "SUM(T[Customer''s])"])
    func escapedTableReferencesStayClean(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula)")
    }

    @Test(arguments: ["worksheets/sheet1.bin/x/..", "worksheets/sheet1.bin/.", "worksheets/./sheet1.BIN"])
    func aBinTargetIsJudgedResolved(_ target: String) {
        let relationship =
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"\(target)\"/>"
        #expect(!Round12OfficeTests.relationships(relationship, part: "xl/_rels/workbook.xml.rels").isEmpty, "\(target)")
        #expect(
            OOXMLParts.resolvedTarget(target, relationshipsPart: "xl/_rels/workbook.xml.rels") == "xl/worksheets/sheet1.bin"
                || target.hasSuffix("BIN")
        )
    }
}

/// Attack round 14 on text and PDF.
struct Round14TextAndPDFTests {
    @Test(arguments: [
        "![x](y\\)\"a/onerror=\"alert(1))", "![x][p]\n\n[p]:\nx\"a/onerror=\"alert(1)", "![a]b][]\n\n[a]b]: x\"q=1 onerror=alert(1)",
        "<details open title=\"[x\" data-y=\"] ontoggle=alert(1) z=\">y</details>", "<details open title=\"[a] [b\" z=\"]\">y</details>",
    ])
    func handlersAfterAnyAttributeRunAndBracketsAcrossAttributesAreFound(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "<div>\ntext </div>\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n</div>\n",
        "<div>x</div>\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n</div>\n",
    ])
    func aFenceInsideMarkdownPlsRawBlockIsJudged(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [("-\n5", -5), ("+\r\n7", 7), ("--\n3", -3)])
    func aSignBeforeALineBreakGoesOnWithTheNumber(_ text: String, _ value: Int) {
        var parser = PDFParser(bytes: Array(text.utf8), position: 0, maxDepth: 8)
        #expect(parser.parseValue()?.integer == value, "\(text.debugDescription)")
    }

    @Test func anXrefFieldWiderThan32BitsIsUnscannable() {
        let data = PDFBuilder.deflate([1, 0, 0, 0, 1, 0, 0, 0, 9, 0])
        let findings = PDFActiveContent.findings(in: Round12PDFTests.withXrefStream("/W [1 8 1] /Filter /FlateDecode", data))
        #expect(findings.unscannable.contains { $0.contains("wider than 32 bits") }, "\(findings)")
    }

    @Test(arguments: ["/Index 40 0 R", "/Index [0 1] /Size 40 0 R"])
    func anIndirectIndexOrSizeIsUnscannable(_ extra: String) {
        let findings = PDFActiveContent.findings(
            in: Round12PDFTests.withXrefStream("/W [1 2 1] \(extra) /Filter /FlateDecode", PDFBuilder.deflate([1, 0, 9, 0]))
        )
        #expect(findings.unscannable.contains { $0.contains("is a reference") }, "\(findings)")
    }

    @Test func differingBitsPerComponentKeysAreNoReading() {
        let parms: [String: PDFValue] = ["Predictor": .integer(12), "Columns": .integer(1), "BPC": .integer(16), "BitsPerComponent": .integer(8)]
        guard case .failure = PDFFilters.predict([0, 1, 0, 2], parms, budget: 1 << 20) else {
            Issue.record("differing /BPC and /BitsPerComponent decoded")
            return
        }
    }
}

/// Attack round 15: a `>` inside a quoted value, and Markdown.pl's comment blocks.
struct Round15Tests {
    @Test(arguments: ["![x](x\\)\"a='>'b/onerror=\"alert(1))", "![x][p]\n\n[p]:\nx\"a='>'b/onerror=\"alert(1)"])
    func aGreaterThanInsideAQuotedValueEndsNothing(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "<!-- a -- -->\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n<!-- b -->\n",
        "<!-- a -->x\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n<!-- b -->\n",
    ])
    func aFenceInsideMarkdownPlsCommentBlockIsJudged(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }
}

/// Attack round 15 on formulas: blanks after a table reference's `[`, a reference that never closes, 3D external
/// references.
struct Round15FormulaTests {
    @Test(arguments: [
        ##"SUM(T[ [a"])&INDIRECT("'http://e.example/x'"&"#$Sheet1.A1")"##, "SUM(T[\t[a\"])&_xlfn.WEBSERVICE(\"http://e/\")",
        ##"SUM(T[[ [a"]])&INDIRECT("'http://e.example/x'"&"#$S.A1")"##, "SUM(T[a", "[B9]Sheet1:Sheet2!A1", "SUM([B9]Sheet1:Sheet2!A1:B2)",
        "[B9]Sheet1:Sheet1!$A$1",
    ])
    func tableAndExternalReferencesAreReadWhole(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
    }

    @Test(arguments: ["SUM(T[[#This Row], [Qty]])", "SUM(Sheet1:Sheet3!A1)", "Table1[ Amount ]*2"])
    func ordinaryReferencesStayClean(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula)")
    }
}

struct Round15ScenarioTests {
    @Test(arguments: [
        "<inputCells r=\"A1\" val=\"=_xlfn.WEBSERVICE(&quot;http://e/&quot;)\"/>", "<inputCells r=\"A1\" val=\"INDIRECT(B1)\"/>",
        "<x r=\"A1\" v=\" =RTD(&quot;a&quot;,,&quot;b&quot;)\"/>",
    ])
    func formulasInAttributesAreJudged(_ element: String) {
        let part = "<worksheet><scenarios><scenario name=\"s\">\(element)</scenario></scenarios></worksheet>"
        #expect(!OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(part.utf8)).isEmpty, "\(element)")
    }

    @Test func anOrdinaryScenarioStaysClean() {
        let part =
            "<worksheet><scenarios><scenario name=\"s\"><inputCells r=\"A1\" val=\"42\"/><inputCells r=\"A2\" val=\"=A1*2\"/></scenario></scenarios></worksheet>"
        #expect(OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(part.utf8)).isEmpty)
    }
}
