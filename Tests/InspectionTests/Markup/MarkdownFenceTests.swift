import Foundation
import Testing

@testable import Inspection

/// Fenced code blocks in Markdown files: their content is left out of the browser checks only where every mainstream
/// renderer (cmark-gfm, markdown-it, marked, Python-Markdown's fenced_code, kramdown's GFM parser) renders it as code.
struct MarkdownFenceTests {
    static func markdown(_ text: String) -> [String] { TextActiveContent.findings(in: Array(text.utf8), markdown: true) }

    static let react = """
        # Counter

        Install:

        ```bash
        npm install counter
        ```

        Use it:

        ```jsx
        export function App() {
          return <button onClick={() => setCount(count + 1)} onMouseEnter={hover}>Count</button>;
        }
        ```
        """

    /// Ordinary READMEs: JSX handlers, a script in an html fence, SVG with handlers, nested fences, tildes, CRLF.
    @Test(arguments: [
        react,
        "Add the loader:\n\n```html\n    <script src=\"https://cdn.example/x.js\"></script>\n    <script>init()</script>\n<a href=\"javascript:void(0)\" onclick=\"go()\">x</a>\n```\n",
        "```svg\n    <svg xmlns=\"http://www.w3.org/2000/svg\"><circle r=\"4\" onclick=\"alert(1)\"/><set attributeName=\"href\" to=\"javascript:x\"/></svg>\n```",
        "A fence in a fence:\n\n````markdown\n```jsx\n<b onClick={x}>hi</b>\n```\n~~~\n````\n\nDone.",
        "```tsx\n<input onChange={e => set(e.target.value)} />\n<span onclick=\"x\">\n</span>\n```   \n",
        react.replacingOccurrences(of: "\n", with: "\r\n"),
        "---\ntitle: Counter\n---\n\n```jsx\n<b onClick={x}/>\n```\n",
        "<p align=\"center\">\n  <img src=\"https://example.com/logo.png\">\n</p>\n\n<details><summary>More</summary>\n\nText.\n\n</details>\n\n```jsx\n<b onClick={x}/>\n```\n",
        "- a list\n- of items\n\n```c++\nif (a<b) { onload = 1; }\n```\n\n> a quote\n\n```\n<img src=x onerror=\"y\">\n```",
        // Block-level tags indented four spaces or more: inside the paragraph's span for every renderer.
        "```jsx\nfunction App() {\n  return (\n    <div onClick={go}>\n      <App onLoad={x} />\n    </div>\n  );\n}\n```\n",
    ])
    func agreedFencesHoldNoMarkup(_ text: String) {
        #expect(Self.markdown(text).isEmpty, "\(text)")
        // Without a Markdown name the file may be shown as HTML, where a fence is nothing.
        #expect(!TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text)")
    }

    static let payload = "<img src=x onerror=alert(1)>"

