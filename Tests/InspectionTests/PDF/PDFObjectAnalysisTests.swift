import Testing

@testable import Inspection

/// Generated PDFs: every action type and trigger location, escapes, object streams, broken or missing xref,
/// incremental updates, fonts, functions, XML, and the clean variants that must stay clean.
@Suite struct PDFObjectAnalysisTests {
    static func findings(_ builder: FixturePDF) -> PDFActiveContent.Findings {
        PDFActiveContent.findings(in: builder.build())
    }

    static func isClean(_ findings: PDFActiveContent.Findings) -> Bool {
        findings.active.isEmpty && findings.unscannable.isEmpty
    }

    // MARK: Clean variants

    static let cleanDocuments: [(String, FixturePDF)] = [
        ("plain", .document()),
        ("GoTo OpenAction", .document(catalog: "/OpenAction << /S /GoTo /D [3 0 R /Fit] >>")),
        ("destination OpenAction", .document(catalog: "/OpenAction [3 0 R /XYZ 0 792 0]")),
        ("indirect GoTo OpenAction", .document(catalog: "/OpenAction 4 0 R", more: ["<< /Type /Action /S /GoTo /D [3 0 R /Fit] >>"])),
        (
            "http link",
            .document(
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (http://example.com/) >> >>"]
            )
        ),
        (
            "https link indirect",
            .document(
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A 5 0 R >>", "<< /S /URI /URI (https://example.com/a?b=c) >>"]
            )
        ),
        (
            "outline GoTo",
            .document(
                catalog: "/Outlines 4 0 R",
                more: [
                    "<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>", "<< /Title (One) /Parent 4 0 R /A << /S /GoTo /D [3 0 R /Fit] >> >>",
                ]
            )
        ),
        ("GoTo chain", .document(catalog: "/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [<< /S /GoTo /D [3 0 R /Fit] >>] >>")),
        (
            "numeric FontMatrix",
            .document(
                page: "/Resources << /Font << /F1 4 0 R >> >>",
                more: [
                    "<< /Type /Font /Subtype /Type3 /FontMatrix [0.001 0 0 0.001 0 0] /FontBBox [0 0 1 1] /CharProcs << >> /Encoding << >> /FirstChar 0 /LastChar 0 /Widths [0] >>"
                ]
            )
        ),
        (
            "calculator function",
            .document(more: [
                FixturePDF.stream("<< /FunctionType 4 /Domain [0 1] /Range [0 1 0 1] >>", "{ dup 0.5 gt { pop 1 } { 2 mul } ifelse -1.5 exch }")
            ])
        ),
        (
            "XMP metadata",
            .document(
                catalog: "/Metadata 4 0 R",
                more: [
                    FixturePDF.stream(
                        "<< /Type /Metadata /Subtype /XML >>",
                        "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'></x:xmpmeta><?xpacket end='w'?>"
                    )
                ]
            )
        ),
        (
            "JPEG image with unknown data",
            .document(more: [
                FixturePDF.stream(
                    "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /DCTDecode /BitsPerComponent 8 /ColorSpace /DeviceGray >>",
                    "not really a jpeg"
                )
            ])
        ),
        (
            "structure /S names",
            .document(catalog: "/PageLabels << /Nums [0 << /S /D >>] >> /StructTreeRoot << /K << /S /P >> >>", page: "/Group << /S /Transparency >>")
        ),
        ("local file specification", .document(more: ["<< /Type /Filespec /F (chapter2.pdf) >>"])),
    ]

    @Test(arguments: 0..<cleanDocuments.count)
    func clean(_ index: Int) {
        let (name, builder) = Self.cleanDocuments[index]
        for xref in [FixturePDF.XRef.table, .stream, .none] {
            var variant = builder
            variant.xref = xref
            let result = Self.findings(variant)
            #expect(Self.isClean(result), "\(name) with \(xref) xref: \(result)")
            // The same objects inside an object stream stay clean.
            variant.compressed = Set(variant.objects.map(\.number).filter { $0 != 1 })
            variant.xref = .stream
            let packed = Self.findings(variant)
            #expect(Self.isClean(packed), "\(name) in an object stream: \(packed)")
        }
    }

    // MARK: Active variants

    static let activeDocuments: [(String, FixturePDF, String)] = [
        ("OpenAction JavaScript", .document(catalog: "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "an OpenAction JavaScript action"),
        (
            "OpenAction JS stream",
            .document(catalog: "/OpenAction << /S /JavaScript /JS 4 0 R >>", more: [FixturePDF.stream("<< >>", "app.alert(1)")]),
            "an OpenAction JavaScript action"
        ),
        ("OpenAction indirect", .document(catalog: "/OpenAction 4 0 R", more: ["<< /S /Launch /F (cmd.exe) >>"]), "an OpenAction Launch action"),
        (
            "OpenAction URI http", .document(catalog: "/OpenAction << /S /URI /URI (https://example.com/) >>"),
            "an OpenAction URI action (navigation without a user gesture)"
        ),
        (
            "OpenAction URI UNC", .document(catalog: "/OpenAction << /S /URI /URI (\\\\\\\\host\\\\share) >>"),
            "an OpenAction URI action to a non-web address (a UNC path)"
        ),
        (
            "catalog AA", .document(catalog: "/AA << /WC << /S /URI /URI (http://example.com/) >> >>"),
            "a URI action in additional actions (/AA) (navigation without a user gesture)"
        ),
        ("page AA", .document(page: "/AA << /O 4 0 R >>", more: ["<< /S /JavaScript /JS (1) >>"]), "a JavaScript action in additional actions (/AA)"),
        (
            "annotation AA",
            .document(
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /Widget /Rect [0 0 1 1] /AA << /E << /S /SubmitForm /F << /FS /URL /F (http://x/) >> >> >> >>"]
            ), "a SubmitForm action in additional actions (/AA)"
        ),
        (
            "annotation A Launch",
            .document(page: "/Annots [4 0 R]", more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /Launch /F (calc.exe) >> >>"]),
            "a Launch action in an annotation"
        ),
        (
            "link file URI",
            .document(
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (file:///etc/passwd) >> >>"]
            ), "a URI action in an annotation to a non-web address (file:)"
        ),
        (
            "link odd scheme",
            .document(
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (vnd.sun.star.expand:$HOME) >> >>"]
            ), "a URI action in an annotation to a non-web address (vnd.sun.star.expand:)"
        ),
        (
            "link UNC slashes",
            .document(page: "/Annots [4 0 R]", more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (//host/share) >> >>"]),
            "a URI action in an annotation to a non-web address (a UNC path)"
        ),
        (
            "Next chain single",
            .document(
                catalog: "/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 4 0 R >>",
                more: ["<< /S /GoTo /D [3 0 R /Fit] /Next << /S /ImportData /F (x.fdf) >> >>"]
            ), "an OpenAction ImportData action"
        ),
        (
            "Next chain array",
            .document(
                catalog: "/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next [<< /S /GoTo /D [3 0 R /Fit] >> 4 0 R] >>",
                more: ["<< /S /GoToR /F (other.pdf) /D [0 /Fit] >>"]
            ), "an OpenAction GoToR action"
        ),
        (
            "Next chain cycle",
            .document(
                catalog: "/OpenAction 4 0 R",
                more: [
                    "<< /S /GoTo /D [3 0 R /Fit] /Next 5 0 R >>", "<< /S /GoTo /D [3 0 R /Fit] /Next [4 0 R 6 0 R] >>",
                    "<< /S /GoToE /T << /R /C /N (x) >> >>",
                ]
            ), "an OpenAction GoToE action"
        ),
        (
            "outline action",
            .document(
                catalog: "/Outlines 4 0 R",
                more: ["<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>", "<< /Title (One) /Parent 4 0 R /A << /S /JavaScript /JS (1) >> >>"]
            ), "a JavaScript action in an outline item"
        ),
        (
            "names JavaScript",
            .document(catalog: "/Names << /JavaScript 4 0 R >>", more: ["<< /Names [(a) 5 0 R] >>", "<< /S /JavaScript /JS (1) >>"]),
            "document-level JavaScript (/Names /JavaScript)"
        ),
        (
            "names EmbeddedFiles",
            .document(
                catalog: "/Names 4 0 R",
                more: [
                    "<< /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>", "<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                    FixturePDF.stream("<< /Type /EmbeddedFile >>", "MZ"),
                ]
            ), "embedded files (/Names /EmbeddedFiles)"
        ),
        (
            "associated file", .document(catalog: "/AF [4 0 R]", more: ["<< /Type /Filespec /F (a.html) /AFRelationship /Data >>"]),
            "associated files (/AF)"
        ),
        (
            "AcroForm field",
            .document(
                catalog: "/AcroForm << /Fields [4 0 R] >>",
                more: ["<< /FT /Btn /T (b) /Rect [0 0 1 1] /A << /S /SubmitForm /F (http://x/) >> >>"]
            ), "a SubmitForm action in a form field"
        ),
        ("XFA", .document(catalog: "/AcroForm << /Fields [] /XFA 4 0 R >>", more: [FixturePDF.stream("<< >>", "<xdp:xdp/>")]), "an XFA form"),
        ("RichMedia", .document(page: "/Annots [4 0 R]", more: ["<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>"]), "RichMedia content"),
        (
            "Thread remote", .document(catalog: "/OpenAction << /S /Thread /F (\\\\\\\\h\\\\t.pdf) /D 0 >>"),
            "an OpenAction Thread action with a file specification"
        ),
        (
            "Rendition",
            .document(page: "/Annots [4 0 R]", more: ["<< /Type /Annot /Subtype /Screen /Rect [0 0 1 1] /A << /S /Rendition /OP 0 >> >>"]),
            "a Rendition action in an annotation"
        ),
        ("Named hidden JS", .document(catalog: "/OpenAction << /S /Named /N /Print /JS (x) >>"), "an OpenAction JavaScript action"),
        (
            "URL XObject",
            .document(more: [
                "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Length 0 /F << /FS /URL /F (http://x/i.png) >> >>\nstream\n\nendstream"
            ]), "a stream whose data is fetched from an external file"
        ),
        (
            "UNC file spec", .document(more: ["<< /Type /Filespec /F (\\\\\\\\host\\\\share\\\\x.png) >>"]),
            "a file specification to a remote or UNC path"
        ),
        (
            "FontMatrix injection", .document(more: ["<< /Type /Font /Subtype /Type1 /BaseFont /X /FontMatrix [1 0 0 1 0 (1\\); alert\\(1)] >>"]),
            "a font whose FontMatrix is not all numbers (CVE-2024-4367 class)"
        ),
        (
            "Type1 program FontMatrix",
            .document(more: [
                "<< /Type /FontDescriptor /FontName /X /FontFile 5 0 R >>",
                FixturePDF.stream("<< /Length1 60 /Length2 0 /Length3 0 >>", "%!FontType1\n/FontMatrix [0.001 0 0 0.001 0 (x)] readonly def\n"),
            ]), "a Type 1 font program whose FontMatrix is not all numbers (CVE-2024-4367 class)"
        ),
        (
            "calculator injection", .document(more: [FixturePDF.stream("<< /FunctionType 4 /Domain [0 1] /Range [0 1] >>", "{ 0 exch (x) alert }")]),
            "a PostScript calculator function with non-calculator content (CVE-2018-5158 class)"
        ),
        (
            "XMP DOCTYPE",
            .document(
                catalog: "/Metadata 4 0 R",
                more: [
                    FixturePDF.stream(
                        "<< /Type /Metadata /Subtype /XML >>",
                        "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"
                    )
                ]
            ), "an XML stream with a DOCTYPE or ENTITY declaration (XXE)"
        ),
        ("escaped names", .document(catalog: "/#4FpenAction << /S /J#61vaScript /J#53 (1) >>"), "an OpenAction JavaScript action"),
        (
            "embedded file annotation",
            .document(
                page: "/Annots [4 0 R]",
                more: ["<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 1 1] /FS << /Type /Filespec /F (a.exe) >> >>"]
            ), "a file attachment annotation"
        ),
    ]

    @Test(arguments: 0..<activeDocuments.count)
    func active(_ index: Int) {
        let (name, builder, expected) = Self.activeDocuments[index]
        for xref in [FixturePDF.XRef.table, .stream, .broken, .none] {
            var variant = builder
            variant.xref = xref
            let result = Self.findings(variant)
            #expect(result.active.contains(expected), "\(name) with \(xref) xref: \(result)")
        }
        // Everything but the catalog and streams inside a Flate object stream.
        var packed = builder
        packed.xref = .stream
        packed.compressed = Set(packed.objects.filter { !String(decoding: $0.body, as: UTF8.self).contains("stream") }.map(\.number))
        let result = Self.findings(packed)
        #expect(result.active.contains(expected), "\(name) in an object stream: \(result)")
    }

    // MARK: Recovery

    @Test func headerAfterJunkAndNoEndOfLine() {
        var builder = FixturePDF.document(catalog: "/OpenAction << /S /JavaScript /JS (1) >>")
        builder.prefix = String(repeating: "MZ junk ", count: 200)
        builder.header = "%PDF-1.4"
        #expect(Self.findings(builder).active == ["an OpenAction JavaScript action"])
    }

    @Test func commentsBetweenTokens() {
        let bytes = Array(
            "%PDF-1.4\n1 0 obj % c\n<< /Type /Catalog % c\n /OpenAction % c\n << /S % c\n /Launch /F (x) >> >>\nendobj\ntrailer << /Root 1 0 R >>\n"
                .utf8
        )
        #expect(PDFActiveContent.findings(in: bytes).active == ["an OpenAction Launch action"])
    }

    @Test func asciiHexObjectStream() {
        var builder = FixturePDF.document(catalog: "/OpenAction 4 0 R", more: ["<< /S /JavaScript /JS (1) >>"])
        builder.compressed = [4]
        builder.objectStreamFilter = "ASCIIHexDecode"
        builder.xref = .stream
        #expect(Self.findings(builder).active.contains("an OpenAction JavaScript action"))
    }

    @Test(arguments: ["FlateDecode", "FlatePNG", "ASCII85Decode", "ASCIIHexDecode", "none"])
    func objectStreamFilters(_ filter: String) {
        var builder = FixturePDF.document(
            catalog: "/OpenAction 4 0 R",
            page: "/Annots [5 0 R]",
            more: ["<< /S /JavaScript /JS (1) >>", "<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (https://e.com/) >> >>"]
        )
        builder.compressed = [1, 2, 3, 4, 5]
        builder.objectStreamFilter = filter
        builder.xref = .stream
        #expect(Self.findings(builder).active == ["an OpenAction JavaScript action"], "\(filter)")
        var clean = FixturePDF.document(
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /URI /URI (https://e.com/) >> >>"]
        )
        clean.compressed = [1, 2, 3, 4]
        clean.objectStreamFilter = filter
        clean.xref = .stream
        #expect(Self.isClean(Self.findings(clean)), "\(filter)")
    }

    @Test func objectHiddenByAWrongLengthIsFound() {
        // /Length covers the next object, as if it were stream data; a reader following the xref still reads it.
        let text =
            "%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 3 0 R >> endobj\n2 0 obj << /Length 52 >> stream\n3 0 obj << /S /Launch /F (calc.exe) >> endobj\nendstream endobj\ntrailer << /Root 1 0 R >>\n"
        #expect(PDFActiveContent.findings(in: Array(text.utf8)).active == ["an OpenAction Launch action"])
    }

    @Test func unclosedContainerDoesNotSwallowLaterObjects() {
        let text =
            "%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R /Kids [ 1 2\n2 0 obj << /S /Launch /F (x) >> endobj\ntrailer << /Root 1 0 R >>\n"
        #expect(PDFActiveContent.findings(in: Array(text.utf8)).active == ["an OpenAction Launch action"])
    }

    @Test func overlappingObjectStreamOffsetsAreBounded() {
        var header = ""
        for number in 0..<20_000 { header += "\(number + 10) 0 " }
        let body = "[" + String(repeating: "<< /K [1 2 3] >> ", count: 20_000) + "]"
        let data = Array((header + body).utf8)
        var builder = FixturePDF.document()
        builder.objects.append((4, FixturePDF.stream("<< /Type /ObjStm /N 20000 /First \(header.utf8.count) >>", data)))
        var result = PDFActiveContent.Findings()
        let elapsed = threadCPUTime { result = Self.findings(builder) }
        #expect(result.unscannable == ["an object stream's objects overlap past the parse limit"])
        #expect(elapsed < .seconds(20))
    }

    @Test func overlappingStreamsAreBounded() {
        // Thousands of object streams without `endstream` all run to the same one at the end of a large file.
        var text = "%PDF-1.4\n"
        for number in 1...3_000 { text += "\(number) 0 obj << /Type /ObjStm /N 1 /First 0 /Filter /FlateDecode >> stream\n" }
        text += String(repeating: "x", count: 8 << 20) + "\nendstream\n"
        var result = PDFActiveContent.Findings()
        let elapsed = threadCPUTime { result = PDFActiveContent.findings(in: Array(text.utf8)) }
        #expect(result.unscannable.contains("overlapping streams read past 64 MiB more than the file holds"), "\(result)")
        #expect(elapsed < .seconds(30))
    }

    @Test func trailerSpamStaysLinear() {
        let text = "%PDF-1.4\n" + String(repeating: "trailer << /Root << ", count: 30_000)
        let elapsed = threadCPUTime { _ = PDFActiveContent.findings(in: Array(text.utf8)) }
        #expect(elapsed < .seconds(10))
    }

    @Test func manyObjects() {
        var builder = FixturePDF.document()
        for number in 4..<60_000 {
            builder.add(number, "<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /GoTo /D [3 0 R /Fit] >> /Next \(number + 1) 0 R >>")
        }
        var result = PDFActiveContent.Findings()
        let elapsed = threadCPUTime { result = Self.findings(builder) }
        #expect(Self.isClean(result))
        #expect(elapsed < .seconds(30))
    }

    @Test func unknownObjectStreamFilterIsUnscannable() {
        let data = Array("4 0 << /S /JavaScript /JS (1) >>".utf8)
        let builder = FixturePDF.document(more: [
            String(decoding: FixturePDF.stream("<< /Type /ObjStm /N 1 /First 4 /Filter /JBIG2Decode >>", data), as: UTF8.self)
        ])
        #expect(Self.findings(builder).unscannable == ["an object stream with filter /JBIG2Decode is not decoded"])
    }

    @Test func indirectLength() {
        let body = "<< /Type /ObjStm /N 1 /First 4 /Length 5 0 R >>\nstream\n4 0 << /S /Launch /F (x) >>\nendstream"
        let builder = FixturePDF.document(catalog: "/OpenAction 4 0 R", more: [body, "28"])
        // Object 4 is the object stream itself here; the action is object 4 inside it (later in the file wins).
        let result = Self.findings(builder)
        #expect(result.active.contains("an OpenAction Launch action"), "\(result)")
    }

    /// Variants an attacker who read the parser built (each once clean): an object stream without /Type, an earlier
    /// definition of an object that a reader following the xref takes, an action that points at nothing readable.
    @Test func objectStreamsWithoutTypeAreExpanded() {
        let data = Array("4 0 << /S /JavaScript /JS (1) >>".utf8)
        let builder = FixturePDF.document(
            catalog: "/OpenAction 4 0 R",
            more: [String(decoding: FixturePDF.stream("<< /N 1 /First 4 >>", data), as: UTF8.self)]
        )
        #expect(Self.findings(builder).active.contains("an OpenAction JavaScript action"), "\(Self.findings(builder))")
    }

    @Test func everyDefinitionOfAnActionOrFontMatrixCounts() {
        // Object 4 twice: first an automatic URI (a reader that follows the xref takes it), then a GoTo.
        var twice = FixturePDF.document(catalog: "/OpenAction 4 0 R", more: ["<< /S /URI /URI (http://198.51.100.7/track) >>"])
        twice.add(4, "<< /S /GoTo /D [3 0 R /Fit] >>")
        #expect(Self.findings(twice).active.contains { $0.contains("URI") }, "\(Self.findings(twice))")
        // A FontMatrix by reference whose first definition holds code.
        var font = FixturePDF.document(more: ["<< /Type /Font /Subtype /Type1 /BaseFont /X /FontMatrix 5 0 R >>", "[1 2 3 4 5 (0\\); alert\\('x')]"])
        font.add(5, "[0.001 0 0 0.001 0 0]")
        #expect(Self.findings(font).active.contains { $0.contains("FontMatrix") }, "\(Self.findings(font))")
    }

    @Test func anEncryptionDictionaryDefinedTwiceIsUnscannable() {
        var builder = FixturePDF.document(more: ["<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"])
        builder.add(4, "<< /Filter /Standard /V 1 /R 2 /O <01> /U <01> /P -4 >>")
        builder.trailerExtra = "/Encrypt 4 0 R /ID [<0102> <0102>]"
        #expect(Self.findings(builder).unscannable.contains("the PDF's encryption dictionary is defined more than once"), "\(Self.findings(builder))")
    }

    @Test func anActionThatPointsAtNothingReadableIsUnscannable() {
        let builder = FixturePDF.document(catalog: "/OpenAction 9 0 R")
        #expect(Self.findings(builder).unscannable.contains("an action refers to object 9, which cannot be read"), "\(Self.findings(builder))")
    }

    @Test func incrementalUpdateLaterWins() {
        // The update replaces a Launch OpenAction with GoTo; the old object still counts (conservative).
        let base = FixturePDF.document(catalog: "/OpenAction 4 0 R", more: ["<< /S /Launch /F (x) >>"]).build()
        let updated = FixturePDF.update(base, objects: [(4, "<< /S /GoTo /D [3 0 R /Fit] >>")])
        #expect(PDFActiveContent.findings(in: updated).active == ["an OpenAction Launch action"])
        // An update that adds JavaScript to a clean file.
        let clean = FixturePDF.document().build()
        #expect(Self.isClean(PDFActiveContent.findings(in: clean)))
        let added = FixturePDF.update(
            clean,
            objects: [(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 9 0 R >>"), (9, "<< /S /JavaScript /JS (1) >>")]
        )
        #expect(PDFActiveContent.findings(in: added).active == ["an OpenAction JavaScript action"])
        // A later revision that makes a URI action automatic: the reference resolves to the latest object.
        let link = FixturePDF.document(
            page: "/Annots [4 0 R]",
            more: ["<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A 5 0 R >>", "<< /S /URI /URI (https://e.com/) >>"]
        ).build()
        #expect(Self.isClean(PDFActiveContent.findings(in: link)))
        let automatic = FixturePDF.update(link, objects: [(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>")])
        #expect(PDFActiveContent.findings(in: automatic).active == ["an OpenAction URI action (navigation without a user gesture)"])
    }

    // MARK: Hostile input

    @Test func deepNestingIsBoundedAndReported() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let builder = FixturePDF.document(more: [deep])
        let result = Self.findings(builder)
        #expect(result.unscannable.contains("objects nest deeper than 64 levels"))
    }

    @Test func inflateBombIsBounded() {
        let bomb = FixturePDF.deflate([UInt8](repeating: 0x20, count: 80 << 20))
        var builder = FixturePDF.document()
        builder.objects.append((4, FixturePDF.stream("<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>", bomb)))
        #expect(Self.findings(builder).unscannable == ["streams decode past 64 MiB"])
    }

    @Test func garbageNeverTraps() {
        var generator = SystemRandomNumberGenerator()
        let seed = FixturePDF.document(
            catalog: "/OpenAction << /S /JavaScript /JS (1) >> /AA << /O 4 0 R >>",
            more: ["<< /S /URI /URI (x) /Next [4 0 R] >>"]
        ).build()
        for _ in 0..<300 {
            var bytes = seed
            for _ in 0..<8 {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            let cut = Int.random(in: 0...bytes.count, using: &generator)
            _ = PDFActiveContent.findings(in: Array(bytes.prefix(cut)))
        }
        for text in [
            "", "%PDF-", "1 0 obj", "1 0 obj <<", "1 0 obj << /Length 99999999999999999999 >> stream", "99999999999999999999 0 obj", "trailer <<",
            "1 0 obj << /A 1 0 R /OpenAction 1 0 R /AA 1 0 R /Next 1 0 R /S /GoTo >> endobj",
        ] {
            _ = PDFActiveContent.findings(in: Array(text.utf8))
        }
    }

    @Test func manyStreamsWithoutEndstreamStayLinear() {
        var text = "%PDF-1.4\n"
        for number in 1...20_000 { text += "\(number) 0 obj << /Length \(number) 0 R >> stream\nxx\n" }
        let elapsed = threadCPUTime { _ = PDFActiveContent.findings(in: Array(text.utf8)) }
        #expect(elapsed < .seconds(10))
    }
}
