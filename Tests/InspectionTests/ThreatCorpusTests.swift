import AirlockCore
import AirlockTesting
import Foundation
import Inspection
import Testing

/// The threat corpus (scripts/corpus/generate_threats.py): at least two samples for every reason code inspection can
/// give, each of which must be reported, on the in-process engine and on clamd alike.
struct ThreatCorpusTests {
    struct Sample: Decodable {
        var file: String
        var name: String
        var declaredType: String?
        var declaredSize: Int64?
        var declaredSHA256: String?
        var expect: String
        var why: String
    }

    static let profile = UploadProfile(
        name: "corpus",
        maxSize: 256 << 10,
        allow: [
            .init(extensions: ["txt"], types: ["text/plain"]),
            .init(extensions: ["csv"], types: ["text/csv", "text/plain"]),
            .init(extensions: ["pdf"], types: ["application/pdf"]),
            .init(extensions: ["png"], types: ["image/png"]),
            .init(extensions: ["svg"], types: ["image/svg+xml"]),
            .init(extensions: ["docx"], types: ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]),
            .init(extensions: ["xlsx"], types: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]),
            .init(extensions: ["gif"], types: ["image/gif"]),
            .init(extensions: ["zip"], types: ["application/zip"]),
        ],
        archives: .init(allowed: true, maxEntries: 20, maxTotalSize: 1 << 20, maxDepth: 3)
    )

    /// Reason codes the inspection itself gives (scan_failed needs a broken engine, unsolicited is the pipeline's).
    static let inspectionCodes: [ReasonCode] = [
        .filenameInvalid, .extensionNotAllowed, .typeNotAllowed, .typeMismatch, .archiveMemberNotAllowed, .sizeExceeded,
        .sizeMismatch, .empty, .checksumMismatch, .malware, .activeContent, .unscannable,
    ]

    /// `exclusive`: as the worker inspects its private copy (libclamav then scans a memory map of it).
    @Test(arguments: [(InspectorTests.Engine.libclamav, false), (.libclamav, true), (.clamdUnix, false)])
    func everySampleIsReportedWithItsReason(_ engine: InspectorTests.Engine, exclusive: Bool) async throws {
        let inspector = Inspector(magic: try MagicDetector(), scanner: try engine.scanner(), threads: 2)
        defer { inspector.shutdown() }
        try await checkEverySample(inspector, exclusive: exclusive)
    }

    /// The same through locked-down inspector processes (libclamav in them, or clamd through the worker).
    @Test(arguments: [InspectorTests.Engine.libclamav, .clamdUnix])
    func everySampleIsReportedThroughTheSandbox(_ engine: InspectorTests.Engine) async throws {
        try await SandboxHarness.with(engine: try SandboxHarness.engine(engine)) { inspector, _ in
            try await checkEverySample(inspector, exclusive: true)
            #expect(inspector.counts.killed == 0)
        }
    }

    func checkEverySample(_ inspector: any FileInspector, exclusive: Bool) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-threats-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generated = try await TestProcess.run(["python3", Repository.path("scripts/corpus/generate_threats.py"), directory])
        try #require(generated.status == 0, "\(generated.stderrText)")
        let samples = try JSONDecoder().decode([Sample].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json")))

        // Coverage: two or more samples per code.
        for code in Self.inspectionCodes {
            #expect(samples.filter { $0.expect == code.rawValue }.count >= 2, "fewer than two samples for \(code.rawValue)")
        }

        for sample in samples {
            let verdict = await inspector.inspect(
                InspectionRequest(
                    path: directory + "/" + sample.file,
                    filename: sample.name,
                    declaredSize: sample.declaredSize,
                    declaredType: sample.declaredType,
                    declaredSHA256: sample.declaredSHA256,
                    profile: Self.profile,
                    exclusive: exclusive
                )
            )
            #expect(verdict.outcome != .clean, "\(sample.file) came out clean")
            #expect(verdict.reasons.contains { $0.code.rawValue == sample.expect }, "\(sample.file) (\(sample.why)): \(verdict.reasons)")
        }
    }
}
