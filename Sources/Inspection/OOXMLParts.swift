import AirlockCore
import Glibc

/// Active content inside the parts of an OOXML package (DOCX, XLSX, PPTX), judged from what Office reads, not from
/// part names alone:
/// - `[Content_Types].xml`: macro-enabled main parts, VBA projects, ActiveX controls, macro sheets, OLE objects;
/// - relationships (`*.rels`): the same by relationship type, wherever the part is stored and whatever it is named,
///   and every external target except a web or mail hyperlink (remote templates, remote images and objects fetched on open);
/// - any XML part: a DOCTYPE or entity declaration (XXE, entity expansion bombs), an XML Schema
///   include/import/redefine or XInclude that a parser would fetch;
/// - WordprocessingML fields by an allow-list of field types (``fieldProblem(_:)``), runs joined and nested fields
///   followed;
/// - hyperlink relationships only to http, https and mailto;
/// - SpreadsheetML: DDE links (`ddeLink`) and active formulas (``formulaProblem(_:strict:functions:fetchers:harmlessOnly:)``: DDE,
///   WEBSERVICE, IMAGE, RTD, CALL, HYPERLINK to anything but http(s)/mailto, external workbook references), external
///   data connections (web queries, databases, text imports; not the workbook's own data model).
///
/// A scanner over tags and attributes that never expands an entity and never fetches anything.
enum OOXMLParts {
    /// Parts whose text is judged (XML by name; the rest is binary or media).
    static func isXML(_ partName: String) -> Bool {
        let lowered = partName.lowercased()
        return lowered.hasSuffix(".xml") || lowered.hasSuffix(".rels") || lowered.hasSuffix(".vml")
    }

    /// Content types that carry code or controls.
    static let activeContentTypes: [(fragment: String, what: String)] = [
        ("vbaproject", "a VBA macro project"),
        ("macroenabled", "a macro-enabled document"),
        ("vbadata", "VBA macro data"),
        ("activex", "an ActiveX control"),
        ("macrosheet", "an Excel 4 macro sheet"),
        ("oleobject", "an embedded OLE object"),
        ("ms-office.vbaproject", "a VBA macro project"),
        // Office asks to install the add-in and opens its task pane, which runs the add-in's web code.
        ("ms-office.webextension", "an Office web add-in"),
    ]

    /// Relationship types (the last path segment of `Type`) that load code or controls.
    static let activeRelationships: [String: String] = [
        "vbaproject": "a VBA macro project",
        "wordvbadata": "VBA macro data",
        "activexcontrol": "an ActiveX control",
        "activexcontrolbinary": "an ActiveX control",
        "control": "an ActiveX control",
        "oleobject": "an embedded OLE object",
        "xlmacrosheet": "an Excel 4 macro sheet",
        "xlintlmacrosheet": "an Excel 4 macro sheet",
        "keymapcustomizations": "macro key bindings",
        "attachedtoolbars": "macro toolbars",
        "webextension": "an Office web add-in",
        "webextensiontaskpanes": "an Office web add-in task pane",
        // An external workbook link's path (`externalLinkPath`, and Excel's `xlPathMissing`, `xlStartup`,
        // `xlAlternateStartup`, `xlLibrary` forms): LibreOffice resolves it against the document's own location,
        // whatever `TargetMode` says (`../../etc/x.xlsx`, attack round 12), and compiles `[1]!name` to that file.
        "externallinkpath": "an external workbook link",
        "xlpathmissing": "an external workbook link",
        "xlstartup": "an external workbook link",
        "xlalternatestartup": "an external workbook link",
        "xllibrary": "an external workbook link",
    ]

    /// Elements whose text Excel evaluates as a formula: cells and defined names, conditional formatting, data
    /// validation, table calculated columns and totals, VML form-control links (`x:FmlaLink`, …).
    static let formulaElements: Set<String> = [
        "f", "definedname", "formula", "formula1", "formula2", "calculatedcolumnformula", "totalsrowformula", "fmlalink",
        "fmlarange", "fmlamacro", "fmlatxbx", "fmlagroup", "fmlapict",
    ]

    /// Attributes Excel evaluates as a formula, by element: pivot calculated items and fields, form controls
    /// (`ctrlProps`), drawing objects' assigned macros. DrawingML's shape-guide `fmla` is geometry and is not among them.
    static let formulaAttributes: [String: [String]] = [
        "calculateditem": ["formula"], "cachefield": ["formula"],
        // A conditional format's threshold (`<cfvo type="formula" val="…">`), calculated when the sheet is shown
        // (attack round 12: LibreOffice fetched a WEBSERVICE written there on open).
        "cfvo": ["val"],
        // A scenario's input cell: LibreOffice sets a value starting with `=` as the cell's formula (attack round 15).
        "inputcells": ["val"],
        "formcontrolpr": ["fmlalink", "fmlarange", "fmlamacro", "fmlatxbx", "fmlagroup"],
        // A spreadsheet drawing's shapes, pictures, connectors, frames and groups: a macro assigned to run on a click
        // (`macro`, like a form control's fmlaMacro) and a shape's text linked to a formula (`textlink`).
        "sp": ["macro", "textlink"], "pic": ["macro"], "cxnsp": ["macro"], "graphicframe": ["macro"], "grpsp": ["macro"],
    ]

    /// A UNC path (`\\host\share`, `//host/share`) or a `file:` URL.
    static func isLocalOrNetworkPath(_ value: String) -> Bool {
        let trimmed = value.trimmingSpaces(newlines: true).lowercased()
        return trimmed.hasPrefix("\\\\") || trimmed.hasPrefix("//") || trimmed.hasPrefix("\\/") || trimmed.hasPrefix("/\\")
            || trimmed.hasPrefix("file:")
    }

    /// A reference Office resolves outside the package: a UNC path or `file:` URL, an absolute URL of any scheme but
    /// `data:`, a drive path (`C:\…`, a one-letter scheme).
    static func isOutsideReference(_ value: String) -> Bool {
        if isLocalOrNetworkPath(value) { return true }
        let trimmed = value.trimmingSpaces(newlines: true).lowercased()
        guard let colon = trimmed.firstIndex(of: ":") else { return false }
        let scheme = trimmed[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return false }
        return scheme != "data"
    }

    /// Whether a relationship leads outside the package by its `TargetMode`: LibreOffice (oox's relations fragment)
    /// takes every value but the exact token `Internal` as external (`internal`, `Externa`, `Internal ` too), and
    /// resolves the target against the document's own location (attack round 12); Office accepts only `Internal` and
    /// `External`.
    static func isExternalMode(_ attributes: [String: String]) -> Bool {
        guard let mode = attributes["targetmode"] else { return false }
        return mode != "Internal"
    }