    /// Fences some mainstream renderer does not read as this one block: the markup is judged.
    @Test(arguments: [
        "````\n\(payload)\n```\n",  // closes with a shorter fence: open to the end for all, never closed for Python-Markdown
        "```\n\(payload)\n````\n",  // a longer closing fence: CommonMark closes, Python-Markdown does not
        "```\n\(payload)\n```~~~\n",  // marked closes, CommonMark does not
        "```\n\(payload)\n```\t\n",  // a tab after the closing fence: Python-Markdown does not close
        "```\n\(payload)\n``` x\n",  // not a closing fence anywhere
        "``` a`b\n\(payload)\n```\n",  // a backtick in the info string: no fence for CommonMark
        "```js title\n\(payload)\n```\n",  // two words: no fence for Python-Markdown or kramdown
        "``` {onclick=x}\n\(payload)\n```\n",  // attribute list info strings
        "    ```\n\(payload)\n    ```\n",  // indented 4: an indented code block, and no fence for Python-Markdown
        "  ```\n\(payload)\n  ```\n",  // indented 2: no fence for Python-Markdown
        "\t```\n\(payload)\n\t```\n",  // a tab
        "Title\n```\n\(payload)\n```\n",  // right after a paragraph line
        "Title\n===\n```\n\(payload)\n```\n",  // after a setext heading, without a blank line
        "```\n\(payload)\n",  // never closed
        "- item\n\n  ```\n\(payload)\n  ```\n",  // in a list item
        "1. step\n```\n\(payload)\n```\n",  // right after a list item
        "> quote\n> ```\n> \(payload)\n> ```\n",  // in a block quote
        "<div>\n```\n\(payload)\n```\n</div>\n",  // in an HTML block
        "<div>\n\n```\n\(payload)\n```\n\n</div>\n",  // kramdown keeps the div raw to its end tag
        "<details>\n<summary>x</summary>\n\n```\n\(payload)\n```\n\n</details>\n",
        "<!--\n\n```\n-->\n\(payload)\n```\n",
        "<pre>\n\n```\n\(payload)\n```\n\n</pre>\n",
        "{::nomarkdown}\n\n```\n\(payload)\n```\n\n{:/}\n",  // kramdown passes it through raw
        "<div>\n```\n</div>\n\n```\n\(payload)\n```\n",  // Python-Markdown pairs the first two fences
        "```\r\(payload)\r```\r",  // lone CR line ends
        "---\nx: |\n  ```\n---\n\n```\n\(payload)\n```\n",  // a fence in front matter
        "```\nok\n```\n\(payload)\n",  // after the block
        "```\nok\n```\n{: onclick=\"alert(1)\"}\n",  // a kramdown attribute list on the block
    ])
    func disputedFencesAreJudged(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text)")
    }

    /// Blocks every fence-aware renderer agrees on, but that renderers without fence support (Python-Markdown's
    /// default, Markdown.pl, kramdown's own parser) read as a paragraph whose code span does not cover the markup.
    @Test(arguments: [
        "```js\nconst a = 1;\n\n\(payload)\n```\n",  // a blank line ends the paragraph, and the span with it
        "```js\nconst a = 1;\n   \t\n\(payload)\n```\n",  // a line of blanks is a blank line
        "~~~\n\(payload)\n~~~\n",  // tildes are text there: no span at all
        "```sh\n# install it\n\(payload)\n```\n",  // a heading splits the paragraph
        "```\n[x]: javascript:alert(1)\n\(payload)\n```\n",  // a reference definition is taken out
        "```\n> quoted\n\(payload)\n```\n",  // a block quote
        "```\n        > quoted\n\(payload)\n```\n",  // Markdown.pl quotes at any indent
        "```\nx\n---\n\(payload)\n```\n",  // a setext underline
        "```\nx\n= =\n\(payload)\n```\n",
        "```\n* * *\n\(payload)\n```\n",  // a rule
        "```\nuse ``` here\n\(payload)\n```\n",  // the same run of backticks ends the span
        "```jsx\n<div onClick={go}>\n\(payload)\n</div>\n```\n",  // a block-level tag: a raw HTML block
        "```\n\t<div onclick=\"go()\">x</div>\n```\n",  // a tab is one character to Python-Markdown
        "```\n<App onClick={go} />\n```\n",  // any other element name is a block start to kramdown
        "```\n<IMG src=x onerror=alert(1)>\n```\n",  // kramdown's span names are lower case
        "```\n<!-- x --><img src=x onerror=alert(1)>\n```\n",  // a comment at the margin
    ])
    func fencesNotInertWithoutFenceSupportAreJudged(_ text: String) {
        #expect(!Self.markdown(text).isEmpty, "\(text)")
    }

    /// Server-side code, formulas and raw bytes are read whole: an interpreter ignores Markdown.
    @Test func serverSideCodeInsideAFenceIsFound() {
        #expect(Self.markdown("```php\n<?php system('id'); ?>\n```\n") == ["a PHP open tag"])
        #expect(!Self.markdown("```\n<!--#exec cmd=\"id\" -->\n```\n").isEmpty)
        #expect(!Self.markdown("```\n<% Response.Write(1) %>\n```\n").isEmpty)
    }

    /// Random text of Markdown's significant bytes: nothing traps, lengths and line breaks are kept, and a line is
    /// blanked only whole.
    @Test func randomTextIsBlankedSafely() {
        let alphabet = Array("`~ \t\n\r<>/!-?[]{}:adiv\u{0}".utf8)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0..<120, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let blanked = MarkdownFences.blankingAgreedFences(text)
            #expect(blanked.count == text.count)
            for (before, after) in zip(text, blanked) where before != after {
                #expect(after == 0x20 && before != 0x0A && before != 0x0D)
            }
        }
    }

    @Test func markdownNames() {
        #expect(Inspector.isNamedMarkdown(filename: "README.md"))
        #expect(Inspector.isNamedMarkdown(filename: "docs/Guide.MARKDOWN"))
        for name in ["README", "notes.txt", "page.html", "README.md.html", "x.svg"] { #expect(!Inspector.isNamedMarkdown(filename: name), "\(name)") }
    }
}
