import AirlockCore
import Testing

@testable import Inspection

/// Attack round 21 on Markdown attribute lists: kramdown reads a list past `\}`, scans it for `name="value"` pairs
/// anywhere (a name it does not take hides the real pair in what looked like a value), and takes an attribute list
/// definition's first pair glued to its name; Python-Markdown's lists need no `:`. Every `=` in a list counts.
struct Round21TextTests {
    @Test(arguments: [
        // `\}` closes no kramdown list.
        "Text <link href=\"https://e.example/a.css\">{: \\} rel=\"stylesheet\"} more",
        "Intro\n\n<iframe></iframe>\n{: \\} src=\"https://e.example/a.html\"}\n\nmore\n",
        "Text <meta content=\"0;url=https://e.example/\">{: \\} http-equiv=\"refresh\"} more",
        "{::options \\} footnote_prefix=\"x\\\"><link rel=\\\"stylesheet\\\" href=\\\"https://e.example/k.css\\\">\" /}\n\nText[^1]\n\n[^1]: n\n",
        // A name kramdown skips before a quoted value holding the pair.
        "<iframe></iframe>\n{: data-x.y=\" src=\"https://e.example/a.html\" \"}\n",
        "Text <link href=\"https://e.example/a.css\">{: title=\" rel=\"stylesheet\" \"} more",
        // A definition's name glued to its first pair.
        "{:data-x:src=\"https://e.example/a.html\"}\n\n<iframe></iframe>\n{: data-x}\n",
        // A relation kramdown reads past a quote that no blank follows.
        "Text <link href=\"https://e.example/a.css\">{: rel=\"noopener\"x stylesheet\"} more",
        // Python-Markdown: a list without `:` alone on its line, before raw end tags, and after a heading.
        "Intro\n\n<iframe markdown=\"span\">x\n{ src=\"https://e.example/a.html\" }</iframe>\n",
        "<object markdown=\"span\">x\n{ data=\"https://e.example/a.svg\" }</object>\n",
        "<div markdown=\"1\">\n<iframe markdown=\"span\">x\n{src=https://e.example/a.html}\n</iframe>\n</div>\n",
        "# Title { http-equiv=\"refresh\" }\n",
        "Title { http-equiv=\"refresh\" }\n=====\n", "*x*{ rel=\"stylesheet\" }",
        // Options that are not plain pairs.
        "{::options footnote_prefix=\"a&quot;b\" /}\n", "{::options footnote_prefix=x\"y /}\n",
    ])
    func whatAnyEngineReadsInAListIsJudged(_ text: String) {
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    @Test(arguments: [
        // Code that holds braces and `=`, where no engine reads a list.
        "```js\nreq.on('data', (chunk) => { data += chunk; });\n// headers === { foo: 'bar', 'cookie': ['foo=bar', 'bar=baz'] }\n```\n",
        "```js\nconst r = [\n  { type: 'TXT', entries: [ 'v=spf1 include:_spf.example.com ~all' ] },\n];\nconsole.log(`${id !== undefined ? id : '-'}:`);\n```\n",
        "```ruby\n# => {1=>1, 2=>4, 3=>9}\n```\n", "```swift\nmodifyTwice(&count) { $0 += count } // error\n```\n",
        "```python\nprint(\"{:=^30}\".format(x), \"{:>10}\".format(y))\n```\n",
        // Ordinary lists.
        "# Title {: #intro .lead }\n\nText {: title=\"a\" .b }\n", "[site](https://example.com){: rel=\"noopener\" title=\"x\" target=\"_blank\"}",
        "# Title { #intro data-level=\"1\" }\n", "Paragraph.\n{: style=\"color: red\" aria-label=\"x\" }\n",
        "{::options auto_ids=\"false\" toc_levels=\"2..3\" /}\n", "{::options auto_ids=false /}\n",
    ])
    func ordinaryTextStaysClean(_ text: String) {
        #expect(Round13Tests.markdown(text).isEmpty, "\(text.debugDescription): \(Round13Tests.markdown(text))")
    }
}
