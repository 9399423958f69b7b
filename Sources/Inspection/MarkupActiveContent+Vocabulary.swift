/// The names `MarkupActiveContent` judges by: the SVG allow-list (what an SVG sanitizer keeps, after DOMPurify's SVG
/// profile and svg-sanitizer), the elements that are active in any namespace, and the namespaces it tells apart.
/// Every name is lowercased: matching is case-insensitive, which only ever makes the check stricter.
extension MarkupActiveContent {
    /// SVG elements that draw, group, reference within the document, animate or describe; nothing that runs code or
    /// embeds another document. `use`, `image`, `feImage`, the animation elements and `style` are allowed but checked.
    static let svgElements: Set<String> = [
        "svg", "g", "defs", "desc", "title", "metadata", "symbol", "use", "switch", "a", "view", "style",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "textpath", "tref", "altglyph", "altglyphdef", "altglyphitem", "glyphref",
        "lineargradient", "radialgradient", "stop", "meshgradient", "meshrow", "meshpatch", "hatch", "hatchpath", "solidcolor",
        "pattern", "clippath", "mask", "marker", "image", "filter",
        "feblend", "fecolormatrix", "fecomponenttransfer", "fecomposite", "feconvolvematrix", "fediffuselighting",
        "fedisplacementmap", "fedistantlight", "fedropshadow", "feflood", "fefunca", "fefuncb", "fefuncg", "fefuncr",
        "fegaussianblur", "feimage", "femerge", "femergenode", "femorphology", "feoffset", "fepointlight",
        "fespecularlighting", "fespotlight", "fetile", "feturbulence",
        "animate", "animatecolor", "animatemotion", "animatetransform", "set", "mpath",
        "font", "font-face", "font-face-src", "font-face-uri", "font-face-format", "font-face-name", "glyph", "missing-glyph",
        "hkern", "vkern",
    ]

    /// SMIL animation elements: allowed in SVG, but never aimed at an event handler or a link.
    static let animationElements: Set<String> = ["animate", "animatecolor", "animatemotion", "animatetransform", "set"]

