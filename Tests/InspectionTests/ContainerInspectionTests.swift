import AirlockCore
import AirlockTesting
import Foundation
@testable import Inspection
import Testing

/// ZIP-based files built by Python's zipfile at test time, inspected with real libmagic and libclamav.
struct ContainerInspectionTests {
    static let docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    let profile = UploadProfile(
        name: "office", maxSize: 1 << 20,
        allow: [.init(extensions: ["docx"], types: [Self.docxType]), .init(extensions: ["txt"], types: ["text/plain"])]
    )
    let archives = UploadProfile(
        name: "bundles", maxSize: 1 << 20,
        allow: [.init(extensions: ["zip"], types: ["application/zip"]), .init(extensions: ["txt"], types: ["text/plain"])],
        archives: .init(allowed: true, maxEntries: 10, maxTotalSize: 1 << 20, maxDepth: 2)
    )

    /// Runs a Python snippet with `zipfile` imported and `path` set, returns the file it wrote.
    func build(_ script: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-zip-\(UUID().uuidString)").path
        let output = try TestProcess.run(["python3", "-c", "import sys, zipfile\npath = sys.argv[1]\n" + script, path])
        try #require(output.status == 0, "\(output.stderrText)")
        return path
    }

    func inspect(_ path: String, name: String, profile: UploadProfile) async throws -> Verdict {
        let inspector = Inspector(magic: try MagicDetector(), scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()), threads: 1)
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
            try build(Self.docx.replacingOccurrences(of: "with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:", with: """
                with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
                    z.writestr('word/vbaProject.bin', b'\\xd0\\xcf\\x11\\xe0' + b'\\0' * 100)
                    z.writestr('word/embeddings/oleObject1.bin', b'\\0' * 64)
                """)),
            name: "invoice.docx", profile: profile
        )
        #expect(verdict.outcome == .rejected)
        #expect(verdict.reasons.filter { $0.code == .activeContent }.count == 2, "\(verdict.reasons)")
    }

    @Test func zipSlipNamesAreInvalidFilenames() async throws {
        let path = try build("""
            with zipfile.ZipFile(path, 'w') as z:
                z.writestr('notes.txt', 'fine')
                z.writestr('../../etc/cron.d/evil.txt', 'escape')
                z.writestr('/abs.txt', 'absolute')
            """)
        let verdict = try await inspect(path, name: "bundle.zip", profile: archives)
        let invalid = verdict.reasons.filter { $0.code == .filenameInvalid }
        #expect(invalid.count == 2, "\(verdict.reasons)")
        #expect(verdict.outcome == .unscannable)  // member contents are not walked yet: never clean
    }

    @Test func disallowedMembersAndLimits() async throws {
        let path = try build("""
            with zipfile.ZipFile(path, 'w') as z:
                z.writestr('readme.txt', 'fine')
                z.writestr('tools/setup.exe', 'MZ')
            """)
        let verdict = try await inspect(path, name: "bundle.zip", profile: archives)
        #expect(verdict.reasons.contains(Reason(.archiveMemberNotAllowed, "'tools/setup.exe'")))
        let many = try build("""
            with zipfile.ZipFile(path, 'w') as z:
                for i in range(11): z.writestr(f'f{i}.txt', 'x')
            """)
        #expect(try await inspect(many, name: "many.zip", profile: archives).reasons.contains { $0.code == .unscannable && $0.detail.contains("11 entries") })
    }

    @Test func concatenatedArchivesAndZip64AreUnscannable() async throws {
        let first = try build("with zipfile.ZipFile(path, 'w') as z: z.writestr('a.txt', 'first archive')")
        let second = try build("with zipfile.ZipFile(path, 'w') as z: z.writestr('b.txt', 'second archive')")
        let joined = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-zip-\(UUID().uuidString)").path
        try (try Data(contentsOf: URL(fileURLWithPath: first)) + Data(contentsOf: URL(fileURLWithPath: second))).write(to: URL(fileURLWithPath: joined))
        let concatenated = try await inspect(joined, name: "two.zip", profile: archives)
        #expect(concatenated.reasons.contains { $0.code == .unscannable && $0.detail.contains("several archives") }, "\(concatenated.reasons)")

        let zip64 = try build("""
            with zipfile.ZipFile(path, 'w') as z:
                with z.open('big.txt', 'w', force_zip64=True) as member: member.write(b'hello')
            """)
        let verdict = try await inspect(zip64, name: "big.zip", profile: archives)
        #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("ZIP64") }, "\(verdict.reasons)")
    }

    @Test func brokenArchivesAreUnscannable() async throws {
        let path = try build(Self.docx)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: path))
        let verdict = try await inspect(path, name: "report.docx", profile: profile)
        #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
    }
}
