import AirlockCore
import AirlockTesting
import Foundation
import Inspection
import Testing

/// Ordinary files of real formats (scripts/corpus/generate_clean.py) must all come out clean: with libmagic's
/// answers as they are (prose as text/csv, reordered DOCX as application/zip, large JSON...).
struct CleanCorpusTests {
    static let profile = UploadProfile(
        name: "corpus",
        maxSize: 8 << 20,
        allow: [
            .init(extensions: ["txt", "md"], types: ["text/plain", "text/markdown"]),
            .init(extensions: ["csv"], types: ["text/csv"]),
            .init(extensions: ["tsv"], types: ["text/tab-separated-values"]),
            .init(extensions: ["json"], types: ["application/json"]),
            .init(extensions: ["svg"], types: ["image/svg+xml"]),
            .init(extensions: ["png"], types: ["image/png"]),
            .init(extensions: ["gif"], types: ["image/gif"]),
            .init(extensions: ["bmp"], types: ["image/bmp"]),
            .init(extensions: ["pdf"], types: ["application/pdf"]),
            .init(extensions: ["docx"], types: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]),
            .init(extensions: ["xlsx"], types: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]),
            .init(extensions: ["pptx"], types: ["application/vnd.openxmlformats-officedocument.presentationml.presentation"]),
            .init(extensions: ["zip"], types: ["application/zip"]),
        ],
        archives: .init(allowed: true, maxEntries: 100, maxTotalSize: 64 << 20, maxDepth: 3)
    )

    /// Exclusive: as the worker inspects its private copy (libclamav reads it through a memory map).
    @Test(arguments: [false, true])
    func everyOrdinaryFilePasses(exclusive: Bool) async throws {
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            threads: 2
        )
        defer { inspector.shutdown() }
        try await checkEveryFile(inspector, exclusive: exclusive)
    }

    /// The same through locked-down inspector processes.
    @Test func everyOrdinaryFilePassesThroughTheSandbox() async throws {
        try await SandboxHarness.with { inspector, _ in
            try await checkEveryFile(inspector, exclusive: true)
            #expect(inspector.counts.killed == 0)
        }
    }

    func checkEveryFile(_ inspector: any FileInspector, exclusive: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-corpus-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generated = try await TestProcess.run(["python3", Repository.path("scripts/corpus/generate_clean.py"), directory])
        try #require(generated.status == 0, "\(generated.stderrText)")
        let files = generated.stdoutText.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(files.count >= 25)
        for file in files {
            let verdict = await inspector.inspect(
                InspectionRequest(
                    path: directory + "/" + file[0],
                    filename: file[0],
                    declaredType: file[1],
                    profile: Self.profile,
                    exclusive: exclusive
                )
            )
            #expect(verdict.outcome == .clean, "\(file[0]) [\(verdict.detectedType ?? "?")]: \(verdict.reasons)")
        }
    }
}
