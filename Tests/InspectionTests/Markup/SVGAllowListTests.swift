import Testing

@testable import Inspection

struct SVGAllowListTests {
    // MARK: Clean SVGs from ordinary editors

    static let inkscape = #"""
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!-- Created with Inkscape (http://www.inkscape.org/) -->
        <svg
           width="210mm" height="297mm" viewBox="0 0 210 297" version="1.1" id="svg5"
           inkscape:version="1.2.2 (b0a8486541, 2022-12-01)" sodipodi:docname="drawing.svg"
           inkscape:export-filename="/home/me/drawing.png" inkscape:export-xdpi="96" inkscape:export-ydpi="96"
           xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
           xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
           xmlns:xlink="http://www.w3.org/1999/xlink"
           xmlns="http://www.w3.org/2000/svg"
           xmlns:svg="http://www.w3.org/2000/svg"
           xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
           xmlns:cc="http://creativecommons.org/ns#"
           xmlns:dc="http://purl.org/dc/elements/1.1/">
          <sodipodi:namedview id="namedview7" pagecolor="#ffffff" bordercolor="#666666" borderopacity="1.0"
             inkscape:showpageshadow="2" inkscape:pageopacity="0.0" inkscape:pagecheckerboard="0" inkscape:deskcolor="#d1d1d1"
             inkscape:document-units="mm" showgrid="false" inkscape:zoom="0.72" inkscape:cx="396.9" inkscape:cy="561.1"
             inkscape:window-width="1920" inkscape:window-height="1011" inkscape:current-layer="layer1" />
          <defs id="defs2">
            <linearGradient inkscape:collect="always" id="linearGradient1">
              <stop style="stop-color:#ff0000;stop-opacity:1;" offset="0" id="stop1" />
              <stop style="stop-color:#ff0000;stop-opacity:0;" offset="1" id="stop2" />
            </linearGradient>
            <linearGradient inkscape:collect="always" xlink:href="#linearGradient1" id="linearGradient3"
               x1="20" y1="50" x2="120" y2="50" gradientUnits="userSpaceOnUse" />
            <filter inkscape:collect="always" style="color-interpolation-filters:sRGB" id="filter1" x="-0.1" y="-0.1" width="1.2" height="1.2">
              <feGaussianBlur inkscape:collect="always" stdDeviation="1.5" id="feGaussianBlur1" />
            </filter>
            <clipPath clipPathUnits="userSpaceOnUse" id="clipPath1"><rect width="50" height="50" x="0" y="0" id="rect9" /></clipPath>
            <marker style="overflow:visible" id="Arrow1" refX="0" refY="0" orient="auto-start-reverse" inkscape:stockid="Arrow1" markerWidth="4" markerHeight="4" viewBox="0 0 4 4" inkscape:isstock="true" inkscape:collect="always" preserveAspectRatio="xMidYMid">
              <path style="fill:context-stroke;fill-rule:evenodd;stroke:none" d="M 0,0 L 2,-1 L 2,1 Z" id="path1" />
            </marker>
          </defs>
          <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">
            <rect style="fill:url(#linearGradient3);stroke:#000000;stroke-width:0.264583;filter:url(#filter1)" id="rect1" width="100" height="60" x="20" y="20" ry="5" />
            <path style="fill:none;stroke:#000000;stroke-width:0.5;marker-end:url(#Arrow1)" d="m 30,100 h 60" id="path2" sodipodi:nodetypes="cc" />
            <circle id="c" cx="60" cy="150" r="20" clip-path="url(#clipPath1)" />
            <text xml:space="preserve" style="font-size:10.5833px;font-family:sans-serif;fill:#000000" x="30" y="200" id="text1"><tspan sodipodi:role="line" id="tspan1" x="30" y="200">Hello &lt;world&gt;</tspan></text>
            <use xlink:href="#rect1" id="use1" transform="translate(10,10)" width="100%" height="100%" />
            <image width="10" height="10" preserveAspectRatio="none" xlink:href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==" id="image1" x="0" y="250" />
          </g>
          <metadata id="metadata1">
            <rdf:RDF><cc:Work rdf:about=""><dc:format>image/svg+xml</dc:format>
              <dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage" />
              <cc:license rdf:resource="http://creativecommons.org/licenses/by/4.0/" /></cc:Work></rdf:RDF>
          </metadata>
        </svg>
        """#

    static let illustrator = #"""
        <?xml version="1.0" encoding="utf-8"?>
        <!-- Generator: Adobe Illustrator 24.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
        <svg version="1.1" id="Layer_1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" x="0px" y="0px"
        	 viewBox="0 0 100 100" style="enable-background:new 0 0 100 100;" xml:space="preserve">
        <style type="text/css">
        	.st0{fill:#E30613;}
        	.st1{fill:none;stroke:#1D1D1B;stroke-width:2;stroke-miterlimit:10;}
        	@font-face { font-family: "X"; src: url("data:font/woff2;base64,AAAA") }
        </style>
        <g>
        	<polygon class="st0" points="50,10 90,90 10,90 	"/>
        	<line class="st1" x1="10" y1="50" x2="90" y2="50"/>
        </g>
        </svg>
        """#

    static let iconSet = #"""
        <svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" class="feather feather-x" aria-hidden="true" focusable="false" role="img" data-icon="x"><title>Close</title><desc>An X</desc><line x1="18" y1="6" x2="6" y2="18"></line><line x1="6" y1="6" x2="18" y2="18"></line>
        <animateTransform attributeName="transform" type="rotate" from="0 12 12" to="360 12 12" dur="1s" repeatCount="indefinite"/>
        <set attributeName="fill" to="red" begin="1s"/><animate attributeName="opacity" values="0;1;0" dur="2s"/>
        <a href="https://example.com/"><text>link</text></a><a href="/about">relative link</a><a href="mailto:me@example.com">mail</a>
        <mask id="m" mask-type="alpha"><rect width="1" height="1"/></mask><pattern id="p" width="4" height="4" patternUnits="userSpaceOnUse"><circle r="1"/></pattern>
        <symbol id="s"><path d="M0 0"/></symbol><use href="#s"/><switch><g systemLanguage="en"/></switch>
        <filter id="f"><feTurbulence baseFrequency="0.1"/><feDisplacementMap in="SourceGraphic" scale="5"/><feImage href="https://cdn.example/t.png"/></filter>
        <image href="https://cdn.example/photo.jpg" width="1" height="1"/><image href="data:image/jpeg;base64,/9j/4AAQ"/>
        </svg>
        """#

    @Test(arguments: [inkscape, illustrator, iconSet])
    func editorOutputIsClean(_ text: String) {
        #expect(markup(text) == [])
    }

    @Test func foreignNamespaceMetadataIsInert() {
        let text = svg(
            #"<desc xmlns:my="http://example.org/my"><my:title my:onload="x" my:href="file:///etc/passwd">report</my:title></desc>"#
                + #"<metadata><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta></metadata>"#
                + #"<g xmlns:i="http://ns.adobe.com/AdobeIllustrator/10.0/" i:extraneous="self"/>"#
        )
        #expect(markup(text) == [])
    }

    // MARK: Event handlers, every one

    static let handlers = [
        "onload", "onerror", "onclick", "onmouseover", "onmouseout", "onmousedown", "onmouseup", "onmousemove", "onfocus",
        "onfocusin", "onfocusout", "onblur", "onactivate", "onbegin", "onend", "onrepeat", "onunload", "onabort",
        "onresize", "onscroll", "onzoom", "onkeydown", "onkeyup", "onanimationstart", "ontransitionend", "onpointerenter",
        "onwheel", "oncopy", "onbeforeprint", "ontoggle", "onauxclick", "onSVGLoad",
    ]

    @Test(arguments: handlers)
    func everyEventHandlerIsFound(_ handler: String) {
        for element in ["svg", "rect", "g", "image", "animate", "metadata", "foo:bar"] {
            let findings = markup(svg("<\(element) \(handler)=\"alert(1)\"/>"))
            #expect(findings.contains { $0.contains("\(handler.lowercased()) event handler") }, "\(element) \(handler): \(findings)")
        }
        // Prefixed by SVG, XHTML or an undeclared prefix: still a handler.
        for prefixed in ["svg:\(handler)", "xhtml:\(handler)", "zz:\(handler)"] {
            let findings = markup(svg(#"<rect xmlns:xhtml="http://www.w3.org/1999/xhtml" \#(prefixed)="alert(1)"/>"#))
            #expect(findings.contains { $0.contains("event handler") }, "\(prefixed): \(findings)")
        }
    }

    // MARK: URL schemes

    static let activeSchemes = [
        "javascript:alert(1)", "vbscript:msgbox(1)", "file:///etc/passwd", "expect://ls", "text:/etc/passwd", "phar://x.phar/y",
        "gopher://127.0.0.1:6379/_x", "jar:http://x/y.jar!/z", "msl:test.svg", "ftp://x/y", "php://filter/resource=x",
        "data:image/svg+xml;base64,PHN2Zz4=", "data:text/html,<script>alert(1)</script>", "data:,alert(1)",
        "data:application/xhtml+xml,x", "livescript:x", "pdf:/etc/passwd", "ephemeral:/tmp/x", "label:@/etc/passwd",
        "C:\\Windows\\win.ini", "/etc/passwd", "../secret.png", "x.svg",
        // Protocol-relative: `file://evil/share/p.png` when the SVG is opened from disk or converted (UNC on Windows).
        "//evil/share/p.png", " / /evil/share/p.png", "\\/evil/share/p.png",
    ]

    @Test(arguments: activeSchemes)
    func resourceURLsOutsideTheAllowListAreFound(_ url: String) {
        for (element, attribute) in [
            ("image", "xlink:href"), ("image", "href"), ("feImage", "xlink:href"), ("pattern", "href"), ("linearGradient", "xlink:href"),
        ] {
            let findings = markup(svg("<\(element) \(attribute)=\"\(url.replacingOccurrences("\"", "&quot;"))\"/>"))
            #expect(!findings.isEmpty, "\(element) \(attribute)=\(url)")
        }
        let styled = markup(svg("<rect style=\"fill: url('\(url)')\"/>"))
        #expect(!styled.isEmpty, "style url(\(url))")
        let presentation = markup(svg("<rect filter=\"url(\(url))\"/>"))
        #expect(!presentation.isEmpty, "filter url(\(url))")
    }

    /// A raster `data:` URL whose bytes are another format (LibreOffice sniffs an SVG labelled `image/png` as SVG and
    /// follows its links, attack round 16), or whose header readers disagree on.
    @Test(arguments: [
        "data:image/png;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=", "data:image/png,<svg/>",
        "data:image/jpeg;base64,PHN2Zz4=", "data:image/gif,GIF8xa", "data:image/webp;base64,UklGRiQAAABXQVZF",
        "data:image/png;base64;x=y,iVBORw0KGgo=", "data:image/png;charset=base64,iVBORw0KGgo=", "data:image/png;base64,iVBO*w0KGgo",
        "data:image/png", "data:image/png,%3Csvg%2F%3E",
    ])
    func aDataURLWhoseBytesAreNotItsTypeIsFound(_ url: String) {
        #expect(!markup(svg("<image href=\"\(url)\"/>")).isEmpty, "\(url)")
    }

    @Test func theBriefsWordingIsUsed() {
        #expect(markup(svg(#"<image href="file:///etc/passwd"/>"#)).contains("a file URL in href on <image>"))
        #expect(markup(svg(#"<image xlink:href="expect://ls"/>"#)).contains("an expect URL in xlink:href on <image>"))
        #expect(markup(svg(#"<image xlink:href="data:image/svg+xml;base64,AA"/>"#)).contains("a data URL (image/svg+xml) in xlink:href on <image>"))
    }

    @Test(arguments: [
        "https://example.com/a.png", "http://example.com/a.png", "#frag",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgA", "data:image/jpeg;base64,/9j/4AAQ", "data:image/gif;base64,R0lGODlhAQAB",
        "data:image/webp;base64,UklGRiQAAABXRUJQVlA4", "data:image/png;base64,iVBO", "data:image/png,%89PNG%0D%0A%1A%0A",
        "data:image/gif,GIF87a", "data:image/png;base64,",
        " HTTPS://EXAMPLE.COM ", "",
    ])
    func allowedResourceURLsAreClean(_ url: String) {
        #expect(markup(svg("<image href=\"\(url)\"/><rect fill=\"url(\(url))\"/>")) == [])
    }

    @Test(arguments: [
        "&#106;avascript:alert(1)", "&#0000106;avascript:alert(1)", "&#x6a;avascript:alert(1)", "&#106avascript:alert(1)",
        "java&#9;script:alert(1)", "java&Tab;script:alert(1)", "java&NewLine;script:alert(1)", "javascript&colon;alert(1)",
        "JaVaScRiPt:alert(1)", " \u{1}\u{8}javascript:alert(1)", "jav\u{0}ascript:alert(1)", "java\u{200B}script:alert(1)",
        "java\nscript:alert(1)", "java\rscript:alert(1)", "&#x0A;javascript:alert(1)", "javascript&#58;alert(1)",
        "&#74;&#65;&#86;&#65;script:x", "vbscript&colon;x", "fil&#101;:///etc/passwd", "\u{FEFF}javascript:x",
    ])
    func obfuscatedSchemesAreFound(_ url: String) {
        for wrapped in [svg("<a href=\"\(url)\"><text>x</text></a>"), svg("<a xlink:href='\(url)'><text>x</text></a>"), "<a href=\"\(url)\">x</a>"] {
            let findings = markup(wrapped)
            #expect(findings.contains { $0.contains("URL in") }, "\(wrapped): \(findings)")
        }
    }

    @Test func cssEscapesAndCommentsDoNotHideURLs() {
        #expect(!markup(svg(#"<rect style="fill: \75 rl(javascript:alert(1))"/>"#)).isEmpty)
        #expect(
            !markup(svg(#"<rect style="fill: u/**/rl(file:///etc/passwd)"/>"#)).isEmpty
                || !markup(svg(#"<rect style="fill: url(fi\6c e:///etc/passwd)"/>"#)).isEmpty
        )
        #expect(!markup(svg(#"<rect style="fill: url(fi\6c e:///etc/passwd)"/>"#)).isEmpty)
        #expect(!markup(svg(#"<rect style="behavior: url(x.htc)"/>"#)).isEmpty)
        #expect(!markup(svg(#"<rect style="-moz-binding: url(https://x/x.xml#x)"/>"#)).isEmpty)
    }

    @Test func xlinkIsRecognisedUnderAnyPrefix() {
        for prefix in ["xlink", "l", "XL", "foo"] {
            let text =
                #"<svg xmlns="http://www.w3.org/2000/svg" xmlns:\#(prefix)="http://www.w3.org/1999/xlink"><image \#(prefix):href="file:///etc/passwd"/></svg>"#
            #expect(markup(text).contains { $0.contains("file URL") }, "\(prefix)")
        }
        // Declared on the element itself, and case variants that are distinct prefixes in XML.
        let own =
            #"<svg xmlns="http://www.w3.org/2000/svg"><image xmlns:a="http://www.w3.org/1999/xlink" xmlns:A="urn:x" a:href="javascript:x"/></svg>"#
        #expect(markup(own).contains { $0.contains("javascript URL") })
        // An undeclared xlink prefix is XLink by convention.
        #expect(markup(#"<svg xmlns="http://www.w3.org/2000/svg"><image xlink:href="text:/etc/passwd"/></svg>"#).contains { $0.contains("text URL") })
    }

    @Test func useMayOnlyPointInsideTheDocument() {
        #expect(markup(svg(##"<use href="#icon"/><use xlink:href="#a"/>"##)) == [])
        for url in ["https://evil.example/x.svg#a", "x.svg#a", "data:image/svg+xml;base64,AA#a", "data:image/png;base64,AA"] {
            #expect(markup(svg("<use xlink:href=\"\(url)\"/>")).contains { $0.contains("<use>") }, "\(url)")
        }
    }

    // MARK: Elements outside the allow-list

    @Test(arguments: [
        "script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "svg:script", "SCRIPT", "Script",
    ])
    func activeElementsAreFound(_ element: String) {
        let findings = markup(svg("<\(element)>x</\(element)>"))
        #expect(findings.contains { $0.contains("element") }, "\(element): \(findings)")
    }

    @Test func unknownElementsAndAttributesAreNamed() {
        #expect(markup(svg("<blink/>")).contains("an element <blink> that SVG does not allow"))
        #expect(markup(svg("<cursor xlink:href=\"https://x/c.png\"/>")).contains("an element <cursor> that SVG does not allow"))
        #expect(markup(svg(#"<rect authenticate="x"/>"#)).contains("an attribute authenticate on <rect> that SVG does not allow"))
        #expect(markup(svg(#"<rect xlink:foo="x"/>"#)).contains { $0.contains("xlink:foo") })
        // Foreign-namespace elements are inert; an undeclared prefix is judged as SVG.
        #expect(markup(svg(#"<zz:blink/>"#)).contains("an element <blink> that SVG does not allow"))
    }

    @Test func scriptIsFoundInEveryDisguise() {
        let cases = [
            svg("<script><![CDATA[alert(1)]]></script>"),
            svg("<script type=\"application/ecmascript\" xlink:href=\"data:,alert(1)\"/>"),
            svg("<text><![CDATA[</text><script>alert(1)</script>]]></text>"),
            svg("<![CDATA[><script>alert(1)</script>]]>"),
            svg(#"<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>"#),
            svg(#"<x:script xmlns:x="urn:whatever">alert(1)</x:script>"#),
            #"<svg xmlns="urn:not-svg"><script>alert(1)</script></svg>"#,
            svg("<metadata><script>alert(1)</script></metadata>"),
            svg("<desc><script>alert(1)</script></desc>"),
            "<svg><script href=data:,alert(1) />",
            "<svg/onload=alert(1)>",
            "<svg onload=alert(1)//",
            svg("<g><g><g><script>alert(1)"),
        ]
        for text in cases {
            #expect(!markup(text).isEmpty, "\(text)")
        }
    }

    // MARK: SMIL

    @Test func smilAimedAtHandlersOrLinksIsFound() {
        let active = [
            svg(#"<set attributeName="onmouseover" to="alert(1)"/>"#),
            svg(#"<animate attributeName="onunload" to="alert(1)"/>"#),
            svg(#"<a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>"#),
            svg(#"<a><set attributeName="xlink:href" to="javascript:alert(1)"/><text>x</text></a>"#),
            svg(#"<a><set attributeName="  XLINK:HREF " to="https://ok.example"/><text>x</text></a>"#),
            svg(##"<a><animate attributeName="&#104;ref" from="#a" to="javascript:alert(1)"/></a>"##),
            svg(#"<animateMotion attributeName="onbegin" values="x"/>"#),
            svg(#"<animateTransform attributeName="onclick" values="x"/>"#),
            svg(#"<animate attributeName="fill" values="url(javascript:alert(1))"/>"#),
            svg(#"<animate attributeName="fill" from="red" to="javascript:alert(1)"/>"#),
            svg(#"<set attributeName="x" to="&#106;avascript:alert(1)"/>"#),
        ]
        for text in active {
            #expect(!markup(text).isEmpty, "\(text)")
        }
        #expect(markup(svg(#"<set attributeName="onmouseover" to="alert(1)"/>"#)).contains("a <set> that sets the onmouseover event handler"))
        #expect(markup(svg(##"<animate attributeName="xlink:href" to="#b"/>"##)).contains("an <animate> that changes xlink:href"))
    }

    // MARK: XML Events, XSLT, XInclude

    @Test func xmlEventsXSLTAndXIncludeAreFound() {
        let cases = [
            svg(##"<ev:listener xmlns:ev="http://www.w3.org/2001/xml-events" event="click" handler="#h"/>"##),
            svg(##"<rect xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="click" ev:handler="#h"/>"##),
            svg(#"<x xmlns="http://www.w3.org/2001/xml-events" event="load" handler="data:image/svg+xml,x"/>"#),
            svg(##"<g handler="#h"/>"##),
            svg(#"<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>"#),
            #"<doc xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></doc>"#,
            #"<doc><xi:include href="/etc/passwd"/></doc>"#,
        ]
        for text in cases {
            #expect(!markup(text).isEmpty, "\(text)")
        }
    }

    // MARK: DTDs, entities, stylesheets

    @Test func documentTypeDeclarations() {
        #expect(markup(#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">"# + svg("")) == [])
        #expect(markup("<!DOCTYPE html><html><body><p>hi</p></body></html>") == [])
        let active = [
            #"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://evil.example/svg11.dtd">"#,
            #"<!DOCTYPE svg PUBLIC "-//EVIL//DTD//EN" "http://www.w3.org/x.dtd">"#,
            #"<!DOCTYPE svg SYSTEM "file:///etc/passwd">"#,
            #"<!DOCTYPE svg [<!ATTLIST svg id ID #IMPLIED>]>"#,
            #"<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>"#,
            #"<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://evil/p.dtd"> %p;]>"#,
            #"<!doctype svg [ <!entity a "]>"> ]>"#,
            #"<!DOCTYPE svg ["#,
            #"<!ENTITY a "b">"#,
            #"<?xml-stylesheet href="http://example.com/style.css"?>"#,
            ##"<?XML-STYLESHEET type="text/xsl" href="#x"?>"##,
            #"<?php system($_GET[0]); ?>"#,
        ]
        for prologue in active {
            #expect(!markup(prologue + svg("")).isEmpty, "\(prologue)")
        }
        #expect(
            markup(#"<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>"#).contains("an external XML entity declaration in the DOCTYPE")
        )
    }

    @Test func styleElements() {
        #expect(markup(svg("<style>.a{fill:url(#g)} @media print{.a{fill:red}}</style>")) == [])
        #expect(markup(svg("<style><![CDATA[ .a { fill: url('#g'); } ]]></style>")) == [])
        let active = [
            "<style>@import url(http://example.com/style.css);</style>",
            "<style>@import 'x.css';</style>",
            "<style>@\\69mport 'x.css';</style>",
            "<style>.a{background:url(javascript:alert(1))}</style>",
            "<style>.a{background:url(file:///etc/passwd)}</style>",
            "<style>.a{width:expression(alert(1))}</style>",
            "<style>.a{-moz-binding:url(https://x/b.xml#x)}</style>",
            "<style>.a{behavior:url(x.htc)}</style>",
            "<style><![CDATA[.a{background:url(expect://id)}]]></style>",
            "<svg:style>.a{background:url(text:/etc/passwd)}</svg:style>",
            "<style>.a{background:url(data:image/svg+xml;base64,AA)}</style>",
        ]
        for body in active {
            #expect(!markup(svg(body)).isEmpty, "\(body)")
        }
    }

    // MARK: Malformed input fails closed

    @Test func malformedMarkupFailsClosed() {
        #expect(!markup(svg("<!-- never closed <script>alert(1)</script>")).isEmpty)
        #expect(!markup(svg("<!-- x --!><script>alert(1)</script> -->")).isEmpty)
        #expect(!markup(svg("<!--><script>alert(1)</script>-->")).isEmpty)
        #expect(!markup(svg("<![CDATA[ never closed")).isEmpty)
        #expect(!markup(svg("<?foo > <script>alert(1)</script> ?>")).isEmpty)
        #expect(!markup(svg("<rect onload=\"alert(1)")).isEmpty)
        #expect(!markup(String(repeating: "<g>", count: 1100) + "<x/>").isEmpty)
    }

    @Test func wideEncodingsAreRead() {
        let text = svg("<script>alert(1)</script>")
        var utf16LE: [UInt8] = [0xFF, 0xFE]
        var utf16BE: [UInt8] = []
        for unit in text.utf16 {
            utf16LE += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            utf16BE += [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        #expect(!MarkupActiveContent.findings(in: utf16LE).isEmpty)
        #expect(!MarkupActiveContent.findings(in: utf16BE).isEmpty)
        var utf32: [UInt8] = [0xFF, 0xFE, 0, 0]
        for scalar in text.unicodeScalars { utf32 += [UInt8(scalar.value & 0xFF), UInt8(scalar.value >> 8 & 0xFF), 0, 0] }
        #expect(!MarkupActiveContent.findings(in: utf32).isEmpty)
    }

    @Test func limitIsRespected() {
        let text = svg(String(repeating: "<rect onclick=\"a\"/><rect onload=\"b\"/><q/><r/><s/><t/>", count: 3))
        #expect(MarkupActiveContent.findings(in: Array(text.utf8), limit: 2).count == 2)
        #expect(MarkupActiveContent.findings(in: Array(text.utf8)).count == 5)
        #expect(MarkupActiveContent.findings(in: Array(text.utf8), limit: 0).isEmpty)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
