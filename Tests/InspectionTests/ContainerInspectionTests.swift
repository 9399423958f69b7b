import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// ZIP-based files built by Python's zipfile at test time, inspected with real libmagic and libclamav.
struct ContainerInspectionTests {
    static let docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    let profile = UploadProfile(
        name: "office",
        maxSize: 1 << 20,
        allow: [.init(extensions: ["docx"], types: [Self.docxType]), .init(extensions: ["txt"], types: ["text/plain"])]
    )
    let archives = UploadProfile(
        name: "bundles",
        maxSize: 1 << 20,
        allow: [
            .init(extensions: ["zip"], types: ["application/zip"]), .init(extensions: ["txt"], types: ["text/plain"]),
            .init(extensions: ["svg"], types: ["image/svg+xml"]), .init(extensions: ["pdf"], types: ["application/pdf"]),
        ],
        archives: .init(allowed: true, maxEntries: 10, maxTotalSize: 1 << 20, maxDepth: 2)
    )
    /// EICAR written by Python from two halves (the repository holds no whole sample).
    static let eicar = "('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-' + 'ANTIVIRUS-TEST-FILE!$H+H*').encode()"
    static let nest = """
        import io
        def nest(members, method=zipfile.ZIP_DEFLATED):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, 'w', method) as z:
                for name, content in members.items(): z.writestr(name, content)
            return buffer.getvalue()

        """