    /// Unprefixed SVG attributes: geometry, presentation, filter, gradient, animation timing, font and accessibility
    /// attributes. Event handlers are never here; `href` is here but its URL is checked like every URL.
    static let svgAttributes: Set<String> = [
        // Core, styling, conditional processing, accessibility.
        "id", "class", "style", "lang", "tabindex", "role", "focusable", "title", "version", "baseprofile",
        "contentscripttype", "contentstyletype", "zoomandpan", "requiredfeatures", "requiredextensions", "systemlanguage",
        "externalresourcesrequired", "type", "media", "href", "target", "rel", "hreflang", "referrerpolicy", "download",
        "crossorigin", "decoding", "preserveaspectratio", "viewbox", "x", "y", "width", "height", "transform",
        "enable-background", "data", "name",
        // Shapes and text.
        "cx", "cy", "r", "rx", "ry", "fr", "fx", "fy", "x1", "x2", "y1", "y2", "dx", "dy", "d", "points", "pathlength",
        "rotate", "lengthadjust", "textlength", "startoffset", "method", "spacing", "side", "path",
        // Presentation attributes.
        "alignment-baseline", "baseline-shift", "clip", "clip-path", "clip-rule", "color", "color-interpolation",
        "color-interpolation-filters", "color-profile", "color-rendering", "cursor", "direction", "display",
        "dominant-baseline", "fill", "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity", "font",
        "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style", "font-variant", "font-weight",
        "font-feature-settings", "font-variation-settings", "font-kerning", "glyph-orientation-horizontal",
        "glyph-orientation-vertical", "image-rendering", "isolation", "kerning", "letter-spacing", "lighting-color",
        "line-height", "marker", "marker-end", "marker-mid", "marker-start", "mask", "mask-type", "mix-blend-mode", "opacity",
        "overflow", "paint-order", "pointer-events", "shape-rendering", "stop-color", "stop-opacity", "stroke",
        "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-opacity",
        "stroke-width", "text-anchor", "text-decoration", "text-rendering", "text-align", "text-indent", "text-transform",
        "text-orientation", "transform-origin", "transform-box", "unicode-bidi", "vector-effect", "visibility",
        "white-space", "word-spacing", "writing-mode", "inline-size", "shape-inside", "shape-padding", "shape-margin",
        "shape-subtract", "solid-color", "solid-opacity",
        // Gradients, patterns, clipping, masking, markers.
        "offset", "gradientunits", "gradienttransform", "spreadmethod", "patternunits", "patterncontentunits",
        "patterntransform", "clippathunits", "maskunits", "maskcontentunits", "markerunits", "markerwidth", "markerheight",
        "refx", "refy", "orient", "hatchunits", "hatchcontentunits", "pitch",
        // Filters.
        "filterunits", "primitiveunits", "filterres", "in", "in2", "result", "mode", "operator", "k1", "k2", "k3", "k4",
        "stddeviation", "edgemode", "kernelmatrix", "kernelunitlength", "order", "divisor", "bias", "targetx", "targety",
        "preservealpha", "surfacescale", "diffuseconstant", "specularconstant", "specularexponent", "azimuth", "elevation",
        "pointsatx", "pointsaty", "pointsatz", "limitingconeangle", "z", "scale", "xchannelselector", "ychannelselector",
        "basefrequency", "numoctaves", "seed", "stitchtiles", "radius", "values", "tablevalues", "slope", "intercept",
        "amplitude", "exponent",
        // Animation (the attribute it targets and any URL it sets are checked separately).
        "attributename", "attributetype", "begin", "dur", "end", "min", "max", "restart", "repeatcount", "repeatdur",
        "calcmode", "keytimes", "keysplines", "keypoints", "from", "to", "by", "additive", "accumulate", "origin",
        // SVG fonts.
        "horiz-adv-x", "horiz-origin-x", "horiz-origin-y", "vert-adv-y", "vert-origin-x", "vert-origin-y", "units-per-em",
        "ascent", "descent", "cap-height", "x-height", "unicode-range", "panose-1", "widths", "bbox", "stemv", "stemh",
        "underline-position", "underline-thickness", "strikethrough-position", "strikethrough-thickness",
        "overline-position", "overline-thickness", "alphabetic", "ideographic", "hanging", "mathematical", "glyph-name",
        "unicode", "arabic-form", "orientation", "u1", "u2", "g1", "g2", "k", "string", "format", "accent-height",
    ]

    /// Attributes in the XLink namespace an SVG may carry (`href` is checked as a URL).
    static let xlinkAttributes: Set<String> = ["href", "title", "show", "actuate", "type", "role", "arcrole"]

    /// Elements that run code or embed another document, whatever namespace they are in: an HTML parser ignores
    /// `xmlns`, so `<svg xmlns="urn:x"><script>` still runs there.
    static let activeElements: Set<String> = embeddingElements.union([
        "script", "foreignobject", "base", "handler", "listener", "hta:application",
    ])

    /// Elements that load another document into the page, or replace it, when HTML is rendered; refused in markup
    /// and, with an attribute that names what they load, in text (Markdown renderers pass raw HTML through).
    static let embeddingElements: Set<String> = ["iframe", "frame", "frameset", "embed", "object", "applet", "portal"]

    /// Attributes of an embedding element that name what it loads.
    static let embeddedDocumentAttributes: Set<String> = ["src", "data", "code", "archive", "object", "classid", "codebase"]

    /// Whether an `http-equiv` value makes a `<meta>` a refresh: the page navigates when it is rendered.
    static func isRefresh(httpEquiv value: String) -> Bool { value.lowercased().contains("refresh") }

    /// Attributes holding a URL that is loaded or followed.
    static let urlAttributes: Set<String> = [
        "href", "src", "action", "formaction", "background", "poster", "lowsrc", "dynsrc", "codebase", "cite",
        "longdesc", "manifest", "icon", "ping", "srcset", "imagesrcset", "archive", "classid",
    ]