    /// A relationship's target resolved against the part that holds it (`relationshipsPart`, the `.rels` part's name in
    /// the package), as LibreOffice resolves it (dot segments removed, `..` taking a file name too: `sheet1.bin/x/..` is
    /// `sheet1.bin`, attack round 14), or nil when it climbs above the package's root or starts a host after climbing
    /// to it: a reader that resolves it against the document's own location reaches the file system
    /// (`../../../etc/x.png`, `..//host/share/x.png`, attack round 12). `%2e`, `%2f` and `%5c` count as the characters
    /// they encode; a backslash separates like a slash.
    /// - Parameter decodingEscapes: Whether `%2e`, `%2f` and `%5c` count as what they encode (true), or stay as they are
    ///   (LibreOffice opens a part by its literal name too, attack round 23).
    static func resolvedTarget(_ target: String, relationshipsPart: String, decodingEscapes: Bool = true) -> String? {
        let scalars = Array(target.trimmingSpaces(newlines: true).unicodeScalars)
        var path = ""
        var index = 0
        while index < scalars.count {
            let escape =
                decodingEscapes && index + 2 < scalars.count && scalars[index] == "%" ? String(scalars[index + 1]) + String(scalars[index + 2]) : ""
            switch escape.lowercased() {
            case "2e": path += "."
            case "2f", "5c": path += "/"
            default:
                path.unicodeScalars.append(scalars[index] == "\\" ? "/" : scalars[index])
                index += 1
                continue
            }
            index += 3
        }
        var stack: [Substring] = []
        if !path.hasPrefix("/") {
            let source = sourcePart(ofRelationships: relationshipsPart.lowercased()) ?? ""
            stack = Array(source.split(separator: "/").dropLast())
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (offset, segment) in segments.enumerated() {
            switch segment {
            case "..":
                guard !stack.isEmpty else { return nil }
                stack.removeLast()
            case ".":
                continue
            case "":
                // `a//b`: an empty segment after a climb to the root starts a host (`..//host/share`).
                if offset > 0, stack.isEmpty, segments[..<offset].contains("..") { return nil }
            default:
                stack.append(segment)
            }
        }
        return stack.joined(separator: "/")
    }

    /// Findings for one part, at most `limit`.
    /// - Parameter externalLinks: The Ids of the external hyperlinks this part's relationships admit
    ///   (``externalHyperlinkIDs(_:)``): only a click may use one (a hyperlink element, `hlinkClick`, `hlinkHover`);
    ///   anything else that names one (a linked picture's `r:link`) fetches it when the document opens.
    /// - Parameter packageName: The part's name within its own package (`partName` also names the packages around it);
    ///   relationship targets are resolved against it. Nil: `partName`.
    static func findings(
        partName: String,
        packageName: String? = nil,
        bytes raw: [UInt8],
        externalLinks: Set<String> = [],
        limit: Int = 5
    ) -> [String] {
        let bytes = utf8(raw)
        var findings: [String] = []
        let lowered = partName.lowercased()
        let label = "part '\(partName)'"
        if let problem = encodingProblem(bytes) { findings.append("\(label) \(problem)") }
        // Field codes: one buffer per open field (fields nest), and one for instruction text outside any
        // `fldChar begin` (Word still reads it).
        var fields: [Field] = []
        var loose = Field()
        var inInstruction = false
        var formulaDepth = 0  // formula elements open (an `xm:f` may stand inside `x14:formula1`)
        var formula = ""
        var inMailMerge = false
        var mailMergeSource = false
        var root: String?  // the part's root element (markup compatibility wrappers left out)
        var connection: String?  // the finding for the external data connection being read
        var internalModel = false  // that connection is the workbook's own data model
        var otherSource = false  // that connection also reads a web page or a text file
        // Open `mc:AlternateContent` elements: a reader takes one branch (LibreOffice skips a Choice whose `Requires`
        // it does not know), Airlock reads them all, so a field's code may not cross from one branch to another.
        var alternateDepth = 0
        var looseDepth: Int?  // the depth of the loose instruction text read so far
        var scanner = TagScanner(bytes: bytes)
        while let item = scanner.next(), findings.count < limit {
            switch item {
            case .declaration:
                findings.append("\(label) declares a DOCTYPE or entities (XXE, entity expansion)")
            case .text(let text):
                if inInstruction {
                    if fields.isEmpty { loose.code += text } else { fields[fields.count - 1].code += text }
                }
                if formulaDepth > 0 { formula += text }
            case .end(let name):
                if name == "alternatecontent" { alternateDepth = max(0, alternateDepth - 1) }
                if name == "instrtext" || name == "delinstrtext" || name == "t" || name == "deltext" { inInstruction = false }
                if name == "mailmerge" { inMailMerge = false }
                if name == "connection", let pending = connection {
                    if !internalModel || otherSource { findings.append(pending) }
                    connection = nil
                }
                if formulaElements.contains(name) {
                    formulaDepth = max(0, formulaDepth - 1)
                    if let problem = formulaProblem(formula) { findings.append("\(label) holds \(problem)") }
                    formula = ""
                }
            case .start(let name, let attributes, let selfClosing):
                if let repeated = scanner.repeatedAttribute {
                    findings.append(
                        "\(label): <\(name)> repeats the attribute \(repeated) (in another case or namespace): readers take different ones"
                    )
                    scanner.repeatedAttribute = nil
                }
                if name == "relationship", let shadow = attributes.keys.first(where: { $0.contains("#") }) {
                    // A relationship names its Id, Type, Target and TargetMode once; another namespace's copy
                    // (`x:Target`) shadows it for a reader that takes any.
                    findings.append("\(label): a relationship repeats the attribute \(shadow.prefix { $0 != "#" }) in another namespace")
                }
                if !externalLinks.isEmpty, !clickElements.contains(name),
                    let (key, id) = attributes.first(where: { externalLinks.contains($0.value) })
                {
                    // LibreOffice resolves any external target by its Id, whatever the relationship's type says.
                    findings.append("\(label): <\(name)> uses the external hyperlink \(id) as its \(key) (fetched when the document opens)")
                }
                // Excel 2010's extensions write a formula element around an `xm:f` (`<x14:formula1><xm:f>…`): a formula
                // that holds nothing else is that one formula.
                let wrappedFormula = formulaDepth == 1 && name == "f" && formula.allSatisfy(\.isWhitespace)
                if (formulaDepth > 0 && !wrappedFormula) || inInstruction {
                    // Readers keep a formula's or a field code's own text and restart or drop it at a child element
                    // (LibreOffice restarts a cell's formula at an unknown child and skips an unsupported `mc:Choice`):
                    // Airlock, which joins all the text, would judge another formula (attack round 12).
                    findings.append("\(label): <\(name)> inside a formula or field code (readers read the text around it differently)")
                }
                if name == "alternatecontent" { alternateDepth += 1 }
                if root == nil, !["alternatecontent", "choice", "fallback"].contains(name) { root = name }
                if name == "fldchar" || name == "instrtext" || name == "delinstrtext" {
                    // A field's pieces must stand in the branch its begin stands in: `begin` outside, code in a Choice a
                    // reader skips, more code after it is one field to Airlock and another to the reader (attack round
                    // 12). Instruction text outside any field likewise stays in one branch.
                    let begin = name == "fldchar" && (attributes["fldchartype"] ?? "").lowercased() == "begin"
                    let opened = fields.last?.alternateDepth ?? (name == "fldchar" ? alternateDepth : looseDepth ?? alternateDepth)
                    if !begin, opened != alternateDepth {
                        findings.append("\(label): a field's code or separator stands in other alternate content than its begin")
                    }
                    if fields.isEmpty, !begin, name != "fldchar" { looseDepth = opened }
                }
                switch name {
                case "override" where lowered == "[content_types].xml", "default" where lowered == "[content_types].xml":
                    let type = (attributes["contenttype"] ?? "").lowercased()
                    if let match = activeContentTypes.first(where: { type.contains($0.fragment) }) {
                        findings.append("\(match.what) (content type \(type))")
                    }
                case "relationship" where lowered.hasSuffix(".rels"):
                    let type = (attributes["type"] ?? "").lowercased()
                    let kind = type.split(separator: "/").last.map(String.init) ?? type
                    let target = attributes["target"] ?? ""
                    let resolved = resolvedTarget(target, relationshipsPart: packageName ?? partName)
                    if kind == "afchunk" {
                        // Word imports an altChunk (HTML, RTF, MHT, text, another document) with its own converters
                        // when the document opens; Airlock does not judge it as Word reads it.
                        findings.append("an imported alternative-format part (altChunk '\(target.prefix(80))' in \(partName))")
                    } else if let what = activeRelationships[kind] {
                        findings.append("\(what) (relationship to '\(target)' in \(partName))")
                    } else if kind != "printersettings", (resolved ?? target).lowercased().hasSuffix(".bin") {
                        // LibreOffice parses any fragment named `.bin` as Excel's binary records (the xlsb reader is
                        // shared with xlsx): a worksheet, workbook or connections part there holds formulas Airlock
                        // does not read (attack round 13). Printer settings are the only binary part Office writes
                        // behind an ordinary relationship.
                        findings.append("binary records Airlock does not read (\(kind) relationship to '\(target.prefix(80))' in \(partName))")
                    } else if isExternalMode(attributes) || isOutsideReference(target)
                        || resolved == nil
                    {
                        // An absolute URL, UNC or drive path leads outside the package whatever `TargetMode` says.
                        if kind != "hyperlink" {
                            findings.append("an external \(kind) relationship to '\(target)' in \(partName) (fetched when the document opens)")
                        } else if !isWebOrMailLink(target) {
                            findings.append("a hyperlink to '\(target.prefix(120))' in \(partName) (only http, https and mailto are admitted)")
                        }
                    }
                case "instrtext", "delinstrtext":
                    // A deleted field's code (tracked changes) is code too: rejecting the change restores it.
                    inInstruction = !selfClosing
                case "t" where fields.last.map({ !$0.separated }) == true, "deltext" where fields.last.map({ !$0.separated }) == true:
                    // Text between a field's begin and its separator is read as field code, deleted text too
                    // (rejecting the deletion restores it, attack round 16).
                    inInstruction = !selfClosing
                case "mailmerge":
                    inMailMerge = !selfClosing
                case "connectstring", "query", "datasource", "odso":
                    // A mail merge that reads a data source (ODBC connection strings, SQL queries, files) when the
                    // document opens.
                    if inMailMerge, !mailMergeSource {
                        mailMergeSource = true
                        findings.append("\(label) holds a mail merge reading an external data source (\(name))")
                    }
                case "attachedtemplate":
                    // ECMA-376 1st edition names the template in `w:val`: a remote or network one is fetched on open.
                    if let value = attributes["val"], isOutsideReference(value) {
                        findings.append("\(label) holds an attached template '\(value.prefix(80))' (fetched when the document opens)")
                    }
                case "entrymacro", "exitmacro":
                    // Form-field macros run when the field is entered or left (the MACROBUTTON class).
                    if let macro = attributes["val"], !macro.trimmingSpaces(newlines: true).isEmpty {
                        findings.append("\(label) holds a form field macro (\(name) '\(macro.prefix(60))')")
                    }
                case "imagedata", "fill", "image", "stroke":
                    // VML images and fills load their `src`/`o:href` when shown: a UNC path or `file:` leaks the
                    // user's credentials (NTLM) or reads local files.
                    // `src` is loaded: any absolute URL is fetched (as remote images through relationships are).
                    // `o:href` records where a pasted picture came from (a web address is ordinary) and is read only
                    // as a UNC or `file:` path.
                    for key in ["src", "href"] {
                        if let value = attributes[key], key == "src" ? isOutsideReference(value) : isLocalOrNetworkPath(value) {
                            findings.append("\(label) holds a VML \(name) loading '\(value.prefix(80))'")
                        }
                    }
                case "fldchar":
                    switch (attributes["fldchartype"] ?? "").lowercased() {
                    case "begin":
                        if !fields.isEmpty { fields[fields.count - 1].nest() }
                        fields.append(Field(alternateDepth: alternateDepth))
                    case "separate":
                        if !fields.isEmpty { fields[fields.count - 1].separated = true }
                    case "end":
                        if let field = fields.popLast(), let problem = fieldProblem(field) { findings.append("\(label) holds \(problem)") }
                    default:
                        break
                    }
                case "fldsimple":
                    if !fields.isEmpty { fields[fields.count - 1].nest() }
                    if let problem = fieldProblem(Field(code: attributes["instr"] ?? "")) { findings.append("\(label) holds \(problem)") }
                case "include", "import", "redefine", "override":
                    // XML Schema and XInclude references that a parser resolves by fetching them (SSRF, XXE).
                    if let reference = attributes["schemalocation"] ?? attributes["href"] {
                        findings.append("\(label) references an external schema or document ('\(reference)')")
                    }
                case "connection" where root == "connections":
                    // SpreadsheetML external data connections (xl/connections.xml, found by its root element whatever
                    // the part is named): web queries, ODBC/OLE DB/ADO databases, text imports, OLAP cubes, `.odc`
                    // files. Refreshing one reads from outside the workbook (on open with refreshOnLoad).
                    let kinds = ["1": "ODBC", "2": "DAO", "3": "file", "4": "web query", "5": "OLE DB", "6": "text import", "7": "ADO", "8": "DSP"]
                    let kind = kinds[attributes["type"] ?? ""] ?? "type \(attributes["type"] ?? "unknown")"
                    connection = "\(label) holds an external data connection '\((attributes["name"] ?? "").prefix(60))' (\(kind))"
                    internalModel = false
                    // The data model is an OLE DB connection (type 5); any other type reads from outside.
                    otherSource = attributes["type"] != "5"
                    if selfClosing, let connection { findings.append(connection) }
                case "dbpr" where connection != nil:
                    // The workbook's own data model (what Excel adds with Power Pivot) reads nothing outside it: its
                    // sources are connections of their own.
                    let string = (attributes["connection"] ?? "").lowercased().filter { $0 != " " }
                    internalModel =
                        string.contains("datasource=$workbook$") && string.contains("location=thisworkbookdatamodel")
                        && !string.contains("mashup") && attributes["command"] == nil
                case "webpr", "textpr", "parameters":
                    // A web query or text import beside the data model's `dbPr` reads from outside all the same.
                    if connection != nil { otherSource = true }
                case "webpublishitem", "webpublishobject":
                    // Publishing a range as a web page writes it to a location, on every save with autoRepublish.
                    if let destination = attributes["destinationfile"], !destination.isEmpty {
                        findings.append("\(label) publishes to '\(destination.prefix(80))' (a web publishing item)")
                    }
                case "ddelink":
                    findings.append("\(label) holds a DDE link (service '\(attributes["ddeservice"] ?? "")')")
                case _ where formulaElements.contains(name):
                    if !selfClosing { formulaDepth += 1 }
                default:
                    break
                }
                // Any other attribute value written as a formula (`="…"`) is judged as one: a reader that sets it on a
                // cell compiles it (attack round 15: a scenario's input cell).
                for (key, value) in attributes where findings.count < limit && !(formulaAttributes[name] ?? []).contains(key) {
                    let trimmed = value.drop { $0 == " " }
                    if trimmed.hasPrefix("="), let problem = formulaProblem(String(trimmed.dropFirst())) {
                        findings.append("\(label) holds \(problem) (in \(name)'s \(key))")
                    }
                }
                // Formulas in attributes: pivot calculated items and fields, form-control links and macros.
                for key in formulaAttributes[name] ?? [] where findings.count < limit {
                    // A name repeated in a tag is found on its own (`repeatedAttribute`): one value per name.
                    if let value = attributes[key], !value.isEmpty {
                        // A macro of this workbook is a plain name (`Macro1`, `Module1.Macro1`); anything else (`Book.xlsm!Run`,
                        // `[1]!Run`, a path) names another workbook's code.
                        if key == "fmlamacro" || key == "macro",
                            !value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
                        {
                            findings.append("\(label) holds a control running a macro in another workbook ('\(value.prefix(80))')")
                        } else if let problem = formulaProblem(value) {
                            findings.append("\(label) holds \(problem)")
                        }
                    }
                }
            }
        }
        // Fields left open at the end of the part, and instruction text outside any field.
        for field in fields + [loose] where findings.count < limit {
            if let problem = fieldProblem(field) { findings.append("\(label) holds \(problem)") }
        }
        return Array(findings.prefix(limit))
    }

    /// One Word field's instruction as read so far: its code (the runs of its instruction text joined, nested
    /// fields' results left out) and how fields nest in it.
    struct Field {
        var code = ""
        /// A field nested in this one.
        var hasNested = false
        /// A nested field came before any word of this field's own code: the field type itself is computed.
        var computedType = false

        /// The field's separator was read: what follows is its result, not its code.
        var separated = false

        /// How many `mc:AlternateContent` elements were open at its begin.
        var alternateDepth = 0

        mutating func nest() {
            if !hasNested, code.allSatisfy(\.isWhitespace) { computedType = true }
            hasNested = true
        }
    }

    /// Field types that only show the document's own data, format it or move within it: page numbers, dates,
    /// document properties, tables of contents and indexes, cross-references, mail-merge fields, form fields,
    /// formulas (`=`). Everything else is active content: INCLUDEPICTURE, INCLUDETEXT, LINK, IMPORT, DDE, DDEAUTO,
    /// DATABASE, EMBED, RD (fetch or run something), MACROBUTTON (runs a macro) and any type Word may add. ADDIN
    /// (Zotero, Mendeley and EndNote citations) is data for an add-in: Word runs nothing, and an add-in acts only if
    /// it is installed and trusted.
    static let safeFieldTypes: Set<String> = [
        "PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "DATE", "TIME", "CREATEDATE", "SAVEDATE", "PRINTDATE", "EDITTIME", "REVNUM",
        "TOC", "TOA", "TA", "TC", "INDEX", "XE", "REF", "PAGEREF", "NOTEREF", "STYLEREF", "SEQ", "HYPERLINK", "AUTHOR", "TITLE",
        "SUBJECT", "KEYWORDS", "COMMENTS", "LASTSAVEDBY", "FILENAME", "FILESIZE", "NUMWORDS", "NUMCHARS", "DOCPROPERTY",
        "DOCVARIABLE", "INFO", "TEMPLATE", "USERNAME", "USERINITIALS", "USERADDRESS", "MERGEFIELD", "MERGEREC", "MERGESEQ",
        "NEXT", "NEXTIF", "SKIPIF", "SET", "ASK", "FILLIN", "IF", "COMPARE", "ADDRESSBLOCK", "GREETINGLINE", "FORMTEXT",
        "FORMCHECKBOX", "FORMDROPDOWN", "SYMBOL", "EQ", "ADVANCE", "BARCODE", "DISPLAYBARCODE", "MERGEBARCODE", "CITATION",
        "BIBLIOGRAPHY", "LISTNUM", "AUTONUM", "AUTONUMLGL", "AUTONUMOUT", "BIDIOUTLINE", "GOTOBUTTON", "SHAPE", "QUOTE",
        "ADDIN",
    ]

    /// Why a field is active content, or nil: its type (the first word of its code, any case; `=` formulas are
    /// safe) is not in ``safeFieldTypes``, its type is computed by a nested field, it is a QUOTE with a nested field
    /// (how DDE is spelled from character codes), or a HYPERLINK leads anywhere but http, https, mailto or a
    /// bookmark (`\l`).
    static func fieldProblem(_ field: Field) -> String? {
        let words = field.code.split { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{A0}" }
        if field.computedType { return "a field whose type is built by a nested field" }
        guard let first = words.first else { return nil }
        if first.hasPrefix("=") { return nil }
        let type = first.uppercased().filter { $0 != "\"" }
        guard safeFieldTypes.contains(type) else {
            let what = ["DDE", "DDEAUTO"].contains(type) ? "a DDE field (runs a program when fields update)" : "a \(type.prefix(40)) field"
            return what
        }
        if type == "QUOTE", field.hasNested { return "a QUOTE field built from nested fields" }
        if type == "HYPERLINK" { return hyperlinkFieldProblem(field.code) }
        return nil
    }

    /// A HYPERLINK field's code read as Word reads it: words split at blanks, a quoted argument (`\\` inside it is one
    /// backslash) one word; `\l`, `\o`, `\t`, `\*`, `\#` and `\@` take the next word as their value, `\m`, `\n` and
    /// `\h` none; the first other word is the target. The target, and any other word that is neither a switch nor a
    /// switch's value and names a location (an unknown switch such as `\\host\share`, a path after the target), must
    /// be http, https or mailto; without a target a `\l` bookmark must name a bookmark, not a path.
    static func hyperlinkFieldProblem(_ code: String) -> String? {
        var words: [(text: String, quoted: Bool)] = []
        var scalars = code.unicodeScalars.makeIterator()
        var word: String?
        var quoted = false
        func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{A0}" }
        while let c = scalars.next() {
            if quoted {
                if c == "\"" {
                    words.append((word ?? "", true))
                    word = nil
                    quoted = false
                } else if c == "\\" {
                    let escaped = scalars.next() ?? "\\"
                    if escaped == "\"" || escaped == "\\" {
                        word?.unicodeScalars.append(escaped)
                    } else {
                        word?.unicodeScalars.append(c)
                        word?.unicodeScalars.append(escaped)
                    }
                } else {
                    word?.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                if let pending = word { words.append((pending, false)) }
                word = ""
                quoted = true
            } else if isBlank(c) {
                if let pending = word { words.append((pending, false)) }
                word = nil
            } else {
                word = (word ?? "") + String(c)
            }
        }
        if let pending = word { words.append((pending, quoted)) }
        var free: [String] = []
        var bookmark: String?
        var index = 1  // past the type
        while index < words.count {
            let (text, quoted) = words[index]
            let lowered = text.lowercased()
            if !quoted, ["\\l", "\\o", "\\t", "\\*", "\\#", "\\@"].contains(lowered) {
                if lowered == "\\l", index + 1 < words.count { bookmark = words[index + 1].text }
                index += 2
                continue
            }
            if !quoted, ["\\m", "\\n", "\\h"].contains(lowered) {
                index += 1
                continue
            }
            free.append(text)
            index += 1
        }
        let shown = (free.first ?? bookmark ?? "").prefix(80)
        let problem = "a HYPERLINK field to '\(shown)' (only http, https, mailto and bookmarks are admitted)"
        // Words after the target that name a location (`\\host\…`, `file:…`, a path) are judged too, in case Word reads
        // a switch this reader does not know as taking no value; plain words (loose instruction text joined) are not.
        let locations = free.dropFirst().filter { $0.contains(where: { ":\\/".contains($0) }) }
        if let target = ((free.first.map { [$0] } ?? []) + locations).first(where: { !isWebOrMailLink($0) }) {
            return "a HYPERLINK field to '\(target.prefix(80))' (only http, https, mailto and bookmarks are admitted)"
        }
        if free.isEmpty {
            guard let bookmark, !bookmark.contains(where: { ":\\/".contains($0) }) else { return problem }
        }
        return nil
    }

    /// An external hyperlink target Office opens in a browser or mail client: `http:`, `https:` or `mailto:` (any
    /// case, leading blanks and control characters dropped). `ms-msdt:`, `search-ms:`, `file:`, UNC paths and every
    /// other scheme start a program or reach a file share.
    static func isWebOrMailLink(_ target: String) -> Bool {
        let lowered = String(target.unicodeScalars.drop { $0.value <= 0x20 }).lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("mailto:")
    }

    /// Functions that fetch from the network, call code or ask another program when a sheet calculates
    /// (`_xlfn.` and `_xlws.` prefixes dropped).
    /// Google Sheets and LibreOffice fetchers (`IMPORTXML`, `IMPORTDATA`, `IMPORTHTML`, `IMPORTFEED`, `IMPORTRANGE`)
    /// are included: a CSV or text file is often opened there.
    static let activeFormulaFunctions: Set<String> = [
        "WEBSERVICE", "IMAGE", "RTD", "CALL", "REGISTER", "REGISTER.ID", "EXEC", "DDE", "DDEAUTO", "IMPORTXML", "IMPORTDATA",
        "IMPORTHTML", "IMPORTFEED", "IMPORTRANGE",
    ]

    /// Functions a formula read from text (a CSV cell) may call: arithmetic, statistics, text, dates, logic and lookups
    /// within the sheet, in Excel's English names. A spreadsheet reads such a formula in its interface's language
    /// (German `WEBDIENST` is WEBSERVICE, French `LIEN_HYPERTEXTE` is HYPERLINK), so a list of dangerous names has a
    /// gap in every other language: text formulas are judged by this list instead (``formulaProblem``'s
    /// `harmlessOnly`). HYPERLINK is here because its target is judged on its own.
    static let harmlessFormulaFunctions: Set<String> = [
        "ABS", "ACOS", "AND", "ASIN", "ATAN", "ATAN2", "AVERAGE", "AVERAGEA", "AVERAGEIF", "AVERAGEIFS", "CEILING", "CEILING.MATH",
        "CHAR", "CHOOSE", "CLEAN", "CODE", "COLUMN", "COLUMNS", "CONCAT", "CONCATENATE", "COS", "COUNT", "COUNTA", "COUNTBLANK",
        "COUNTIF", "COUNTIFS", "DATE", "DATEDIF", "DATEVALUE", "DAY", "DAYS", "DEGREES", "EDATE", "EOMONTH", "EVEN", "EXACT", "EXP",
        "FALSE", "FIND", "FIXED", "FLOOR", "FLOOR.MATH", "HLOOKUP", "HOUR", "HYPERLINK", "IF", "IFERROR", "IFNA", "IFS", "INDEX", "INT",
        "ISBLANK", "ISERR", "ISERROR", "ISEVEN", "ISLOGICAL", "ISNA", "ISNONTEXT", "ISNUMBER", "ISODD", "ISOWEEKNUM", "ISTEXT",
        "LARGE", "LEFT", "LEN", "LN", "LOG", "LOG10", "LOOKUP", "LOWER", "MATCH", "MAX", "MAXA", "MAXIFS", "MEDIAN", "MID", "MIN",
        "MINA", "MINIFS", "MINUTE", "MOD", "MODE", "MONTH", "MROUND", "N", "NETWORKDAYS", "NOT", "NOW", "ODD", "OR", "PERCENTILE",
        "PERCENTILE.INC", "PERCENTILE.EXC", "PI", "POWER", "PRODUCT", "PROPER", "QUARTILE", "QUOTIENT", "RADIANS", "RAND",
        "RANDBETWEEN", "RANK", "RANK.EQ", "REPLACE", "REPT", "RIGHT", "ROUND", "ROUNDDOWN", "ROUNDUP", "ROW", "ROWS", "SEARCH",
        "SECOND", "SIGN", "SIN", "SMALL", "SQRT", "STDEV", "STDEV.P", "STDEV.S", "SUBSTITUTE", "SUBTOTAL", "SUM", "SUMIF", "SUMIFS",
        "SUMPRODUCT", "SWITCH", "T", "TAN", "TEXT", "TEXTJOIN", "TIME", "TIMEVALUE", "TODAY", "TRIM", "TRUE", "TRUNC", "UPPER",
        "VALUE", "VAR", "VAR.P", "VAR.S", "VLOOKUP", "WEEKDAY", "WEEKNUM", "WORKDAY", "XLOOKUP", "XOR", "YEAR",
        // Finance, statistics, dynamic arrays and lookups within the sheet (false positives of attack round 7).
        "PMT", "IPMT", "PPMT", "NPV", "XNPV", "IRR", "XIRR", "MIRR", "FV", "PV", "RATE", "NPER", "SLN", "DB", "DDB", "EFFECT",
        "NOMINAL", "OFFSET", "FILTER", "SORT", "SORTBY", "UNIQUE", "SEQUENCE", "TRANSPOSE", "XMATCH", "CORREL", "COVARIANCE.S",
        "COVARIANCE.P", "FORECAST", "FORECAST.LINEAR", "TREND", "SLOPE", "INTERCEPT", "GEOMEAN", "HARMEAN", "COMBIN", "FACT",
        "GCD", "LCM", "SUMSQ", "STDEVA", "MODE.SNGL", "NORM.DIST", "NORM.INV", "NORMDIST", "YEARFRAC", "DAYS360",
        "NETWORKDAYS.INTL", "WORKDAY.INTL", "TEXTBEFORE", "TEXTAFTER", "NUMBERVALUE", "DOLLAR", "NA",
    ]

    /// Which calls of a text formula must be of ``harmlessFormulaFunctions``.
    enum HarmlessCalls: Sendable {
        case notRequired
        /// Every call (a cell that starts with `=`: a space between names is Excel's intersection operator).
        case everyCall
        /// Calls after an operator or at the start with the parenthesis right after the name (`-1+X(…)`, `@X(…)`), not
        /// a word after a word ("- removed item(s)") or a name, a blank and a parenthesis ("@bob (ops)").
        case callsAfterOperators
    }

    /// The functions that fetch or ask another program, judged anywhere in a plain-text cell (``formulaProblem(_:strict:functions:fetchers:harmlessOnly:)``).
    static let fetchingFormulaFunctions: Set<String> = [
        "WEBSERVICE", "IMAGE", "RTD", "DDE", "DDEAUTO", "IMPORTXML", "IMPORTDATA", "IMPORTHTML", "IMPORTFEED", "IMPORTRANGE",
    ]

    /// What makes a spreadsheet formula (an xlsx cell or defined name, a CSV cell) active, or nil:
    /// - DDE: `service|'topic'!item` (`cmd|' /C calc'!A0`, also without `!item`); with `strict` any `|` outside
    ///   strings (Excel has no `|` operator);
    /// - a call of ``activeFormulaFunctions`` (only with `functions`); without it but with `fetchers`, a call of
    ///   ``fetchingFormulaFunctions`` (IMAGE only with a string literal first: "image(s)" is prose);
    /// - `HYPERLINK` whose target is not a string starting with `http://`, `https://`, `mailto:` or `#` (a UNC path,
    ///   `file:`, another scheme, or a target computed from cells);
    /// - an external workbook reference: `'\\host\share\[x.xlsx]Sheet1'!A1`, `[x.xlsx]Sheet1!A1`, `[1]Sheet1!A1`,
    ///   a quoted sheet name holding a path, LibreOffice's `'file:///…'#$Sheet.A1`, INDIRECT with a string that names
    ///   another document.
    /// String literals are skipped (their text is not a call). A formula is read up to three ways, and a problem in any
    /// reading counts: with LibreOffice's states (table references read whole, attack rounds 13 to 15), with `'…'` as a
    /// quoted name, and, when it holds a `'`, with `'` as an ordinary character (a quote Airlock took for a sheet
    /// name's would hide the calls up to the next one, attack round 12; that reading judges calls and references, not
    /// which functions are harmless). Linear in the formula.
    static func formulaProblem(
        _ formula: String,
        strict: Bool = true,
        functions: Bool = true,
        fetchers: Bool = false,
        harmlessOnly: HarmlessCalls = .notRequired
    ) -> String? {
        let chars = Array(formula.unicodeScalars)
        // An invisible formatting character (Unicode Cf: U+200B, U+FEFF, U+2060…) outside a string: LibreOffice drops a
        // leading U+200B and compiles the call behind it, which Airlock reads as one unknown name (attack round 13).
        var inString = false
        for c in chars {
            if c == "\"" { inString.toggle() }
            if !inString, c.properties.generalCategory == .format { return "an invisible formatting character in a formula (readers drop it)" }
        }
        // LibreOffice's states first: strings, quoted names (where `"` is a character) and bracketed structured
        // references (where `'` escapes and `"` is a character: `T[a"b]`, attack round 13); then the readings of
        // rounds 7 to 12, and `'` as an ordinary character.
        func reading(quoted: Bool, opaque: Bool, harmless: HarmlessCalls) -> String? {
            formulaReading(
                chars,
                quotedNames: quoted,
                opaqueBrackets: opaque,
                strict: strict,
                functions: functions,
                fetchers: fetchers,
                harmlessOnly: harmless
            )
        }
        if chars.contains("["), let problem = reading(quoted: true, opaque: true, harmless: harmlessOnly) { return problem }
        if let problem = reading(quoted: true, opaque: false, harmless: harmlessOnly) { return problem }
        guard chars.contains("'") else { return nil }
        return reading(quoted: false, opaque: false, harmless: .notRequired)
    }

    /// Whether text INDIRECT reads is a reference within the workbook, as LibreOffice reads Excel's syntax: an optional
    /// sheet name (plain, or quoted with `''` for a quote) and `!`, then a cell, range, R1C1 reference or name. A sheet
    /// name with `[`, `]`, `/`, `\`, `:`, `#` or `|` names another document (`'/tmp/[x]S'!A1`, `[x]S!A1`,
    /// `'file:///x'#$S.A1`: LibreOffice loads it, attack round 13); so does any of them in the rest, except R1C1's
    /// `R[-1]C[2]` and a range's `:`.
    static func isLocalReference(_ text: String) -> Bool {
        var rest = Substring(text.trimmingSpaces(newlines: true))
        if let bang = rest.lastIndex(of: "!") {
            var sheet = rest[..<bang]
            if sheet.hasPrefix("'") {
                guard sheet.count >= 2, sheet.hasSuffix("'") else { return false }
                sheet = sheet.dropFirst().dropLast()
                guard !sheet.replacing("''", with: "").contains("'") else { return false }
            }
            guard !sheet.isEmpty, !sheet.contains(where: { "[]/\\:#|?*".contains($0) }) else { return false }
            rest = rest[rest.index(after: bang)...]
        }
        var brackets = false
        var last: Character = " "
        for character in rest {
            switch character {
            case "[":
                guard !brackets, last == "R" || last == "C" || last == "r" || last == "c" else { return false }
                brackets = true
            case "]":
                guard brackets else { return false }
                brackets = false
            case "-" where brackets && last == "[":
                break
            case _ where brackets:
                guard character.isASCII, character.isNumber else { return false }
            case ":", "$", "_", ".", " ":
                break
            default:
                guard character.isLetter || character.isNumber else { return false }
            }
            last = character
        }
        return !brackets
    }

    /// One reading of ``formulaProblem(_:strict:functions:fetchers:harmlessOnly:)``: `quotedNames` reads `'…'` as a
    /// quoted sheet or document name, otherwise `'` is an ordinary character; `opaqueBrackets` reads `[…]` as one token,
    /// as LibreOffice's compiler reads a table reference or a workbook index (below).
    private static func formulaReading(
        _ chars: [Unicode.Scalar],
        quotedNames: Bool,
        opaqueBrackets: Bool,
        strict: Bool,
        functions: Bool,
        fetchers: Bool,
        harmlessOnly: HarmlessCalls
    ) -> String? {
        let count = chars.count
        // A name is letters of any script: localized spreadsheets call functions by names in their own language
        // (Russian `ВЕБСЛУЖБА` is WEBSERVICE), so every character outside ASCII but white space is a name's.
        func isNameStart(_ c: Unicode.Scalar) -> Bool {
            (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || c == "_" || (c.value >= 0x80 && !c.properties.isWhitespace)
        }
        func isNameChar(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || (c >= "0" && c <= "9") || c == "." }
        // Any white space may stand between a name and its `(`: LibreOffice compiles `_xlfn.WEBSERVICE<LF>(…)` (attack
        // round 12).
        func isBlank(_ c: Unicode.Scalar) -> Bool {
            c == " " || (c.value >= 0x09 && c.value <= 0x0D) || (c.value >= 0x80 && c.properties.isWhitespace)
        }
        /// The end of the string literal or quoted name opened at `start` (the index of its closing quote).
        func closing(_ quote: Unicode.Scalar, from start: Int) -> Int {
            var index = start + 1
            while index < count {
                if chars[index] == quote {
                    if index + 1 < count, chars[index + 1] == quote {
                        index += 2
                        continue
                    }
                    return index
                }
                index += 1
            }
            return count
        }
        /// IMAGE's first argument as a formula gives it: a string, a cell reference (`A1`, `$B$2`, `Sheet1!C3`) or a
        /// call (`CONCAT(…)`); prose ("image(s)", "IMAGE(optional)") gives none of these.
        func isImageSource(_ start: Int) -> Bool {
            guard start < count else { return false }
            if chars[start] == "\"" || chars[start] == "'" { return true }
            var cursor = start
            while cursor < count, isNameChar(chars[cursor]) || chars[cursor] == "$" || chars[cursor] == "!" { cursor += 1 }
            let word = chars[start..<cursor]
            var after = cursor
            while after < count, chars[after] == " " { after += 1 }
            if cursor > start, after < count, chars[after] == "(" { return true }
            // A cell reference after any sheet name: letters, then digits (`$` before either).
            let cell = Array((word.split(separator: "!", omittingEmptySubsequences: false).last ?? word[...]).filter { $0 != "$" })
            let letterCount = cell.prefix { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") }.count
            return letterCount > 0 && letterCount < cell.count && cell[letterCount...].allSatisfy { $0 >= "0" && $0 <= "9" }
        }
        /// INDIRECT's arguments (from `start` to the call's `)`) must be string literals, numbers and `&`, with TRUE or
        /// FALSE: a reference read from a cell, a name or a call (`INDIRECT(B1)`, `INDIRECT("'http:/"&CHAR(47)&…)`)
        /// is text only the calculation knows, and LibreOffice loads the document it names when the sheet
        /// calculates on open (attack round 12). The literals are judged joined (`"'http:/"&"/host…"`).
        func indirectArgumentProblem(from start: Int) -> String? {
            var cursor = start
            var depth = 0
            var joined = ""
            while cursor < count {
                let c = chars[cursor]
                if c == "\"" {
                    let end = closing("\"", from: cursor)
                    joined += String(String.UnicodeScalarView(chars[(cursor + 1)..<min(end, count)]))
                    cursor = end + 1
                    continue
                }
                if c == "(" { depth += 1 }
                if c == ")" {
                    if depth == 0 { break }
                    depth -= 1
                }
                if isNameStart(c) {
                    var end = cursor
                    while end < count, isNameChar(chars[end]) { end += 1 }
                    let word = String(String.UnicodeScalarView(chars[cursor..<end])).uppercased()
                    guard word == "TRUE" || word == "FALSE" else {
                        return "an INDIRECT reference computed when the sheet calculates (it may name another document)"
                    }
                    cursor = end
                    continue
                }
                guard "&,;.()".unicodeScalars.contains(c) || isBlank(c) || (c >= "0" && c <= "9") else {
                    return "an INDIRECT reference computed when the sheet calculates (it may name another document)"
                }
                cursor += 1
            }
            return isLocalReference(joined) ? nil : "an INDIRECT reference to another document"
        }
        /// Whether the `]` at `index` ends a workbook index: `[1]Sheet1!A1`, and `[1]!name` (another workbook's defined
        /// name: no sheet between `]` and `!`). Outside strict mode a sheet and a cell reference must follow
        /// (`- [x]Done! merged` is a checklist).
        func externalAfterBracket(_ index: Int) -> Bool {
            var cursor = index + 1
            if strict {
                // Sheets after the index, quoted or not, a range of them too (`[1]'Sheet 1'!A1`, `['x']'S'!A1`,
                // `[doc]Sheet1:Sheet2!A1`: attack rounds 14 and 15).
                while cursor < count {
                    if chars[cursor] == "'" {
                        cursor = closing("'", from: cursor) + 1
                    } else if isNameChar(chars[cursor]) || chars[cursor] == ":" || chars[cursor] == "$" {
                        cursor += 1
                    } else {
                        break
                    }
                }
                return cursor < count && chars[cursor] == "!"
            }
            while cursor < count, isNameChar(chars[cursor]) { cursor += 1 }
            return cursor < count && chars[cursor] == "!"
                && (strict || (cursor > index + 1 && cursor + 1 < count && (chars[cursor + 1] == "$" || isNameStart(chars[cursor + 1]))))
        }
        var sawBar = false
        var sawIndirect = false  // INDIRECT is called
        var index = 0
        while index < count {
            let c = chars[index]
            switch c {
            case "\"":
                index = closing("\"", from: index) + 1
                continue
            case "'" where quotedNames:
                let end = closing("'", from: index)
                let name = String(String.UnicodeScalarView(chars[(index + 1)..<end]))
                let sheetReference = end + 1 < count && chars[end + 1] == "!"
                if sheetReference, sawBar { return "a DDE formula" }
                // Sheet names cannot hold `\ / [ ] :`: a quoted name with one is a path or another workbook.
                if sheetReference, name.contains(where: { "\\/[]:".contains($0) }) {
                    return "an external workbook reference"
                }
                // LibreOffice's external reference: a document URL or path in quotes, then `#` and a sheet
                // (`'file:///etc/passwd'#$passwd.A1`), read from disk or the network when the sheet calculates.
                if end + 1 < count, chars[end + 1] == "#", name.contains(where: { "\\/:".contains($0) }) {
                    return "an external document reference"
                }
                index = end + 1
                continue
            case "|":
                // Excel has no `|` operator: outside a string it is DDE (`service|topic!item`, also without the item).
                if strict { return "a DDE formula" }
                // Outside strict mode only the DDE shape counts: a name, then `'topic'` or `topic!`
                // (`echo 'a' | 'tr' …` is a shell pipe).
                var before = index - 1
                while before >= 0, chars[before] == " " { before -= 1 }
                guard before >= 0, isNameChar(chars[before]) else { break }
                sawBar = true
                var next = index + 1
                while next < count, chars[next] == " " { next += 1 }
                if next < count, chars[next] == "'" { return "a DDE formula" }
                var topicEnd = next
                while topicEnd < count, isNameChar(chars[topicEnd]) { topicEnd += 1 }
                if topicEnd > next, topicEnd < count, chars[topicEnd] == "!" { return "a DDE formula" }
            case "[" where opaqueBrackets:
                // As LibreOffice's compiler scans a table reference: a `[` opens a level only where an item starts
                // (after `[`, `,` or blanks there), elsewhere it is a character of a column name; a `]` closes a level
                // unless the character before it is `'` (`''` is no escape of its own: `[a'']"]` stays open, attack
                // round 14).
                // Blanks keep an item's start only after `,`: right after `[` a blank starts a column name (`T[ [a"]` is
                // the column ` [a"`, attack round 15).
                var depth = 0
                var cursor = index
                var itemStart = true
                var afterSeparator = false
                while cursor < count {
                    let c = chars[cursor]
                    if c == "[", itemStart {
                        depth += 1
                    } else if c == "]", cursor == index || chars[cursor - 1] != "'" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    afterSeparator = c == "," || (afterSeparator && isBlank(c))
                    itemStart = c == "[" || afterSeparator
                    cursor += 1
                }
                // A table reference that never closes is no formula LibreOffice compiles: only an attacker writes one,
                // and where it ends decides what the rest is.
                guard cursor < count else {
                    // Outside strict mode (prose read as a cell: `- [x` …) an open bracket is ordinary; the other
                    // readings read the rest.
                    if strict { return "a table reference that does not close" }
                    index = count
                    continue
                }
                if externalAfterBracket(cursor) { return "an external workbook reference" }
                index = cursor + 1
                continue
            case "]":
                if externalAfterBracket(index) { return "an external workbook reference" }
            default:
                guard isNameStart(c), index == 0 || !isNameChar(chars[index - 1]) else { break }
                var cursor = index
                while cursor < count, isNameChar(chars[cursor]) { cursor += 1 }
                var name = String(String.UnicodeScalarView(chars[index..<cursor])).uppercased()
                // Namespace prefixes, as many as are written (`_xlfn._xlws.`), Excel's and LibreOffice's.
                let prefixes = ["_XLFN.", "_XLWS.", "_XLUDF.", "COM.MICROSOFT.", "ORG.OPENOFFICE.", "ORG.LIBREOFFICE."]
                while let prefix = prefixes.first(where: { name.hasPrefix($0) && name.count > $0.count }) { name.removeFirst(prefix.count) }
                var open = cursor
                while open < count, isBlank(chars[open]) { open += 1 }
                guard open < count, chars[open] == "(" else {
                    index = cursor
                    continue
                }
                if functions, activeFormulaFunctions.contains(name) { return "a formula calling \(name)" }
                if name == "INDIRECT" {
                    sawIndirect = true
                    if functions, let problem = indirectArgumentProblem(from: open + 1) { return problem }
                }
                if fetchers, fetchingFormulaFunctions.contains(name) {
                    var argument = open + 1
                    while argument < count, chars[argument] == " " { argument += 1 }
                    if name != "IMAGE" || isImageSource(argument) { return "a formula calling \(name)" }
                }
                var before = index - 1
                while before >= 0, chars[before] == " " { before -= 1 }
                let afterOperator = before < 0 || "=+-*/^&(,;<>%:!@{".unicodeScalars.contains(chars[before])
                // After `+`, `-` or `@` a name, a blank and a parenthesis is prose ("@bob (ops)"), not a call.
                if harmlessOnly == .everyCall || (harmlessOnly == .callsAfterOperators && afterOperator && open == cursor),
                    !harmlessFormulaFunctions.contains(name)
                {
                    return "a formula calling \(name), not a function known to be harmless (spreadsheets read names in their own language)"
                }
                if name == "HYPERLINK" {
                    var argument = open + 1
                    while argument < count, chars[argument] == " " { argument += 1 }
                    var target = ""
                    if argument < count, chars[argument] == "\"" {
                        let end = closing("\"", from: argument)
                        target = String(String.UnicodeScalarView(chars[(argument + 1)..<end])).lowercased()
                    }
                    if !(target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("mailto:") || target.hasPrefix("#")) {
                        return "a HYPERLINK to a target that is not a web or mail address"
                    }
                }
                index = open + 1
                continue
            }
            index += 1
        }
        // INDIRECT reads any reference a string spells, another document's too (LibreOffice
        // `INDIRECT("'file:///etc/passwd'#$passwd.A1")`, Excel `INDIRECT("[x.xlsx]S!A1")`).
        if sawIndirect {
            var literal = 0
            while literal < count {
                guard chars[literal] == "\"" else {
                    literal += 1
                    continue
                }
                let end = closing("\"", from: literal)
                let text = String(String.UnicodeScalarView(chars[(literal + 1)..<end])).lowercased()
                if ["'#", "file:", "://", "\\\\", ".xls", ".ods", ".csv"].contains(where: { text.contains($0) }) {
                    return "an INDIRECT reference to another document"
                }
                literal = end + 1
            }
        }
        return nil
    }

    /// XML white space: space, tab, line feed, carriage return.
    /// Whether LibreOffice's picture detection takes `bytes` (a part's first 2 KiB) for SVG, whatever the part is
    /// named or typed: a `<svg` anywhere in them, or a document type declaration naming `svg` in the first 256 bytes
    /// (read case-insensitively here, a superset).
    static func sniffsAsSVG(_ bytes: some Collection<UInt8>) -> Bool {
        let lowered = bytes.prefix(2048).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if ImageTrailer.contains(lowered, Array("<svg".utf8)) { return true }
        let start = Array(lowered.prefix(256))
        return ImageTrailer.contains(start, Array("doctype".utf8)) && ImageTrailer.contains(start, Array("svg".utf8))
    }

    /// Where the first `<svg` (any case) stands in `bytes`, or nil.
    static func svgTagOffset(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { index in
            bytes[index] == 0x3C && bytes[index + 1] | 0x20 == 0x73 && bytes[index + 2] | 0x20 == 0x76 && bytes[index + 3] | 0x20 == 0x67
        }
    }

    static func isXMLBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Whether the part at `descriptor` (`size` bytes) is XML text, whatever it is named (Office reads a part by its
    /// content type and relationship): after a byte-order mark and any amount of white space (read in chunks,
    /// bounded only by the part's size), a `<`, in UTF-8 or UTF-16.
    static func startsLikeXML(descriptor: Int32, size: Int64) -> Bool {
        var head = [UInt8](repeating: 0, count: 4)
        guard size > 0, readChunk(descriptor, into: &head, at: 0) >= 1 else { return false }
        var offset: Int64 = 0
        var unit = 1
        var bigEndian = false
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            offset = 3
        } else if head.starts(with: [0xFF, 0xFE]) || (head[1] == 0 && (head[0] == 0x3C || isXMLBlank(head[0]))) {
            offset = head[0] == 0xFF ? 2 : 0
            unit = 2
        } else if head.starts(with: [0xFE, 0xFF]) || (head[0] == 0 && (head[1] == 0x3C || isXMLBlank(head[1]))) {
            offset = head[0] == 0xFE ? 2 : 0
            unit = 2
            bigEndian = true
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while offset + Int64(unit) <= size {
            let read = readChunk(descriptor, into: &chunk, at: offset)
            guard read >= unit else { return false }
            var index = 0
            while index + unit <= read {
                let value: UInt16 =
                    unit == 1
                    ? UInt16(chunk[index])
                    : bigEndian ? UInt16(chunk[index]) << 8 | UInt16(chunk[index + 1]) : UInt16(chunk[index + 1]) << 8 | UInt16(chunk[index])
                if value == 0x3C { return true }
                guard value < 0x80, isXMLBlank(UInt8(value)) else { return false }
                index += unit
            }
            offset += Int64(index)
        }
        return false
    }

    /// Up to `buffer.count` bytes at `offset`; the count read (0 at the end or on an error).
    private static func readChunk(_ descriptor: Int32, into buffer: inout [UInt8], at offset: Int64) -> Int {
        while true {
            let result = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if result < 0 && errno == EINTR { continue }
            return max(result, 0)
        }
    }

    /// The part names (`/xl/worksheets/sheet1.dat`, lowercased) and extensions (`dat`) that `[Content_Types].xml`
    /// gives an XML content type (`…/xml`, `…+xml`): Office reads such a part as XML whatever it is named.
    static func xmlContentTypes(_ raw: [UInt8]) -> (parts: Set<String>, extensions: Set<String>) {
        var parts: Set<String> = []
        var extensions: Set<String> = []
        var scanner = TagScanner(bytes: utf8(raw))
        while let item = scanner.next() {
            guard case .start(let name, let attributes, _) = item else { continue }
            let type = (attributes["contenttype"] ?? "").lowercased().trimmingSpaces(newlines: true)
            let base = type.split(separator: ";").first.map { $0.trimmingSpaces(newlines: true) } ?? type
            guard base.hasSuffix("/xml") || base.hasSuffix("+xml") else { continue }
            if name == "override", let part = attributes["partname"] {
                let lowered = part.trimmingSpaces(newlines: true).lowercased()
                parts.insert(lowered.hasPrefix("/") ? lowered : "/" + lowered)
            } else if name == "default", let ext = attributes["extension"] {
                extensions.insert(ext.trimmingSpaces(newlines: true).lowercased())
            }
        }
        return (parts, extensions)
    }

    /// Elements that use a hyperlink relationship only when clicked.
    static let clickElements: Set<String> = ["hyperlink", "hlinkclick", "hlinkhover", "hlinkmouseover"]

    /// The part whose relationships `relationshipsPart` (lowercased) holds: `xl/drawings/_rels/drawing1.xml.rels` is
    /// `xl/drawings/drawing1.xml`'s, `_rels/.rels` the package's (nil).
    static func sourcePart(ofRelationships relationshipsPart: String) -> String? {
        guard relationshipsPart.hasSuffix(".rels") else { return nil }
        var components = relationshipsPart.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard components.count >= 2, components[components.count - 2] == "_rels" else { return nil }
        let file = String(components.removeLast().dropLast(".rels".count))
        components.removeLast()
        guard !file.isEmpty else { return nil }
        return (components + [file]).joined(separator: "/")
    }

    /// The Ids of the relationships in a `.rels` part that lead outside the package and are typed hyperlink (the ones
    /// ``findings(partName:bytes:externalLinks:limit:)`` admits, to web and mail addresses).
    static func externalHyperlinkIDs(_ raw: [UInt8]) -> Set<String> {
        var ids: Set<String> = []
        var scanner = TagScanner(bytes: utf8(raw))
        while let item = scanner.next() {
            guard case .start("relationship", let attributes, _) = item, let id = attributes["id"], !id.isEmpty else { continue }
            let kind = (attributes["type"] ?? "").lowercased().split(separator: "/").last.map(String.init) ?? ""
            if kind == "hyperlink", isExternalMode(attributes) || isOutsideReference(attributes["target"] ?? "") { ids.insert(id) }
        }
        return ids
    }

    /// What the certificates in an XML part (a digital signature's `X509Certificate`, XAdES's
    /// `EncapsulatedX509Certificate`) name that readers fetch when they check them (``CertificateContent``).
    static func certificateProblems(_ raw: [UInt8], label: String) -> [String] {
        var problems: [String] = []
        var scanner = TagScanner(bytes: utf8(raw))
        var certificate: String?
        while let item = scanner.next(), problems.isEmpty {
            switch item {
            case .start(let name, _, let selfClosing) where name == "x509certificate" || name == "encapsulatedx509certificate":
                certificate = selfClosing ? nil : ""
            case .text(let text) where certificate != nil:
                certificate? += text
            case .end(let name) where name == "x509certificate" || name == "encapsulatedx509certificate":
                if let text = certificate {
                    let problem =
                        MarkupActiveContent.base64Decoded(Array(text.utf8), skippingBlanks: true).map { CertificateContent.problem(der: $0) }
                        ?? "a certificate Airlock cannot read"
                    if let problem { problems.append("\(label) holds \(problem)") }
                }
                certificate = nil
            default:
                continue
            }
        }
        return problems
    }

    /// The relationships of a `.rels` part that lead to parts of the package: Id, type (the last path segment of
    /// `Type`, lowercased) and the part (lowercased name). Every reading counts, since readers differ (attack round
    /// 23: LibreOffice keeps the first of two relationships with one Id and opens a target by its literal name, not
    /// percent-decoded): every relationship element whatever its namespace, and a target with escapes both decoded
    /// and as written.
    static func internalRelationships(_ raw: [UInt8], relationshipsPart: String) -> [(id: String, kind: String, target: String)] {
        var found: [(id: String, kind: String, target: String)] = []
        var scanner = TagScanner(bytes: utf8(raw))
        while let item = scanner.next() {
            guard case .start("relationship", let attributes, _) = item, !isExternalMode(attributes) else { continue }
            let kind = (attributes["type"] ?? "").lowercased().split(separator: "/").last.map(String.init) ?? ""
            let written = attributes["target"] ?? ""
            var targets = Set([true, false].compactMap { resolvedTarget(written, relationshipsPart: relationshipsPart, decodingEscapes: $0) })
            if let verbatim = verbatimTarget(written, relationshipsPart: relationshipsPart) { targets.insert(verbatim) }
            for target in targets.sorted() { found.append((attributes["id"] ?? "", kind, target.lowercased())) }
        }
        return found
    }

    /// A target as LibreOffice's relationship reader takes it (attack round 24): as written, blanks, `.` and empty
    /// segments kept, an absolute one from the package's root, a relative one after its part's folder with only `..`
    /// climbing; nil when it climbs above the root.
    static func verbatimTarget(_ target: String, relationshipsPart: String) -> String? {
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var stack = Array((sourcePart(ofRelationships: relationshipsPart.lowercased()) ?? "").split(separator: "/").dropLast())
        for segment in target.split(separator: "/", omittingEmptySubsequences: false) {
            if segment == ".." {
                guard !stack.isEmpty else { return nil }
                stack.removeLast()
            } else {
                stack.append(segment)
            }
        }
        return stack.joined(separator: "/")
    }

    /// Elements that name a part LibreOffice plays (a slide's video, audio, QuickTime and sound elements, PowerPoint
    /// 2010's `p14:media`), and the Ids they name it by (`r:link`, `r:embed`): whatever type the relationship has,
    /// LibreOffice plays its target (attack round 22).
    static let playingElements: Set<String> = ["videofile", "audiofile", "quicktimefile", "wavaudiofile", "media", "snd", "sndtgt"]

    /// The relationship Ids an XML part's playing elements (``playingElements``) name.
    static func playedRelationshipIDs(_ raw: [UInt8]) -> Set<String> {
        var ids: Set<String> = []
        var scanner = TagScanner(bytes: utf8(raw))
        while let item = scanner.next() {
            guard case .start(let name, let attributes, _) = item, playingElements.contains(name) else { continue }
            for key in ["link", "embed", "id"] { if let id = attributes[key], !id.isEmpty { ids.insert(id) } }
        }
        return ids
    }

    /// The encoding of a part that is XML in an encoding LibreOffice's parser (libxml2) detects from its first four
    /// bytes and Airlock does not read, or nil: UCS-4 in any byte order, with or without a mark, and EBCDIC (`<?xm` in
    /// code page 37). Such a part is XML whatever it is named or typed (attack round 9: a worksheet named `.dat` in
    /// EBCDIC, compiled by LibreOffice, never read as XML by Airlock).
    static func unreadableXMLEncoding(_ head: [UInt8]) -> String? {
        // A UTF-8 mark, then another mark or signature: LibreOffice strips the first and libxml2 reads the second.
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            let rest = Array(head.dropFirst(3))
            if rest.starts(with: [0xEF, 0xBB, 0xBF]) || rest.starts(with: [0xFF, 0xFE]) || rest.starts(with: [0xFE, 0xFF]) {
                return "the encoding of a second byte-order mark"
            }
            return unreadableXMLEncoding(rest)
        }
        return switch Array(head.prefix(4)) {
        case [0x00, 0x00, 0x00, 0x3C], [0x3C, 0x00, 0x00, 0x00], [0x00, 0x00, 0x3C, 0x00], [0x00, 0x3C, 0x00, 0x00],
            [0x00, 0x00, 0xFE, 0xFF], [0xFF, 0xFE, 0x00, 0x00], [0x00, 0x00, 0xFF, 0xFE], [0xFE, 0xFF, 0x00, 0x00]:
            "UCS-4"
        case [0x4C, 0x6F, 0xA7, 0x94]: "EBCDIC"
        default: nil
        }
    }

    /// Why a part (as ``utf8(_:)`` gives it) may be read differently by Office or LibreOffice, or nil. ECMA-376 (Part 2,
    /// OPC) allows XML parts in UTF-8 and UTF-16 only, which is what Airlock reads; a reader honours another declared
    /// encoding (ISO-2022-JP, UTF-7, EBCDIC), where markup Airlock reads split is whole (attack round 8). So: a part
    /// must start with `<` after white space, declare no other encoding, and hold no control character XML refuses.
    static func encodingProblem(_ bytes: [UInt8]) -> String? {
        guard let first = bytes.firstIndex(where: { !isXMLBlank($0) }) else { return nil }
        // LibreOffice's converter takes an encoding from the first ` encoding` (case as written) on the first line,
        // wherever it stands (a comment, a processing instruction, another pseudo-attribute's value), converts the part
        // from it and deletes that text, across markup too (attack rounds 10 and 11). It must be the declaration's own
        // `encoding`, the one Airlock reads; later mentions are not read.
        let declaration = MarkupActiveContent.xmlDeclaration(Array(bytes[first...]))
        let lineEnd = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let keyword = Array(" encoding".utf8)
        if let mention = bytes[..<lineEnd].indices.first(where: { bytes[$0...].starts(with: keyword) }),
            mention + 1 != declaration?.encodingAt.map({ $0 + first })
        {
            return "names an encoding on its first line outside its XML declaration's encoding (LibreOffice converts the part from it)"
        }
        guard bytes[first] == 0x3C else { return "is not XML in UTF-8 or UTF-16 (another encoding reads it differently)" }
        if let declaration, let encoding = declaration.readable ? declaration.encoding : MarkupActiveContent.unreadableDeclaration,
            !["utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii"].contains(encoding)
        {
            return "declares the encoding '\(encoding.prefix(40))', not UTF-8 or UTF-16 (not read as declared)"
        }
        if let control = bytes.first(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) {
            let code = String(control, radix: 16, uppercase: true)
            return "holds the control character U+00\(code.count == 1 ? "0" + code : code), which XML does not allow"
        }
        return nil
    }

    /// The part as UTF-8: UTF-16 (with a byte-order mark, or recognized by its first `<`) transcoded, a UTF-8 mark
    /// dropped.
    static func utf8(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(bytes.dropFirst(3)) }
        var littleEndian: Bool
        var body = bytes[...]
        if bytes.starts(with: [0xFF, 0xFE]) {
            littleEndian = true
            body = bytes.dropFirst(2)
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            littleEndian = false
            body = bytes.dropFirst(2)
        } else if bytes.count >= 2, bytes[0] == 0x3C || isXMLBlank(bytes[0]), bytes[1] == 0 {
            littleEndian = true
        } else if bytes.count >= 2, bytes[0] == 0, bytes[1] == 0x3C || isXMLBlank(bytes[1]) {
            littleEndian = false
        } else {
            return bytes
        }
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index + 1 < body.endIndex {
            let first = UInt16(body[index])
            let second = UInt16(body[index + 1])
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
            index += 2
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }

    /// Start tags with their attributes (names lowercased, prefixes dropped), end tags, text, and DOCTYPE/ENTITY
    /// declarations; comments, CDATA and processing instructions are skipped.
    struct TagScanner {
        enum Item {
            case start(String, [String: String], selfClosing: Bool)
            case end(String)
            case text(String)
            case declaration
        }

        let bytes: [UInt8]
        var index = 0
        /// The first attribute name a start tag repeated, lowercased, or nil: in another case (`Id` and `ID`) or in
        /// another namespace (`instr` and `w:instr`; but `id` beside `r:id`): names are kept without prefix and in
        /// lower case, so one would shadow the other, and readers take the one of their namespace and case (attack
        /// rounds 10 and 11).
        var repeatedAttribute: String?

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func next() -> Item? {
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    let start = index
                    while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                    // Character references are text (`&#68;DEAUTO` is `DDEAUTO`).
                    return .text(decodeEntities(String(decoding: bytes[start..<index], as: UTF8.self)))
                }
                if starts(with: "<!--") {
                    index = position(after: "-->", from: index + 4)
                } else if starts(with: "<![CDATA[") {
                    // CDATA is text too, read as written.
                    let start = index + 9
                    index = position(after: "]]>", from: start)
                    return .text(String(decoding: bytes[start..<max(start, index - 3)], as: UTF8.self))
                } else if starts(with: "<!") {
                    // <!DOCTYPE, <!ENTITY, and any other markup declaration.
                    index = position(after: ">", from: index + 2)
                    return .declaration
                } else if starts(with: "<?") {
                    index = position(after: "?>", from: index + 2)
                } else if starts(with: "</") {
                    let nameStart = index + 2
                    index = nameStart
                    while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                    let name = localName(bytes[nameStart..<index])
                    index = position(after: ">", from: index)
                    return .end(name)
                } else {
                    return startTag()
                }
            }
            return nil
        }

        private mutating func startTag() -> Item {
            index += 1
            let nameStart = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            let name = localName(bytes[nameStart..<index])
            var attributes: [String: String] = [:]
            var qualifiedNames: Set<String> = []
            var selfClosing = false
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") {
                    selfClosing = true
                    index += 1
                    continue
                }
                guard isNameByte(byte) else {
                    index += 1
                    continue
                }
                selfClosing = false
                let attributeStart = index
                while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
                let attribute = localName(bytes[attributeStart..<index])
                let qualifiedName = Array(bytes[attributeStart..<index])
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
                index += 1
                while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else { continue }
                let quote = bytes[index]
                let valueStart = index + 1
                index = valueStart
                while index < bytes.count, bytes[index] != quote { index += 1 }
                // Namespace declarations (`xmlns`, `xmlns:r`) are not attributes of the element.
                if qualifiedName == Array("xmlns".utf8) || qualifiedName.starts(with: Array("xmlns:".utf8)) {
                    index += 1
                    continue
                }
                // XML's attribute-value normalization: a literal tab, line feed or carriage return is a space
                // (`Id="rId<TAB>1"` is `rId 1`); one written as a character reference stays.
                // XML's end-of-line handling (CR LF and a lone CR are one LF), then its attribute-value normalization
                // (a literal tab or LF is a space): `Id="rId<CR><LF>1"` is `rId 1`. A reference stays as written.
                var raw: [UInt8] = []
                var position = valueStart
                while position < min(index, bytes.count) {
                    let byte = bytes[position]
                    if byte == 0x0D, position + 1 < bytes.count, bytes[position + 1] == 0x0A { position += 1 }
                    raw.append(byte == 0x09 || byte == 0x0A || byte == 0x0D ? 0x20 : byte)
                    position += 1
                }
                let value = decodeEntities(String(decoding: raw, as: UTF8.self))
                // The same name again in another case (`Id`, `ID`): XML tells them apart, Airlock's lowercased names do
                // not. The same local name in another namespace is one of two attributes a reader tells apart by
                // namespace, which Airlock does not track: only PresentationML's `id` beside `r:id` is ordinary (both
                // values kept, `id` and `id#2`, and both judged where an Id counts); any other is repeated too.
                if !qualifiedNames.insert(String(decoding: qualifiedName, as: UTF8.self).lowercased()).inserted {
                    if repeatedAttribute == nil { repeatedAttribute = attribute }
                }
                if let existing = attributes[attribute] {
                    if attribute == "id", attributes["id#2"] == nil {
                        let unprefixed = !qualifiedName.contains(0x3A)
                        attributes["id#2"] = unprefixed ? existing : value
                        if unprefixed { attributes["id"] = value }
                    } else if repeatedAttribute == nil {
                        repeatedAttribute = attribute
                    }
                } else {
                    attributes[attribute] = value
                }
                index += 1
            }
            index += 1
            return .start(name, attributes, selfClosing: selfClosing)
        }

        private func starts(with literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let pattern = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            for offset in 0..<count {
                var byte = bytes[index + offset]
                if byte >= 0x61 && byte <= 0x7A { byte -= 0x20 }
                var expected = pattern[offset]
                if expected >= 0x61 && expected <= 0x7A { expected -= 0x20 }
                if byte != expected { return false }
            }
            return true
        }

        /// The index after the first `literal` at or after `start`, or the end.
        private func position(after literal: StaticString, from start: Int) -> Int {
            let count = literal.utf8CodeUnitCount
            let pattern = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            var cursor = start
            while cursor + count <= bytes.count {
                if bytes[cursor] == pattern[0], (0..<count).allSatisfy({ bytes[cursor + $0] == pattern[$0] }) { return cursor + count }
                cursor += 1
            }
            return bytes.count
        }

        private func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte >= 0x80
        }

        private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        /// `w:instrText` → `instrtext`.
        private func localName(_ raw: ArraySlice<UInt8>) -> String {
            let name = String(decoding: raw, as: UTF8.self).lowercased()
            return name.split(separator: ":").last.map(String.init) ?? name
        }

        /// The five XML entities and numeric character references; anything else is left as written.
        private func decodeEntities(_ text: String) -> String {
            guard text.contains("&") else { return text }
            var result = ""
            var rest = Substring(text)
            while let ampersand = rest.firstIndex(of: "&") {
                result += rest[..<ampersand]
                let after = rest[rest.index(after: ampersand)...]
                // A reference runs to its `;` over name characters only, any number of them (XML allows any count of
                // leading zeros: `&#x0000000057;` is `W`; a 10-character window missed it, attack round 10).
                let body = after.prefix { $0.isLetter || $0.isNumber || $0 == "#" }
                guard body.endIndex < after.endIndex, after[body.endIndex] == ";" else {
                    result.append("&")
                    rest = after
                    continue
                }
                let semicolon = body.endIndex
                var decoded: String?
                switch body {
                case "amp": decoded = "&"
                case "lt": decoded = "<"
                case "gt": decoded = ">"
                case "quot": decoded = "\""
                case "apos": decoded = "'"
                default:
                    let hex = body.hasPrefix("#x") || body.hasPrefix("#X")
                    let digits = body.dropFirst(hex ? 2 : 1).drop { $0 == "0" }
                    let value: UInt32? =
                        !body.hasPrefix("#") ? nil : digits.isEmpty ? 0 : digits.count > 8 ? nil : UInt32(digits, radix: hex ? 16 : 10)
                    decoded = value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                }
                if let decoded {
                    result += decoded
                    rest = after[after.index(after: semicolon)...]
                } else {
                    result.append("&")
                    rest = after
                }
            }
            return result + rest
        }
    }
}
