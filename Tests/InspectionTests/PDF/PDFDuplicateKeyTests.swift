import Testing

@testable import Inspection

/// A dictionary key written twice: pypdf and xpdf take the first value, pdf.js and PDFium the last, poppler either
/// (past 32 entries it sorts and binary-searches). Every value counts, as every definition of an object does.
@Suite struct PDFDuplicateKeyTests {
    /// More than 32 entries, so poppler's sorted lookup applies too.
    static let padding = (0..<40).map { "/P\($0) \($0)" }.joined(separator: " ")

    static func findings(catalog: String = "", page: String = "", more: [String] = []) -> PDFActiveContent.Findings {
        PDFActiveContent.findings(in: FixturePDF.document(catalog: catalog, page: page, more: more).build())
    }

    @Test(arguments: [true, false])
    func launchBeforeOrAfterGoToCounts(launchFirst: Bool) {
        let launch = "/S /Launch /F (calc.exe)"
        let goTo = "/S /GoTo /D [3 0 R /Fit]"
        let action = launchFirst ? "<< \(launch) \(Self.padding) \(goTo) >>" : "<< \(goTo) \(Self.padding) \(launch) >>"
        let findings = Self.findings(catalog: "/OpenAction 4 0 R", more: [action])
        #expect(findings.active.contains("an OpenAction Launch action"), "\(findings)")
    }

    /// A key written 150,000 times with different values is read once per write: each value was appended to a copy of
    /// all the others, more than 2 minutes of work for a 1.4 MB file (attack round 8). The watchdog (60 s) is far above
    /// what a debug build now needs on a busy 2-core machine (under 10 s) and below what the copies took; the
    /// JavaScript behind the last write is still found.
    @Test func aKeyWrittenOneHundredFiftyThousandTimesIsReadInLinearTime() {
        let keys = (0..<150_000).map { "/K \($0)" }.joined(separator: " ")
        let started = ContinuousClock.now
        let findings = Self.findings(catalog: "/OpenAction 4 0 R", more: ["<< /S /URI /URI (https://example.com/) \(keys) /S /JavaScript /JS (x) >>"])
        #expect(findings.active.contains { $0.contains("JavaScript") }, "\(findings)")
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func fileURIHiddenBehindAWebURICounts() {
        let annotation =
            "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (file:///C:/Windows/System32/calc.exe) \(Self.padding) /URI (https://example.com/) >> >>"
        let findings = Self.findings(page: "/Annots [4 0 R]", more: [annotation])
        #expect(findings.active == ["a URI action in an annotation to a non-web address (file:)"], "\(findings)")
    }

    @Test func namedActionOtherThanNavigationCounts() {
        let findings = Self.findings(catalog: "/OpenAction 4 0 R", more: ["<< /S /Named /N /Print \(Self.padding) /N /NextPage >>"])
        #expect(findings.active.contains("an OpenAction Named action other than page navigation"), "\(findings)")
    }

    /// Two /OpenAction entries, one a destination and one JavaScript.
    @Test func repeatedOpenActionCounts() {
        let findings = Self.findings(catalog: "/OpenAction 4 0 R \(Self.padding) /OpenAction [3 0 R /Fit]", more: ["<< /S /JavaScript /JS (1) >>"])
        #expect(findings.active.contains("an OpenAction JavaScript action"), "\(findings)")
    }

    /// A stream whose /Filter is written twice is decoded one way by Airlock: not decoded, unscannable.
    @Test func repeatedFilterOfAnObjectStreamIsUnscannable() {
        var builder = FixturePDF.document(catalog: "/OpenAction 5 0 R")
        builder.add(
            4,
            FixturePDF.stream("<< /Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode \(Self.padding) /Filter /FlateDecode >>", "5 0 <<>>")
        )
        let findings = PDFActiveContent.findings(in: builder.build())
        #expect(
            findings.unscannable.contains("an object stream cannot be read: its /Filter or /DecodeParms objects are defined more than once"),
            "\(findings)"
        )
    }

    /// The same value written twice is one value: ordinary files that repeat a key stay clean.
    @Test func identicalRepeatedValuesAreOneValue() {
        var parser = PDFParser(bytes: Array("<< /Type /Page /Type /Page /A 1 /A 2 >>".utf8))
        guard case .dictionary(let dictionary)? = parser.parseValue() else {
            Issue.record("not a dictionary")
            return
        }
        #expect(dictionary["Type"] == .name("Page"))
        #expect(dictionary["A"] == .alternatives([.integer(1), .integer(2)]))
        let findings = Self.findings(
            page: "/Type /Page /Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://example.com/) /URI (https://example.com/) >> >>"]
        )
        #expect(findings == PDFActiveContent.Findings())
    }
}