    /// HTML void elements: no end tag follows, so they are not pushed on the element stack.
    static let htmlVoidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "keygen", "basefont", "bgsound", "frame", "image", "isindex",
    ]

    /// Element names that mark a namespace-less document as HTML.
    static let htmlElements: Set<String> = [
        "html", "head", "body", "title", "meta", "link", "style", "script", "noscript", "div", "span", "p", "a", "img",
        "image", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "select",
        "textarea", "table", "tr", "td", "th", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "b",
        "i", "u", "em", "strong", "pre", "code", "video", "audio", "source", "details", "summary", "section",
        "article", "nav", "header", "footer", "main", "base", "marquee", "math", "template", "picture", "canvas",
        "label", "center", "font", "area", "map", "portal", "dialog", "blockquote", "xmp", "plaintext", "noembed",
    ]

    /// Media types a `data:` URL may carry: raster images only.
    static let rasterDataTypes: Set<String> = ["image/png", "image/jpeg", "image/jpg", "image/pjpeg", "image/gif", "image/webp"]

    /// Media types of fonts embedded in CSS as `data:` URLs.
    static let fontDataTypes: Set<String> = [
        "font/woff", "font/woff2", "font/ttf", "font/otf", "font/sfnt", "font/truetype", "font/opentype",
        "application/font-woff", "application/font-woff2", "application/x-font-woff", "application/x-font-ttf",
        "application/x-font-truetype", "application/x-font-opentype", "application/font-sfnt", "application/vnd.ms-fontobject",
    ]

    /// Well-known public DTDs that no browser fetches: an SVG 1.0/1.1 or (X)HTML document type declaration naming one
    /// of these (with no internal subset) is ordinary editor output, not an external-entity vector.
    static let knownPublicIdentifiers: Set<String> = [
        "-//w3c//dtd svg 1.0//en", "-//w3c//dtd svg 20010904//en", "-//w3c//dtd svg 1.1//en",
        "-//w3c//dtd svg 1.1 basic//en", "-//w3c//dtd svg 1.1 tiny//en",
        "-//w3c//dtd xhtml 1.0 strict//en", "-//w3c//dtd xhtml 1.0 transitional//en", "-//w3c//dtd xhtml 1.0 frameset//en",
        "-//w3c//dtd xhtml 1.1//en", "-//w3c//dtd xhtml basic 1.1//en",
        "-//w3c//dtd html 4.01//en", "-//w3c//dtd html 4.01 transitional//en", "-//w3c//dtd html 4.01 frameset//en",
        "-//w3c//dtd html 4.0 transitional//en",
    ]

    /// What a namespace URI means to the check.
    enum Space: Equatable, Sendable {
        case svg, html, xlink, xmlEvents, xslt, xinclude, mathml, xml, unbound, foreign
    }

    /// The space a namespace URI names, compared leniently (case, `https`, trailing `/` or `#`) so near-misses are
    /// judged as the real namespace: stricter, never looser.
    static func space(ofNamespace uri: String) -> Space {
        var normalized = String(uri.unicodeScalars.filter { $0.value > 0x20 }.map(Character.init)).lowercased()
        if normalized.hasPrefix("https://") { normalized = "http://" + normalized.dropFirst(8) }
        while normalized.hasSuffix("/") || normalized.hasSuffix("#") { normalized.removeLast() }
        switch normalized {
        case "": return .unbound
        case "http://www.w3.org/2000/svg": return .svg
        case "http://www.w3.org/1999/xhtml": return .html
        case "http://www.w3.org/1999/xlink": return .xlink
        case "http://www.w3.org/2001/xml-events": return .xmlEvents
        case "http://www.w3.org/1999/xsl/transform", "urn:schemas-microsoft-com:xslt": return .xslt
        case "http://www.w3.org/2001/xinclude", "http://www.w3.org/2003/xinclude": return .xinclude
        case "http://www.w3.org/1998/math/mathml": return .mathml
        case "http://www.w3.org/xml/1998/namespace": return .xml
        default: return .foreign
        }
    }

    /// The space an undeclared prefix is taken to mean, by its conventional binding; nil for prefixes with none.
    static func conventionalSpace(ofPrefix prefix: String) -> Space? {
        switch prefix.lowercased() {
        case "svg": return .svg
        case "xhtml", "html", "h": return .html
        case "xlink": return .xlink
        case "ev": return .xmlEvents
        case "xsl", "xslt", "msxsl": return .xslt
        case "xi": return .xinclude
        case "xml": return .xml
        case "math", "mathml", "m": return .mathml
        default: return nil
        }
    }
}
