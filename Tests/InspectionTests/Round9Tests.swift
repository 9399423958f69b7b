import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Attack round 9 on inspection: OOXML parts and packages that LibreOffice reads differently from Airlock.
struct Round9Tests {
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    let office = UploadProfile(name: "office", maxSize: 4 << 20, allow: [.init(extensions: ["xlsx"], types: [Self.xlsxType])])
    let containers = ContainerInspectionTests()
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// A workbook whose sheet part is `sheet` (a Python bytes expression) at `sheetName`, with `extra` more Python
    /// lines writing members to `z`.
    func xlsx(sheet: String, sheetName: String = "worksheets/sheet1.dat", extra: String = "") async throws -> String {
        try await containers.build(
            """
            with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
                z.writestr('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="\(Self.rel)/officeDocument" Target="xl/workbook.xml"/></Relationships>')
                z.writestr('xl/workbook.xml', '<workbook xmlns="\(Self.main)" xmlns:r="\(Self.rel)"><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>')
                z.writestr('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="\(Self.rel)/worksheet" Target="\(sheetName)"/></Relationships>')
                z.writestr('xl/\(sheetName)', \(sheet))
            \(extra)
            """
        )
    }

    static let formulaSheet =
        "'<?xml version=\"1.0\"?><worksheet xmlns=\"\(main)\"><sheetData><row r=\"1\"><c r=\"A1\"><f>_xlfn.WEBSERVICE(\"https://evil.example\")</f></c></row></sheetData></worksheet>'"

    /// A part libxml2 detects as EBCDIC or UCS-4 by its first bytes is XML whatever it is named or typed.
    @Test(arguments: ["cp037", "utf-32-be", "utf-32-le", "utf-32"])
    func aPartInAnEncodingLibxml2DetectsIsFound(_ encoding: String) async throws {
        let sheet =
            encoding == "cp037"
            ? "\(Self.formulaSheet).replace('?>', ' encoding=\"IBM037\"?>').encode('cp037')" : "\(Self.formulaSheet).encode('\(encoding)')"
        for name in ["worksheets/sheet1.dat", "worksheets/sheet1"] {
            let verdict = try await containers.inspect(try xlsx(sheet: sheet, sheetName: name), name: "book.xlsx", profile: office)
            #expect(
                verdict.reasons.contains { $0.code == .activeContent && $0.detail.contains("which Airlock does not read") },
                "\(encoding) \(name): \(verdict.reasons)"
            )
        }
    }

    /// An OOXML package that is also an OpenDocument package is opened as OpenDocument by LibreOffice.
    @Test func aPackageThatIsAlsoOpenDocumentIsATypeMismatch() async throws {
        let odf = """
                z.writestr('mimetype', 'application/vnd.oasis.opendocument.spreadsheet')
                z.writestr('META-INF/manifest.xml', '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
                z.writestr('content.xml', '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
            """
        let verdict = try await containers.inspect(try xlsx(sheet: "b'<worksheet/>'", extra: odf), name: "book.xlsx", profile: office)
        #expect(verdict.reasons.contains { $0.code == .typeMismatch && $0.detail.contains("OpenDocument") }, "\(verdict.reasons)")
        let plain = try await containers.inspect(
            try xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml"),
            name: "book.xlsx",
            profile: office
        )
        #expect(plain.outcome == .clean, "\(plain.reasons)")
    }

    /// The XML declaration is read with XML's grammar: line breaks around `=`, any amount of white space.
    @Test(arguments: [
        "<?xml version=\"1.0\" encoding=\n\"UTF-7\"?>", "<?xml version=\"1.0\"\r\nencoding\r\n=\r\n'UTF-7'?>",
        "<?xml version=\"1.0\"" + String(repeating: " ", count: 400) + "encoding=\"UTF-7\"?>",
    ])
    func aDeclarationWrittenAnyWayIsRead(_ declaration: String) {
        #expect(MarkupActiveContent.declaredEncoding(Array((declaration + "<a/>").utf8)) == "utf-7")
        let findings = OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array((declaration + "<worksheet/>").utf8))
        #expect(findings.contains { $0.contains("utf-7") }, "\(findings)")
    }

    @Test(arguments: [
        "<?xml version=\"1.0\" encoding=\"UTF-7\"", "<?xml version=1.0 encoding=\"UTF-7\"?>", "<?xml encoding=\"utf-8\" encoding=\"utf-7\"?>",
    ])
    func aDeclarationAirlockCannotReadWholeIsFound(_ declaration: String) {
        #expect(MarkupActiveContent.declaredEncoding(Array((declaration + "<a/>").utf8)) == MarkupActiveContent.unreadableDeclaration)
    }

    @Test func ordinaryDeclarationsAreRead() {
        #expect(MarkupActiveContent.declaredEncoding(Array("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<a/>".utf8)) == "utf-8")
        #expect(MarkupActiveContent.declaredEncoding(Array("<?xml version='1.0'?><a/>".utf8)) == nil)
        #expect(MarkupActiveContent.declaredEncoding(Array("<svg/>".utf8)) == nil)
    }

    /// An external relationship typed hyperlink is admitted for clicks only: a linked picture (`r:link`) that names it
    /// is fetched when the document opens, whatever the relationship's type says.
    @Test func aHyperlinkRelationshipUsedByALinkedPictureIsFound() async throws {
        func drawing(_ use: String) -> String {
            """
                z.writestr('xl/drawings/drawing1.xml', '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="\(Self.rel)"><xdr:pic>\(use)</xdr:pic></xdr:wsDr>')
                z.writestr('xl/drawings/_rels/drawing1.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\(Self.rel)/hyperlink" Target="https://evil.example/x.png" TargetMode="External"/></Relationships>')
            """
        }
        let linked = try await containers.inspect(
            try xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: drawing("<a:blip r:link=\"rId1\"/>")),
            name: "book.xlsx",
            profile: office
        )
        #expect(linked.reasons.contains { $0.detail.contains("uses the external hyperlink rId1") }, "\(linked.reasons)")
        let clicked = try await containers.inspect(
            try xlsx(sheet: "b'<worksheet/>'", sheetName: "worksheets/sheet1.xml", extra: drawing("<a:hlinkClick r:id=\"rId1\"/>")),
            name: "book.xlsx",
            profile: office
        )
        #expect(clicked.outcome == .clean, "\(clicked.reasons)")
    }

    @Test func relationshipPartsNameTheirSourcePart() {
        #expect(OOXMLParts.sourcePart(ofRelationships: "xl/drawings/_rels/drawing1.xml.rels") == "xl/drawings/drawing1.xml")
        #expect(OOXMLParts.sourcePart(ofRelationships: "xl/_rels/workbook.xml.rels") == "xl/workbook.xml")
        #expect(OOXMLParts.sourcePart(ofRelationships: "_rels/.rels") == nil)
    }
}
