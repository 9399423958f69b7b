import Foundation
import Testing

@testable import Inspection

/// Attack round 10 on inspection: OOXML attributes and character references read as XML reads them, and the first
/// line LibreOffice takes an encoding from.
struct Round10Tests {
    static func findings(_ part: String, name: String = "xl/drawings/drawing1.xml", links: Set<String> = ["rId1"]) -> [String] {
        OOXMLParts.findings(partName: name, bytes: Array(part.utf8), externalLinks: links)
    }

    /// Every spelling of a linked picture's use of an external hyperlink Id is found: another namespace's copy of the
    /// attribute, a long character reference, a tab that XML reads as a space.
    @Test(arguments: [
        #"<a:blip r:link="rId1" x:link="zzz"/>"#, #"<a:blip x:link="zzz" r:link="rId1"/>"#, #"<a:blip r:link="&#x0000000072;Id1"/>"#,
        #"<a:blip r:link="r&#0000000000073;d1"/>"#, "<a:blip r:link=\"rId\t1\"/>", #"<a:blip r:link="rId1" r:LINK="zzz"/>"#,
    ])
    func anExternalHyperlinkUsedByAPictureIsFoundHoweverItIsSpelled(_ blip: String) {
        let links: Set<String> = blip.contains("\t") ? ["rId 1"] : ["rId1"]
        #expect(!Self.findings("<xdr:wsDr><xdr:pic>\(blip)</xdr:pic></xdr:wsDr>", links: links).isEmpty, "\(blip.debugDescription)")
    }

    /// A relationship's attribute repeated in another namespace or case shadows the one readers take.
    @Test(arguments: [
        #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="http://evil.example/x.png" TargetMode="External" x:Target="../media/image1.png" x:TargetMode="Internal"/>"#,
        #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="\\evil.example\share\x.docx" TARGET="https://example.com/" TargetMode="External"/>"#,
        #"<Relationship Id="rId1" ID="fake" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/x.png"/>"#,
    ])
    func aShadowedRelationshipAttributeIsFound(_ relationship: String) {
        let part = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(relationship)</Relationships>"
        #expect(!Self.findings(part, name: "xl/drawings/_rels/drawing1.xml.rels", links: []).isEmpty, "\(relationship)")
    }

    /// A formula's name written with long character references is the function.
    @Test(arguments: ["_xlfn.&#x0000000057;EBSERVICE(\"https://evil.example\")", "&#0000000072;YPERLINK(\"file:///etc/passwd\",\"x\")"])
    func aFormulaSpelledWithLongCharacterReferencesIsFound(_ formula: String) {
        #expect(
            !Self.findings(
                "<worksheet><sheetData><row><c><f>\(formula)</f></c></row></sheetData></worksheet>",
                name: "xl/worksheets/sheet1.xml",
                links: []
            ).isEmpty
        )
    }

    /// LibreOffice converts a part from the first ` encoding` on its first line, wherever it stands.
    @Test(arguments: [
        "<?xml version=\"1.0\" standalone=\"yes\"?><!-- encoding 'UTF-7' --><worksheet/>",
        "<?xml version=\"1.0\"?><?x encoding='UTF-7'?><worksheet/>",
        "<?xml version=\"1.0\"\tencoding=\"UTF-8\"?><!-- encoding 'UTF-7' --><worksheet/>", "<worksheet a=\" encoding'\"/><!--'\"/>--></worksheet>",
    ])
    func anEncodingNamedOutsideTheDeclarationIsFound(_ part: String) {
        #expect(Self.findings(part, name: "xl/worksheets/sheet1.xml", links: []).contains { $0.contains("first line") }, "\(part)")
    }

    /// Ordinary parts: a declaration naming UTF-8, PresentationML's `id` beside `r:id`, namespace declarations, an
    /// encoding mentioned on a later line.
    @Test func ordinaryPartsStayClean() {
        let parts = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<worksheet xmlns=\"x\" xmlns:r=\"y\"><c r=\"A1\"><v>1</v></c></worksheet>",
            "<p:presentation xmlns:p=\"p\" xmlns:r=\"r\"><p:sldIdLst><p:sldId id=\"256\" r:id=\"rId2\"/></p:sldIdLst></p:presentation>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<w:document><w:t>the encoding of this file</w:t></w:document>",
        ]
        for part in parts { #expect(Self.findings(part, name: "ppt/presentation.xml", links: []).isEmpty, "\(part)") }
    }
}