    /// Runs a Python snippet with `zipfile` imported and `path` set, returns the file it wrote.
    func build(_ script: String) async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-zip-\(UUID().uuidString)").path
        let output = try await TestProcess.run(["python3", "-c", "import sys, zipfile\npath = sys.argv[1]\n" + script, path])
        try #require(output.status == 0, "\(output.stderrText)")
        return path
    }

    func inspect(_ path: String, name: String, profile: UploadProfile) async throws -> Verdict {
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            threads: 1
        )
        defer { inspector.shutdown() }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: profile))
    }

    static let docx = """
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr('_rels/.rels', '<Relationships/>')
            z.writestr('[Content_Types].xml', '<Types/>')
            z.writestr('word/document.xml', '<w:document>' + 'text ' * 200 + '</w:document>')
        """

    @Test func aDocxThatLibmagicCallsZipIsRecognizedAndClean() async throws {
        let verdict = try await inspect(try build(Self.docx), name: "report.docx", profile: profile)
        #expect(verdict.detectedType == Self.docxType)
        #expect(verdict.outcome == .clean, "\(verdict.reasons)")
    }

    @Test func macrosAndEmbeddedObjectsInOOXMLAreActiveContent() async throws {
        let verdict = try await inspect(
            try build(
                Self.docx.replacingOccurrences(
                    of: "with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:",
                    with: """
                        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
                            z.writestr('word/vbaProject.bin', b'\\xd0\\xcf\\x11\\xe0' + b'\\0' * 100)
                            z.writestr('word/embeddings/oleObject1.bin', b'\\0' * 64)
                        """
                )
            ),
            name: "invoice.docx",
            profile: profile
        )
        #expect(verdict.outcome == .rejected)
        #expect(verdict.reasons.filter { $0.code == .activeContent }.count == 2, "\(verdict.reasons)")
    }

    /// Word fields outside the allow-list and hyperlinks to non-web schemes, through the whole inspection.
    @Test func activeFieldsAndLinksInADocxAreFound() async throws {
        func docx(_ body: String, rels: String = "") async throws -> String {
            try await build(
                Self.docx.replacingOccurrences(
                    of: "z.writestr('word/document.xml', '<w:document>' + 'text ' * 200 + '</w:document>')",
                    with: """
                        z.writestr('word/document.xml', '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>\(body)</w:p></w:body></w:document>')
                            z.writestr('word/_rels/document.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(rels)</Relationships>')
                        """
                )
            )
        }
        let hyperlink = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
        for (body, rels) in [
            (#"<w:fldSimple w:instr=" INCLUDEPICTURE &quot;http://t.example/p.png&quot; \\d "/>"#, ""),
            (#"<w:fldSimple w:instr=" MACROBUTTON Run Go "/>"#, ""),
            ("", #"<Relationship Id="r1" Type="\#(hyperlink)" Target="search-ms:query=x" TargetMode="External"/>"#),
        ] {
            let verdict = try await inspect(try docx(body, rels: rels), name: "letter.docx", profile: profile)
            #expect(verdict.reasons.contains { $0.code == .activeContent }, "\(body) \(rels) \(verdict.reasons)")
        }
        let ordinary = try await inspect(
            try docx(
                #"<w:fldSimple w:instr=" PAGE "/>"#,
                rels: #"<Relationship Id="r1" Type="\#(hyperlink)" Target="https://example.com/" TargetMode="External"/>"#
            ),
            name: "letter.docx",
            profile: profile
        )
        #expect(ordinary.outcome == .clean, "\(ordinary.reasons)")
    }

    /// Round 4: a part that is XML by its content type, or whose first byte after a mark and any number of blanks
    /// is `<` (UTF-8 or UTF-16), is judged whatever it is named; binary parts and clean sheets stay clean.
    @Test func renamedXMLPartsWithLeadingBlanksAreJudged() async throws {
        let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        let office = UploadProfile(
            name: "office",
            maxSize: 4 << 20,
            allow: [.init(extensions: ["xlsx"], types: [xlsxType]), .init(extensions: ["docx"], types: [Self.docxType])]
        )
        let types = "http://schemas.openxmlformats.org/package/2006/content-types"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        /// `content` is a Python bytes expression for the part, `defaults` extra `<Default>` elements.
        func xlsx(_ content: String, defaults: String = "") async throws -> String {
            try await build(
                """
                main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
                def sheet(formula): return '<worksheet xmlns="' + main + '"><sheetData><row r="1"><c r="A1"><f>' + formula + '</f></c></row></sheetData></worksheet>'
                with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
                    z.writestr('[Content_Types].xml', '<Types xmlns="\(types)"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>\(defaults)<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
                    z.writestr('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="\(rel)/officeDocument" Target="xl/workbook.xml"/></Relationships>')
                    z.writestr('xl/workbook.xml', '<workbook xmlns="' + main + '" xmlns:r="\(rel)"><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>')
                    z.writestr('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="\(rel)/worksheet" Target="worksheets/sheet1.dat"/></Relationships>')
                    z.writestr('xl/worksheets/sheet1.dat', \(content))
                    z.writestr('xl/media/image1.png', b'\\x89PNG\\r\\n\\x1a\\n' + b' ' * 200 + b'<x>')
                """
            )
        }
        let dde = #"sheet("cmd|' /C calc'!A0")"#
        let xmlDat = #"<Default Extension="dat" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        for (content, defaults) in [
            ("(' ' * 100 + \(dde)).encode()", ""),
            ("('\\r\\n' * 60 + \(dde)).encode()", ""),
            ("(' ' * 200000 + \(dde)).encode()", ""),
            ("('\\ufeff' + ' ' * 100 + \(dde)).encode('utf-16-le')", ""),
            ("(' ' * 100 + \(dde)).encode('utf-16-be')", ""),
            ("('\\ufeff\\t' + \(dde)).encode('utf-8')", ""),
            ("('junk' + \(dde)).encode()", xmlDat),
        ] {
            let verdict = try await inspect(try xlsx(content, defaults: defaults), name: "sheet.xlsx", profile: office)
            #expect(verdict.reasons.contains { $0.code == .activeContent && $0.detail.contains("DDE") }, "\(content) \(verdict.reasons)")
        }
        for content in [#"(' ' * 100 + sheet("SUM(A2:A3)")).encode()"#, #"('\ufeff' + ' ' * 100 + sheet("SUM(A2:A3)")).encode('utf-16-le')"#] {
            let verdict = try await inspect(try xlsx(content), name: "sheet.xlsx", profile: office)
            #expect(verdict.outcome == .clean, "\(content) \(verdict.reasons)")
        }
        // A docx whose main document is renamed and starts with blanks.
        func docx(_ instruction: String) async throws -> String {
            try await build(
                """
                w = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
                with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
                    z.writestr('[Content_Types].xml', '<Types xmlns="\(types)"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.dat" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
                    z.writestr('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="\(rel)/officeDocument" Target="word/document.dat"/></Relationships>')
                    z.writestr('word/document.dat', '\\n' * 300 + '<w:document xmlns:w="' + w + '"><w:body><w:p><w:fldSimple w:instr="\(instruction)"><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p></w:body></w:document>')
                """
            )
        }
        let active = try await inspect(
            try docx(#" DDEAUTO c:\\windows\\system32\\cmd.exe &quot;/k calc&quot; "#),
            name: "letter.docx",
            profile: office
        )
        #expect(active.reasons.contains { $0.code == .activeContent }, "\(active.reasons)")
        let plain = try await inspect(try docx(" PAGE "), name: "letter.docx", profile: office)
        #expect(plain.outcome == .clean, "\(plain.reasons)")
    }

    /// External data connections in an xlsx, through the whole inspection, under any part name; the workbook's own
    /// data model stays clean.
    @Test func externalDataConnectionsInAnXlsxAreFound() async throws {
        let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        let office = UploadProfile(name: "office", maxSize: 1 << 20, allow: [.init(extensions: ["xlsx"], types: [xlsxType])])
        func xlsx(_ connection: String, part: String) async throws -> String {
            try await build(
                """
                main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
                rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
                with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
                    z.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/\(part)" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"/></Types>')
                    z.writestr('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="' + rel + '/officeDocument" Target="xl/workbook.xml"/></Relationships>')
                    z.writestr('xl/workbook.xml', '<workbook xmlns="' + main + '"><sheets/></workbook>')
                    z.writestr('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r5" Type="' + rel + '/connections" Target="/\(part)"/></Relationships>')
                    z.writestr('\(part)', '<connections xmlns="' + main + '">\(connection)</connections>')
                """
            )
        }
        for (connection, part) in [
            (#"<connection id="1" name="q" type="4" refreshOnLoad="1"><webPr url="http://e.example/t"/></connection>"#, "xl/connections.xml"),
            (#"<connection id="2" name="t" type="6"><textPr sourceFile="\\\\h\\s\\x.csv"/></connection>"#, "xl/media/image9.bin"),
        ] {
            let verdict = try await inspect(try xlsx(connection, part: part), name: "sheet.xlsx", profile: office)
            #expect(verdict.reasons.contains { $0.code == .activeContent && $0.detail.contains("external data connection") }, "\(verdict.reasons)")
        }
        let model =
            #"<connection id="1" name="ThisWorkbookDataModel" type="5"><dbPr connection="Data Source=$Workbook$;Location=ThisWorkbookDataModel"/></connection>"#
        let clean = try await inspect(try xlsx(model, part: "xl/connections.xml"), name: "sheet.xlsx", profile: office)
        #expect(clean.outcome == .clean, "\(clean.reasons)")
    }

    @Test func zipSlipNamesAreInvalidFilenames() async throws {
        let path = try await build(
            """
            with zipfile.ZipFile(path, 'w') as z:
                z.writestr('notes.txt', 'fine')
                z.writestr('../../etc/cron.d/evil.txt', 'escape')
                z.writestr('/abs.txt', 'absolute')
            """
        )
        let verdict = try await inspect(path, name: "bundle.zip", profile: archives)
        let invalid = verdict.reasons.filter { $0.code == .filenameInvalid }
        #expect(invalid.count == 2, "\(verdict.reasons)")
        #expect(verdict.outcome == .rejected)
    }

    @Test func disallowedMembersAndLimits() async throws {
        let path = try await build(
            """
            with zipfile.ZipFile(path, 'w') as z:
                z.writestr('readme.txt', 'fine')
                z.writestr('tools/setup.exe', 'MZ')
            """
        )
        let verdict = try await inspect(path, name: "bundle.zip", profile: archives)
        #expect(verdict.reasons.contains(Reason(.archiveMemberNotAllowed, "'tools/setup.exe'")))
        let many = try await build(
            """
            with zipfile.ZipFile(path, 'w') as z:
                for i in range(11): z.writestr(f'f{i}.txt', 'x')
            """
        )
        #expect(
            try await inspect(many, name: "many.zip", profile: archives).reasons.contains {
                $0.code == .unscannable && $0.detail.contains("11 entries")
            }
        )
    }

    @Test func concatenatedArchivesAndZip64AreUnscannable() async throws {
        let first = try await build("with zipfile.ZipFile(path, 'w') as z: z.writestr('a.txt', 'first archive')")
        let second = try await build("with zipfile.ZipFile(path, 'w') as z: z.writestr('b.txt', 'second archive')")
        let joined = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-zip-\(UUID().uuidString)").path
        try (try Data(contentsOf: URL(fileURLWithPath: first)) + Data(contentsOf: URL(fileURLWithPath: second))).write(
            to: URL(fileURLWithPath: joined)
        )
        let concatenated = try await inspect(joined, name: "two.zip", profile: archives)
        #expect(concatenated.reasons.contains { $0.code == .unscannable && $0.detail.contains("several archives") }, "\(concatenated.reasons)")

        let zip64 = try await build(
            """
            with zipfile.ZipFile(path, 'w') as z:
                with z.open('big.txt', 'w', force_zip64=True) as member: member.write(b'hello')
            """
        )
        let verdict = try await inspect(zip64, name: "big.zip", profile: archives)
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("ZIP64") }, "\(verdict.reasons)")
    }

    @Test func brokenArchivesAreUnscannable() async throws {
        let path = try await build(Self.docx)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: path))
        let verdict = try await inspect(path, name: "report.docx", profile: profile)
        #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
    }

    @Test func membersAreExtractedAndInspectedLikeFiles() async throws {
        let clean = try await build(
            Self.nest + """
                inner = nest({'b.txt': 'inner text\\n' * 50})
                open(path, 'wb').write(nest({'a.txt': 'outer text\\n', 'inner.zip': inner}))
                """
        )
        let cleanVerdict = try await inspect(clean, name: "bundle.zip", profile: archives)
        #expect(cleanVerdict.outcome == .clean, "\(cleanVerdict.reasons)")

        // EICAR two levels down, in a stored (uncompressed) inner archive and in a deflated one.
        for method in ["zipfile.ZIP_STORED", "zipfile.ZIP_DEFLATED"] {
            let infected = try await build(
                Self.nest + """
                    inner = nest({'readme.txt': \(Self.eicar)}, \(method))
                    open(path, 'wb').write(nest({'a.txt': 'fine', 'deeper/inner.zip': inner}))
                    """
            )
            let verdict = try await inspect(infected, name: "bundle.zip", profile: archives)
            #expect(verdict.outcome == .infected, "\(verdict.reasons)")
            #expect(verdict.reasons.contains { $0.code == .malware && $0.detail.contains("deeper/inner.zip/readme.txt") }, "\(verdict.reasons)")
        }

        // Active content and a spoofed type inside, each named by its path.
        let active = try await build(
            Self.nest + """
                svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
                pdf = b'%PDF-1.4\\n1 0 obj\\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\\nendobj\\ntrailer\\n<< /Root 1 0 R >>\\n%%EOF\\n'
                open(path, 'wb').write(nest({'logo.svg': svg, 'doc.pdf': pdf, 'notes.txt': b'MZ\\x90\\x00' + b'\\x00' * 60 + b'\\x80\\x00\\x00\\x00' + b'PE\\x00\\x00' + b'\\x00' * 200}))
                """
        )
        let verdict = try await inspect(active, name: "bundle.zip", profile: archives)
        #expect(verdict.outcome == .rejected, "\(verdict.reasons)")
        #expect(verdict.reasons.contains { $0.code == .activeContent && $0.detail.contains("'logo.svg'") }, "\(verdict.reasons)")
        #expect(
            verdict.reasons.contains { $0.code == .activeContent && $0.detail.contains("'doc.pdf'") && $0.detail.contains("JavaScript") },
            "\(verdict.reasons)"
        )
        #expect(
            verdict.reasons.contains { [.typeNotAllowed, .typeMismatch].contains($0.code) && $0.detail.contains("'notes.txt'") },
            "\(verdict.reasons)"
        )
    }

    @Test func depthBombsAndDamagedMembersAreUnscannable() async throws {
        // maxDepth 2: a zip in a zip is walked, a third level is not.
        let deep = try await build(
            Self.nest + """
                open(path, 'wb').write(nest({'l1.zip': nest({'l2.zip': nest({'l3.txt': 'bottom'})})}))
                """
        )
        let deepVerdict = try await inspect(deep, name: "deep.zip", profile: archives)
        #expect(deepVerdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("nested deeper than 2") }, "\(deepVerdict.reasons)")

        // More than maxTotalSize (1 MiB) once inflated, spread over nested archives so no one directory shows it.
        let bomb = try await build(
            Self.nest + """
                part = nest({'zeros.txt': 'a' * (600 << 10)})
                open(path, 'wb').write(nest({'one.zip': part, 'two.zip': part}))
                """
        )
        let bombVerdict = try await inspect(bomb, name: "bomb.zip", profile: archives)
        #expect(
            bombVerdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("bytes at all levels together") },
            "\(bombVerdict.reasons)"
        )

        // A stored member whose bytes were altered after the CRC was written.
        let damaged = try await build(
            Self.nest + """
                data = bytearray(nest({'a.txt': 'original text ' * 20}, zipfile.ZIP_STORED))
                data[40] ^= 0x20
                open(path, 'wb').write(bytes(data))
                """
        )
        let damagedVerdict = try await inspect(damaged, name: "damaged.zip", profile: archives)
        #expect(damagedVerdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("CRC-32") }, "\(damagedVerdict.reasons)")
        #expect(damagedVerdict.outcome == .unscannable)
    }

    @Test func eicarInZip64IsFoundByWalkingItsMembers() async throws {
        let zip64 = try await build(
            """
            with zipfile.ZipFile(path, 'w') as z:
                with z.open('big.txt', 'w', force_zip64=True) as member: member.write(\(Self.eicar))
            """
        )
        let verdict = try await inspect(zip64, name: "big.zip", profile: archives)
        #expect(verdict.outcome == .infected, "\(verdict.reasons)")
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("ZIP64") })
    }

    /// A profile that admits zip but does not walk archives (built in code; configuration refuses such a profile): a
    /// zip holding a ZIP64 zip with EICAR is never clean.
    @Test func aProfileThatAdmitsZipButDoesNotWalkItIsNeverClean() async throws {
        let unwalked = UploadProfile(
            name: "lax",
            maxSize: 1 << 20,
            allow: [.init(extensions: ["zip"], types: ["application/zip"]), .init(extensions: ["txt"], types: ["text/plain"])]
        )
        #expect(!unwalked.archives.allowed && unwalked.admitsZipArchives)
        func nested() async throws -> String {
            try await build(
                Self.nest + """
                    inner = io.BytesIO()
                    with zipfile.ZipFile(inner, 'w') as z:
                        with z.open('payload.txt', 'w', force_zip64=True) as member: member.write(\(Self.eicar))
                    with zipfile.ZipFile(path, 'w') as z: z.writestr('inner.zip', inner.getvalue())
                    """
            )
        }
        let verdict = try await inspect(try nested(), name: "bundle.zip", profile: unwalked)
        #expect(verdict.outcome != .clean, "\(verdict.reasons)")
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("does not walk archive members") }, "\(verdict.reasons)")
        // Walked (what configuration makes of the same allow-list), the ZIP64 member inside is reached and refused.
        let walked = try await inspect(try nested(), name: "bundle.zip", profile: archives)
        #expect(walked.reasons.contains { $0.code == .unscannable && $0.detail.contains("ZIP64") }, "\(walked.reasons)")
        #expect(walked.outcome != .clean)
    }

    /// Archive formats Airlock does not unpack are unscannable even where a profile (built in code) admits them.
    @Test func unwalkableArchiveFormatsAreUnscannable() async throws {
        let tarball = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-tgz-\(UUID().uuidString)").path
        let made = try await TestProcess.run([
            "python3", "-c", "import gzip, sys; open(sys.argv[1], 'wb').write(gzip.compress(b'plain words inside a gzip stream' * 20))", tarball,
        ])
        try #require(made.status == 0, "\(made.stderrText)")
        let lax = UploadProfile(name: "lax", maxSize: 1 << 20, allow: [.init(extensions: ["gz"], types: ["application/gzip"])])
        let verdict = try await inspect(tarball, name: "notes.gz", profile: lax)
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("application/gzip") }, "\(verdict.reasons)")
    }
}
