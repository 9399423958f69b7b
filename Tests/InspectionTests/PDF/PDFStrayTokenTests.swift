import Testing

@testable import Inspection

/// A dictionary or array that is not well-formed is `unscannable`: readers recover from a stray token differently
/// (pdf.js skips one token where a key belongs and reads on to `>>`; Airlock's parser stopped at keywords), so the
/// entries after it cannot be judged. Well-formed objects whose strings, names and comments spell those tokens stay
/// clean.
@Suite struct PDFStrayTokenTests {
    /// A JavaScript action a reader that reads on past the stray token runs.
    static let script = "<< /S /JavaScript /JS (this.print\\(\\)) >>"

    static func reason(_ what: String) -> String {
        "a malformed PDF object: \(what) (readers disagree on what follows it)"
    }

    /// Catalog (object 1) written whole, pages, one page; `more` from object 4.
    static func document(catalog: String, page: String = "", more: [String] = []) -> FixturePDF {
        var builder = FixturePDF([
            catalog,
            "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 300 300] >>",
            "<< /Type /Page /Parent 2 0 R \(page) >>",
        ])
        for (index, body) in more.enumerated() { builder.add(index + 4, body) }
        return builder
    }

    static func expectUnscannable(_ builder: FixturePDF, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let findings = PDFActiveContent.findings(in: builder.build())
        #expect(findings.unscannable.contains(reason(what)), "\(findings)", sourceLocation: sourceLocation)
    }

    // MARK: Keywords inside a dictionary or an array

    /// The keyword between the catalog's entries, an OpenAction after it.
    @Test(arguments: ["endobj", "stream", "obj", "endstream", "xref", "trailer", "Do"])
    func keywordWhereAKeyBelongs(keyword: String) {
        let catalog = "<< /Pages 2 0 R /Type /Catalog \(keyword) /OpenAction \(Self.script) >>"
        Self.expectUnscannable(Self.document(catalog: catalog), "a dictionary holds the keyword `\(keyword)` where a key belongs")
    }

    /// A keyword in a nested dictionary: the page's /AA, before the close action.
    @Test func keywordInsideANestedDictionary() {
        let page = "/AA << /O << /S /GoTo /D [3 0 R /Fit] >> endobj /C 4 0 R >>"
        Self.expectUnscannable(
            Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R >>", page: page, more: [Self.script]),
            "a dictionary holds the keyword `endobj` where a key belongs"
        )
    }

    @Test(arguments: ["endobj", "obj", "stream", "BI", "ID", "EI", "R"])
    func keywordInsideAnArray(keyword: String) {
        let annotation = "<< /Type /Annot /Subtype /Link /Rect [0 0 20 20] /A << /S /Launch /F (cmd.exe) >> >>"
        let page = "/Annots [ 5 0 R \(keyword) 4 0 R ]"
        Self.expectUnscannable(
            Self.document(
                catalog: "<< /Type /Catalog /Pages 2 0 R >>",
                page: page,
                more: [annotation, "<< /Type /Annot /Subtype /Text /Rect [0 0 1 1] >>"]
            ),
            "an array holds the keyword `\(keyword)`"
        )
    }

    /// A keyword too long or not plain text is named by kind, not quoted.
    @Test func oddKeywordIsNotQuoted() {
        let catalog = "<< /Type /Catalog /Pages 2 0 R \u{E9}t\u{E9} /OpenAction \(Self.script) >>"
        Self.expectUnscannable(Self.document(catalog: catalog), "a dictionary holds a bare word where a key belongs")
    }

    // MARK: Stray tokens

    /// Values where a key belongs: each would be one skipped token to pdf.js and a dropped value to the old parser.
    @Test(arguments: [
        ("9 << /OpenAction 4 0 R >>", "a number"),
        ("(x) << /OpenAction 4 0 R >>", "a string"),
        ("<41> << /OpenAction 4 0 R >>", "a hex string"),
        ("<< /OpenAction 4 0 R >>", "a dictionary"),
        ("[ /OpenAction 4 0 R ]", "an array"),
        ("false << /OpenAction 4 0 R >>", "the keyword `false`"),
        ("null /OpenAction 4 0 R", "the keyword `null`"),
        ("] /OpenAction 4 0 R", "`]`"),
        (") /OpenAction 4 0 R", "`)`"),
        ("{ /OpenAction 4 0 R }", "`{`"),
        ("> /OpenAction 4 0 R", "a lone `>`"),
    ])
    func valueWhereAKeyBelongs(stray: String, what: String) {
        let catalog = "<< /Type /Catalog /Pages 2 0 R \(stray) >>"
        Self.expectUnscannable(Self.document(catalog: catalog, more: [Self.script]), "a dictionary holds \(what) where a key belongs")
    }

