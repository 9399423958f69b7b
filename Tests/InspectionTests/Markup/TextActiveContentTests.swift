@testable import Inspection
import Testing

struct TextActiveContentTests {
    static let readme = #"""
        <p align="center"><img src="https://example.com/logo.png" width="200" alt="logo"></p>
        <h1 align="center">Project</h1>

        [![Build](https://img.shields.io/badge/build-passing-green.svg)](https://ci.example/) [docs](docs/index.md)

        <details><summary>Install</summary>

        ```sh
        npm install --save project
        ```
        </details>

        Use `import` or `onload=` handlers. Growth was <%5 this year; a <% b in a sentence; 5 < 6 > 4.
        <!-- a comment with <script>old()</script> inside -->
        | a | b |
        |---|---|
        | x <y> | 1 |
        Email <me@example.com>, see <https://example.com>.

            indented code: if (a < b && c > d) { }
        ~~~
        <a href="https://example.com/">inside a tilde fence</a>
        ~~~
        """#

    static let changelog = #"""
        # Changelog
        ## 3.0.0 (2023-01-01)
        - Drop Python <3.7 (#123); `PdfReader.pages[i]` now returns <PageObject>.
        - ENH: Add `<?xml` detection, handle `%>` in names and `<%` in filenames; fix <!-- comments -->.
        - BUG: fix `onload=` in the docs; 50%> of users; <10% errors.
        """#

    static let csv = """
        id,name,comment,ratio
        1,"Smith, J.","likes <b>bold</b> text",<5%
        2,Müller,"a ""quoted"" value",>=10%
        3,x,"=SUM(A1:A2)",50%
        """

    @Test(arguments: [readme, changelog, csv, "plain prose, nothing else\n", "", "<?xml version=\"1.0\"?><x/>"])
    func ordinaryTextIsClean(_ text: String) {
        #expect(plainText(text) == [], "\(plainText(text))")
    }

    @Test(arguments: [
        ("<?php echo 1; ?>", "PHP open tag"), ("<?PHP system($_GET['c']);", "PHP open tag"), ("<?=`$_GET[0]`?>", "PHP short echo"),
        ("<? echo 1; ?>", "PHP short open"), ("<?\nsystem('id');", "PHP short open"),
        ("<script language=\"php\">system('id');</script>", "PHP <script"), ("<SCRIPT LANGUAGE=php>x</SCRIPT>", "PHP <script"),
        ("<% Response.Write(1) %>", "ASP/JSP code block"), ("<%=cmd%>", "ASP/JSP expression"), ("<%@ Page Language=\"C#\" %>", "ASP/JSP directive"),
        ("<%Response.Write(1)%>", "ASP/JSP code block"), ("<jsp:scriptlet>x</jsp:scriptlet>", "JSP action"),
        ("<script runat=\"server\">x</script>", "runat"),
        ("<!--#exec cmd=\"id\" -->", "#exec"), ("<!--#include virtual=\"/etc/passwd\" -->", "#include"), ("<!--#echo var=\"x\" -->", "#echo"),
        ("<script>alert(1)</script>", "<script>"), ("<ScRiPt src=x>", "<script>"), ("<script\n>x", "<script>"),
        ("<hta:application id=x applicationname=y>", "HTA"), ("<HTA:APPLICATION>", "HTA"),
        ("<img src=x onerror=alert(1)>", "onerror"), ("<svg/onload=alert(1)>", "onload"), ("<button ONCLICK = 'x()'>", "onclick"),
        ("<a href=\"javascript:alert(1)\">x</a>", "javascript URL"), ("<a href=\"&#106;avascript:x\">", "javascript URL"),
        ("<iframe src=\"data:text/html,x\">", "data URL"), ("<a href='vbscript:x'>", "vbscript URL"),
        ("[click](javascript:alert(1))", "javascript URL"), ("[x]( JaVaScRiPt:alert(1) )", "javascript URL"),
        ("<div style=\"width:expression(alert(1))\">", "style attribute"),
        ("```\n<?php system('id'); ?>\n```", "PHP open tag"),
    ])
    func activeTextIsFound(_ text: String, _ expected: String) {
        let findings = plainText(text)
        #expect(findings.contains { $0.contains(expected) }, "\(text) -> \(findings)")
    }

    /// Markdown code is no shelter: renderers disagree on where a span or fence ends (an escaped backtick, a tag that
    /// binds before a code span, a backtick in an info string), so what looks like code to one is live to another.
    @Test func codeIsFoundInsideMarkdownCodeToo() {
        #expect(plainText("```php\n<?php echo 1; ?>\n```") == ["a PHP open tag"])
        for text in [
            "`<script>alert(1)</script>`", "``a ` <img onerror=x> ``", "\\`<img src=x onerror=alert(1)>`",
            #"<a title="`"><img src=x onerror=alert(1)><b title="`">"#, "``` a`b\n<img src=x onerror=alert(1)>\n```",
        ] {
            #expect(!plainText(text).isEmpty, "\(text)")
        }
        // Comments a browser closes at once do not hide what follows.
        #expect(!plainText("<!--> <img src=x onerror=alert(1)> -->").isEmpty)
        #expect(!plainText("<!---> <img src=x onerror=alert(1)> -->").isEmpty)
        #expect(plainText("<!-- <img src=x onerror=alert(1)> -->").isEmpty)
    }

    /// A script URL counts in whatever Markdown construct holds it, spelled as renderers decode it.
    @Test(arguments: [
        "<javascript:alert(1)>", "[x](<javascript:alert(1)>)", "[x](<javascript: alert(1)>)", "[x]: javascript:alert(1)\n\n[x]",
        "[x]:\tjavascript:alert(1)", "[x](javascript\\:alert(1))", "[x](java&#115;cript&colon;alert(1))", "[x](&#x6A;avascript:x)",
        "[x](&#106avascript:x)", "[x](java&Tab;script:alert(1))", "[x](java\u{AD}script:alert(1))", "see vbscript:msgbox",
        "[x](data:text/html;base64,PHNjcmlwdD4=)", "<LiveScript:x>", "![i](javascript:alert(1))", "[x](JAVASCRIPT:x)",
    ])
    func scriptURLsInMarkdownAreFound(_ text: String) {
        #expect(plainText(text).contains { $0.contains("URL") }, "\(text) -> \(plainText(text))")
    }

    /// Prose that names a scheme, other schemes, and words that only end in a scheme's name stay clean.
    @Test(arguments: [
        "JavaScript: a language for the web.", "Languages:\n- JavaScript:\n  fast", "[docs](https://example.com/javascript:x)",
        "myjavascript:x", "<https://example.com>", "[mail](mailto:a@example.com)", "data: 12 rows", "[i](data:image/png;base64,iVBO)",
        "<!-- [x](javascript:alert(1)) -->",
    ])
    func proseNamingSchemesIsClean(_ text: String) {
        #expect(plainText(text).isEmpty, "\(text) -> \(plainText(text))")
    }

    /// JSP expression language that calls a method runs if the file is ever served as a JSP; values alone do not.
    @Test func expressionLanguageCallsAreFound() {
        for text in [
            #"${"".getClass().forName("java.lang.Runtime")}"#, "${Runtime.getRuntime().exec('id')}", "${ x . run ( ) }",
            #"${"}".getClass()}"#, "${a}${b.c()}", "${{1,2}.stream()}", "${pageContext.request.getSession()",
        ] {
            #expect(plainText(text).contains { $0.contains("expression-language") }, "\(text)")
        }
        for text in ["echo ${HOME}/bin", "${var:-default} and ${#array[@]}", "Ruby: #{name.upcase()}", "Razor: @{ var x = f(); }", "$ (a)", "${(a)}"] {
            #expect(plainText(text).isEmpty, "\(text) -> \(plainText(text))")
        }
    }

    @Test func iso2022BytesAreNotMarkup() {
        // ESC $ B … ESC ( B: the two-byte run holds `<%` and `%>` byte pairs that are Japanese, not ASP.
        let bytes: [UInt8] = [0x1B, 0x24, 0x42] + Array("<%7%g%s%>".utf8) + [0x1B, 0x28, 0x42] + Array(" text\n".utf8)
        #expect(TextActiveContent.findings(in: bytes).isEmpty)
        let active: [UInt8] = [0x1B, 0x24, 0x42, 0x30, 0x21, 0x1B, 0x28, 0x42] + Array("<?php x();".utf8)
        #expect(!TextActiveContent.findings(in: active).isEmpty)
    }

    @Test func wideTextIsRead() {
        var utf16: [UInt8] = [0xFE, 0xFF]
        for unit in "hello <?php system('id'); ?>".utf16 { utf16 += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        #expect(!TextActiveContent.findings(in: utf16).isEmpty)
    }
}
