import Testing

@testable import Inspection

/// Attack round 16 on Markdown: lines holding only a vertical tab or form feed (blank to Airlock, not to Markdown.pl),
/// an escaped `\)` inside a destination, and Markdown.pl's `<hr>` and comment blocks running across lines and fences.
struct Round16MarkdownTests {
    static func markdown(_ text: String) -> [String] { Round13Tests.markdown(text) }

    @Test(arguments: [
        "[x](y\\)\n\u{0C}\n\"autofocus/onfocus=\"alert(1)\" id=\"a)\n", "[x](y\\)\"a\n\u{0B}\n autofocus/onfocus=\"alert(1)\" id=\"a)\n",
        "[x](y\\\\\\) z/onfocus=alert(1))", "![x](y\\)\n\u{0C}\n\u{0B}\n\"a/onerror=\"alert(1))",
        "[x] y\"a\n\u{0C}\n\u{0B}\nb/onfocus=\"alert(1)\"",
    ])
    func aLineOfVerticalWhiteSpaceOrAnEscapedParenthesisEndsNothing(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "<hr\n\n```text\ntabindex=0 autofocus onfocus=alert(1)\n```\n\n>\n",
        "Intro\n\n   <hr\n\n```\nstyle=display:block tabindex=1\nautofocus onfocus=alert(1)\n```\n\n/>\n\nMore text\n",
        "<HR\tclass=x\n\n```\nautofocus onfocus=alert(1)\n```\n\n/>\n", "<hr-x\n\n```\na onfocus=alert(1) autofocus\n```\n>\n",
        "<!-- a -->x\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n--\n>\n",
        "<!-- a -- -->\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n<!-- b --\n\n>\n",
        "<!-- a -->x\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n-- \u{0B}\n \t>  \n",
        "Text\n<!-- a --\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n-->\n",
    ])
    func aFenceInsideMarkdownPlsHrOrCommentBlockIsJudged(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        "Intro\n\n<hr>\n\n```html\n<img src=x onerror=alert(1)>\n```\n", "<hr/>\n\n```html\n<img src=x onerror=alert(1)>\n```\n",
        "<hr class=\"x\"\n    id=\"y\">\n\n```html\n<img src=x onerror=alert(1)>\n```\n",
        "<!-- note -->\n\n```html\n<img src=x onerror=alert(1)>\n```\n\nText -- more\n",
        "A page.\n\u{0C}\nNext page.\n", "See [the docs](https://example.com/a\\)b) for more; it is the online version.\n",
    ])
    func ordinaryHrCommentsAndPageBreaksStayClean(_ text: String) {
        #expect(Self.markdown(text).isEmpty, "\(text.debugDescription): \(Self.markdown(text))")
    }
}
