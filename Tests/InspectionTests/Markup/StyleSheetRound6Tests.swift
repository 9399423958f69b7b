import Testing

@testable import Inspection

/// Style sheets as a browser reads them (attack round 6): an SVG `<style>` is the element's own text (comments and
/// child elements out, CDATA and references in), and `image-set()` strings are URLs.
struct StyleSheetRound6Tests {
    static func svg(_ style: String) -> [UInt8] {
        Array(#"<svg xmlns="http://www.w3.org/2000/svg"><style>\#(style)</style><rect width="1" height="1"/></svg>"#.utf8)
    }

    @Test(arguments: [
        "@imp<!-- x -->ort url(https://evil.example/x.css);", "@imp<x/>ort url(https://evil.example/x.css);",
        "@imp<![CDATA[ort url(https://evil.example/x.css);]]>", "&#64;import url(https://evil.example/x.css);",
        "@imp<tspan>zz</tspan>ort url(https://evil.example/x.css);",
    ])
    func anImportSplitByMarkupIsFound(_ style: String) {
        let findings = MarkupActiveContent.findings(in: Self.svg(style))
        #expect(findings.contains { $0.contains("@import") }, "\(style): \(findings)")
    }

    @Test(arguments: [
        #"rect { fill: image-set("file:///etc/passwd" 1x); }"#, #"rect { fill: -webkit-image-set('javascript:alert(1)' 1x); }"#,
        #"rect { fill: src("file:///etc/passwd"); }"#,
    ])
    func imageSetStringsAreURLs(_ style: String) {
        #expect(!MarkupActiveContent.findings(in: Self.svg(style)).isEmpty, "\(style)")
    }

    @Test func ordinaryStylesStayClean() {
        for style in [
            "rect { fill: #f00; } /* <!-- not a comment in CSS --> */", "<![CDATA[ rect { stroke: blue; } ]]>",
            #"rect { fill: image-set("https://example.com/a.png" 1x, url(#g) 2x); }"#,
        ] {
            #expect(MarkupActiveContent.findings(in: Self.svg(style)).isEmpty, "\(style)")
        }
    }
}
