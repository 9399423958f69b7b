import Testing

@testable import Inspection

struct HTMLAndXMLTests {
    static let cleanPage = #"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Report</title>
        <link rel="icon" href="favicon.png"><style>body { background: url(bg.png) }</style></head>
        <body><p align="center"><img src="logo.png" alt="logo"><br>
        <a href="page2.html">next</a> <a href="#top">top</a> <a href="mailto:a@example.com">mail</a> <a href="tel:+123">call</a>
        <a href="https://example.com/?q=javascript:">search</a><img srcset="a.png 1x, https://x/b.png 2x">
        <svg class="icon" aria-hidden="true" viewBox="0 0 10 10"><path d="M0 0h10"/><use href="#i"/></svg>
        <form action="/submit" method="post"><input name="q"><button type="submit">Go</button></form>
        <details><summary>More</summary>text</details></body></html>
        """#

    @Test func ordinaryHTMLIsClean() {
        #expect(markup(Self.cleanPage) == [])
    }

    @Test func htmlActiveContent() {
        let cases = [
            "<p onclick=\"x()\">", "<body onload=x()>", "<img src=x onerror=alert(1)>", "<script src=x.js></script>",
            "<iframe srcdoc=\"x\"></iframe>", "<embed src=x.swf>", "<object data=x.swf></object>", "<applet code=x>",
            "<base href=\"https://evil/\">", "<a href=\"vbscript:x\">", "<form action=\"javascript:x\">",
            "<button formaction=\"javascript:x\">", "<a href=\"data:text/html,x\">", "<img srcset=\"javascript:x 1x\">",
            "<div style=\"background:url(javascript:x)\">", "<meta http-equiv=\"Refresh\" content=\"0;url=x\">",
            "<frameset><frame src=x></frameset>", "<a href=\"file:///c:/x\">", "<img src=\"jar:http://x!/y\">",
            "<math><maction actiontype=statusline xlink:href=\"javascript:x\">x</maction></math>",
            "<svg><script>alert(1)</script></svg>", "<![CDATA[><img src=x onerror=alert(1)>]]>",
            "<hta:application id=x>", "<div><style>@import 'https://x/y.css'</style></div>",
        ]
        for text in cases {
            #expect(!markup(text).isEmpty, "\(text)")
        }
    }

    @Test func xhtmlAndSVGNamespacesInGenericXMLAreJudged() {
        // Generic XML: elements are not allow-listed…
        #expect(
            markup(
                #"<?xml version="1.0"?><catalog><book id="1"><title>X</title><link href="https://example.com"/><data>1 &lt; 2</data></book></catalog>"#
            ) == []
        )
        #expect(
            markup(
                #"<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="https://x/"/><content type="html">&lt;script&gt;</content></entry></feed>"#
            ) == []
        )
        // …but XHTML- and SVG-namespaced ones are judged by their rules.
        let active = [
            #"<doc><h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script></doc>"#,
            #"<doc xmlns:h="http://www.w3.org/1999/xhtml"><h:img src="x" onerror="alert(1)"/></doc>"#,
            #"<doc><s:svg xmlns:s="http://www.w3.org/2000/svg"><s:blink/></s:svg></doc>"#,
            #"<doc><svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg></doc>"#,
            #"<doc><value><![CDATA[<script>alert(1)</script>]]></value></doc>"#,
            #"<doc><a href="javascript:alert(1)">x</a></doc>"#,
            #"<doc xmlns:xlink="http://www.w3.org/1999/xlink"><link xlink:href="javascript:x"/></doc>"#,
        ]
        for text in active {
            #expect(!markup(text).isEmpty, "\(text)")
        }
    }

    @Test func urlVerdicts() {
        #expect(MarkupActiveContent.urlProblem("page.html", context: .navigation) == nil)
        #expect(MarkupActiveContent.urlProblem("page.html", context: .resource) == "relative URL")
        #expect(MarkupActiveContent.urlProblem("https://x/y", context: .fragmentOnly) == "reference outside the document")
        #expect(MarkupActiveContent.urlProblem("mailto:x", context: .resource) == "mailto URL")
        #expect(MarkupActiveContent.urlProblem("DATA:IMAGE/PNG;BASE64,iVBORw0KGgo=", context: .resource) == nil)
        let mislabelled = MarkupActiveContent.urlProblem("DATA:IMAGE/PNG;base64,AA", context: .resource)
        #expect(mislabelled == "data URL (image/png) whose bytes are not that image type")
        #expect(MarkupActiveContent.urlProblem("data:image/svg+xml,AA", context: .navigation) == "data URL (image/svg+xml)")
        #expect(MarkupActiveContent.urlProblem("jav%61script:x", context: .navigation) == nil)  // not a scheme: a relative path
        #expect(MarkupActiveContent.urlProblem("a/b:c", context: .navigation) == nil)
    }
}
