import Testing

@testable import Inspection

/// `mailto:` links (texinfo and LaTeX hyperref manuals write them) are admitted where a click follows them, as web
/// links are; on open or in additional actions they stay active, and nothing can ride along as another scheme.
@Suite struct PDFMailtoTests {
    static func annotation(_ uri: String) -> [UInt8] {
        FixturePDF.document(page: "/Annots [4 0 R]", more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI \(uri) >> >>"]).build()
    }

    @Test(arguments: [
        "(mailto:bug-libtasn1@gnu.org)", "(MAILTO:a@example.com?subject=hi)", "( \\001mailto:a@example.com)", "<6d61696c746f3a6140782e6f7267>",
    ])
    func clickedMailtoIsClean(_ uri: String) {
        #expect(PDFActiveContent.findings(in: Self.annotation(uri)) == PDFActiveContent.Findings(), "\(uri)")
    }

    @Test func mailtoOutlineItemIsClean() {
        let bytes = FixturePDF.document(
            catalog: "/Outlines 4 0 R",
            more: [
                "<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>",
                "<< /Title (Contact) /Parent 4 0 R /A << /S /URI /URI (mailto:a@example.com) >> >>",
            ]
        ).build()
        #expect(PDFActiveContent.findings(in: bytes) == PDFActiveContent.Findings())
    }

    @Test(arguments: [
        "(mailto:a@example.com?attach=/etc/passwd)", "(mailto:a@example.com?ATTACHMENT=~/.ssh/id_rsa)", "<feff006d00610069006c0074006f003a0061>",
        "(mai\\tlto:a@example.com)", "(file:mailto:a)",
    ])
    func otherMailLikeAddressesStayActive(_ uri: String) {
        let findings = PDFActiveContent.findings(in: Self.annotation(uri))
        #expect(
            findings.active.count == 1 && findings.active[0].hasPrefix("a URI action in an annotation to a non-web address"),
            "\(uri): \(findings)"
        )
    }

    @Test func mailtoWithoutAGestureStaysActive() {
        let open = FixturePDF.document(catalog: "/OpenAction << /S /URI /URI (mailto:a@example.com) >>").build()
        #expect(PDFActiveContent.findings(in: open).active == ["an OpenAction URI action to a non-web address (mailto:)"])
        let additional = FixturePDF.document(page: "/AA << /O << /S /URI /URI (mailto:a@example.com) >> >>").build()
        #expect(PDFActiveContent.findings(in: additional).active == ["a URI action in additional actions (/AA) to a non-web address (mailto:)"])
    }
}
