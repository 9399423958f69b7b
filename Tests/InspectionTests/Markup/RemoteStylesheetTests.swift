import Testing

@testable import Inspection

/// Remote CSS is one thing however it is asked for: a stylesheet `<link>` and `@import` both fetch CSS Airlock never
/// sees, so both are active content in HTML, SVG and Markdown alike.
struct RemoteStylesheetTests {
    static func html(_ head: String) -> [String] {
        MarkupActiveContent.findings(in: Array("<!doctype html><html><head>\(head)<title>t</title></head><body><p>hi</p></body></html>".utf8))
    }

    static func markdown(_ text: String) -> [String] { TextActiveContent.findings(in: Array(text.utf8), markdown: true) }

    @Test(arguments: [
        "<link rel=\"stylesheet\" href=\"https://fonts.example/x.css\">", "<link rel=stylesheet href=style.css>",
        "<LINK REL=\"Alternate StyleSheet\" HREF=\"//cdn.example/a.css\" title=a>", "<link rel=\"&#115;tylesheet\" href=\"x.css\">",
        "<link href=\"https://x.example/i.html\" rel=\"import\">", "<link rel=prerender href=\"https://x.example/\">",
        "<style>@import url(https://fonts.example/x.css);</style>", "<style>@import 'x.css';</style>",
    ])
    func htmlStylesheetsAreActive(_ head: String) {
        #expect(!Self.html(head).isEmpty, "\(head)")
    }

    /// Links that only fetch (like an image's src) or fetch nothing stay clean in HTML.
    @Test(arguments: [
        "<link rel=\"icon\" href=\"https://example.com/favicon.ico\">", "<link rel=canonical href=\"https://example.com/\">",
        "<link rel=\"preconnect\" href=\"https://fonts.example\">", "<link rel=stylesheet>",
        "<style>body { font-family: sans-serif; background: url(https://example.com/bg.png) }</style>",
    ])
    func htmlLinksThatApplyNothingStayClean(_ head: String) {
        #expect(Self.html(head).isEmpty, "\(head): \(Self.html(head))")
    }

    @Test func svgImportStaysActive() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(https://fonts.example/x.css);</style><circle r=\"3\"/></svg>"
        #expect(MarkupActiveContent.findings(in: Array(svg.utf8)) == ["an @import rule in a <style> element"])
    }

    /// In Markdown (and any text) a <style> element is read as CSS: `@import` is refused like a stylesheet link.
    @Test(arguments: [
        "# Hi\n\n<style>@import url(https://evil.example/x.css);</style>\n", "<STYLE>\n@im\\70 ort 'https://evil.example/x.css';\n",
        "<style>body { behavior: url(x.htc) }</style>", "<style>p { background: url(javascript:alert(1)) }</style>",
        "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
    ])
    func markdownStylesheetsAreActive(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text)")
    }

    @Test func markdownStyleWithoutFetchesStaysClean() {
        #expect(Self.markdown("# Hi\n\n<style>.note { color: #555; background: url(https://example.com/bg.png) }</style>\n").isEmpty)
        // Many unclosed <style> tags are judged once, not once each.
        #expect(Self.markdown(String(repeating: "<style>a{color:red}", count: 20_000)).isEmpty)
    }
}