    @Test func doubleCloseInsideAnArray() {
        let page = "/Annots [ >> 4 0 R ] /AA << /C 5 0 R >>"
        let link = "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (file:///C:/boot.ini) >> >>"
        Self.expectUnscannable(
            Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R >>", page: page, more: [link, Self.script]),
            "an array holds `>>`"
        )
    }

    @Test func loneCloseInsideAnArray() {
        Self.expectUnscannable(Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R /Extra [ 1 > 2 ] >>"), "an array holds a lone `>`")
    }

    /// `/Key >>`: pdf.js takes `>>` as the key's value and reads on; the old parser ended the dictionary.
    @Test func keyWithoutAValue() {
        let catalog = "<< /Type /Catalog /Pages 2 0 R /Lang >> /OpenAction \(Self.script) >>"
        Self.expectUnscannable(Self.document(catalog: catalog), "a dictionary key has no value (`>>` follows it)")
    }

    @Test(arguments: [("]", "`]`"), (")", "`)`"), ("}", "`}`"), ("endobj", "the keyword `endobj`")])
    func strayWhereAValueBelongs(stray: String, what: String) {
        let catalog = "<< /Type /Catalog /Pages 2 0 R /PageMode \(stray) /OpenAction \(Self.script) >>"
        Self.expectUnscannable(Self.document(catalog: catalog), "a dictionary holds \(what) where a value belongs")
    }

    @Test func containersLeftOpenAtTheEndOfAnObjectStream() {
        var dictionary = Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R >>", more: ["<< /Producer (x) /Keywords [ (a) (b)"])
        dictionary.compressed = [4]
        Self.expectUnscannable(dictionary, "an array is not closed before the end of the data")
        var open = Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R >>", more: ["<< /Producer (x)"])
        open.compressed = [4]
        Self.expectUnscannable(open, "a dictionary is not closed before the end of the data")
        var keyOnly = Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R >>", more: ["<< /Producer"])
        keyOnly.compressed = [4]
        Self.expectUnscannable(keyOnly, "a dictionary key has no value (the data ends)")
    }

    // MARK: Opaque data inside an object

    /// An inline image's `BI … ID data EI` where a value belongs; the data opens a string that runs past `>>`.
    @Test func inlineImageInsideADictionary() {
        let page = "/Thumb BI /W 2 /H 1 /BPC 8 /CS /RGB ID (\u{1}\u{2} EI /AA << /O 4 0 R >> >> 1 2 )"
        Self.expectUnscannable(
            Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R >>", page: page, more: [Self.script]),
            "a dictionary holds the keyword `BI` where a value belongs"
        )
    }

    /// A stream written where a value belongs: its data is opaque to one reader and tokens to another.
    @Test func streamInsideADictionary() {
        let catalog = "<< /Type /Catalog /Pages 2 0 R /Extra << /Length 6 >> stream\n)(((((\nendstream /OpenAction \(Self.script) >>"
        Self.expectUnscannable(Self.document(catalog: catalog), "a dictionary holds the keyword `stream` where a key belongs")
    }

    // MARK: Every place objects are parsed

    @Test(arguments: [FixturePDF.XRef.table, .stream])
    func strayTokenInsideAnObjectStream(xref: FixturePDF.XRef) {
        var builder = Self.document(catalog: "<< /Type /Catalog /Pages 2 0 R endobj /OpenAction 4 0 R >>", more: [Self.script])
        builder.compressed = [1, 4]
        builder.xref = xref
        Self.expectUnscannable(builder, "a dictionary holds the keyword `endobj` where a key belongs")
    }

    @Test func strayTokenInTheTrailer() {
        var builder = FixturePDF.document()
        builder.trailerExtra = "7 /Info << /Title (t) >>"
        Self.expectUnscannable(builder, "a dictionary holds a number where a key belongs")
    }

    /// An object only the raw `n g obj` rebuild reads: its header is inside another object's string. It counts
    /// whether or not the xref holds (a reader rebuilds whenever fetching the catalog throws, which Airlock does not
    /// predict).
    @Test(arguments: [PDFRebuiltXrefTests.Mode.valid, .missingEntry, .noXref])
    func strayTokenInAnObjectOnlyTheRebuildReads(mode: PDFRebuiltXrefTests.Mode) {
        let holder = "<< /Info (note 7 0 obj << /Type /Annot obj /AA << /C 8 0 R >> >> endobj) >>"
        let findings = PDFActiveContent.findings(in: PDFRebuiltXrefTests.pdf(holder: holder, mode: mode))
        let malformed = Self.reason("a dictionary holds the keyword `obj` where a key belongs")
        #expect(findings.unscannable.contains(malformed), "\(findings)")
    }

    // MARK: Well-formed objects stay clean

    static let wellFormed: [(String, String)] = [
        ("nested arrays and dictionaries", "/Extra << /K1 [1 [2 [3 4.5 -6] ] << /K2 [/C (d) <0e>] >> ] /E true /F false /G null /H [] /I <<>> >>"),
        ("strings spelling tokens", "/Title (endobj >> ] > BI ID EI stream obj R \\) endstream) /Subject (<< [ { })"),
        ("names spelling keywords", "/BI /ID /EI /endobj /stream /obj /R /true"),
        ("comments inside", "/K1 1 % endobj >> ] ( stray\n/K2 [ 2 % ] >>\n3 ] /K3 << % >>\n/K4 4 >>"),
        ("hex strings", "/ID [<656E646F626A> <3E3E5D>] /Hex < 41 42 43 >"),
        ("references and reals", "/Refs [3 0 R 2 0 R] /Scale [0.5 .5 -1. +2] /Ref 3 0 R"),
        ("compact writing", "/K1[1 2]/K2<</K3(x)/K4<41>>>/K5/F"),
        ("a reference written with a negative number", "/Extra -4294967293 4294967296 R"),
    ]

    @Test(arguments: wellFormed.indices)
    func wellFormedDictionaryIsClean(index: Int) {
        let (label, entries) = Self.wellFormed[index]
        for compressed in [false, true] {
            var builder = FixturePDF.document(catalog: entries)
            if compressed { builder.compressed = [1, 2, 3] }
            let findings = PDFActiveContent.findings(in: builder.build())
            #expect(findings.active.isEmpty && findings.unscannable.isEmpty, "\(label), compressed \(compressed): \(findings)")
        }
    }

    /// An inline image in a content stream is data, not an object: its bytes may spell anything.
    @Test func inlineImageInAContentStreamIsClean() {
        let content = "q 10 0 0 10 0 0 cm BI /W 2 /H 1 /BPC 8 /CS /G ID ()>>]endobj EI Q\nBT /F1 9 Tf (obj [ >> ) Tj ET"
        let builder = FixturePDF.document(page: "/Contents 4 0 R", more: [FixturePDF.stream("<< >>", content)])
        let findings = PDFActiveContent.findings(in: builder.build())
        #expect(findings.active.isEmpty && findings.unscannable.isEmpty, "\(findings)")
    }

    /// The parser on its own: a well-formed value reports nothing, each malformed one its first stray token.
    @Test func parserReportsTheFirstMalformation() {
        var good = PDFParser(bytes: Array("<< /A [1 2 R 3 0 R] /B (>>) /C << /D /E >> >>".utf8))
        _ = good.parseValue()
        #expect(good.malformation == nil)
        var bad = PDFParser(bytes: Array("<< /A [1 R] /B 1 > >>".utf8))
        _ = bad.parseValue()
        #expect(bad.malformation == Self.reason("an array holds the keyword `R`"))
        // Two whole numbers and `R` are a reference whatever their sign (PDFium reads them as unsigned 32-bit).
        var negative = PDFParser(bytes: Array("[-4294967293 4294967296 R -1 0 R]".utf8))
        #expect(negative.parseValue() == .array([.reference(3, 0), .reference(4_294_967_295, 0)]))
        #expect(negative.malformation == nil)
    }
}
