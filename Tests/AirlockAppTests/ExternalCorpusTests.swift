import AirlockTesting
import Foundation
import Testing

/// `../shared/corpus`: public attack and benign files nobody on the project wrote, each with the outcome a security
/// engineer expects, run through the real `airlock scan` by the corpus's own runner (`run.py`). Passes only with no
/// miss, no false positive and every scan finished (its exit status). Never copied into the repository: read from beside
/// the checkout. When it is absent the test is skipped with that said, `scripts/test` prints a warning, and
/// `AIRLOCK_REQUIRE_CORPUS=1` (CI) turns the absence into a failure.
struct ExternalCorpusTests {
    static let runner = Repository.path("../shared/corpus/run.py")
    static var present: Bool { FileManager.default.fileExists(atPath: runner) }

    @Test(
        .enabled(
            if: present || ProcessInfo.processInfo.environment["AIRLOCK_REQUIRE_CORPUS"] == "1",
            "../shared/corpus is absent: the external corpus was NOT run"
        )
    )
    func everyPublicAttackIsRefusedAndEveryOrdinaryFilePasses() async throws {
        try #require(Self.present, "AIRLOCK_REQUIRE_CORPUS=1 but \(Self.runner) does not exist")
        let output = try await TestProcess.run(["python3", Self.runner, PresignCommandTests.binary, "--jobs", "2"])
        let summary = output.stdoutText.split(separator: "\n").filter { $0.hasPrefix("external corpus:") }.joined(separator: "\n")
        let problems = output.stdoutText.split(separator: "\n").filter {
            $0.hasPrefix("MISS") || $0.hasPrefix("FALSE POSITIVE") || $0.hasPrefix("ERROR")
        }
        #expect(output.status == 0, "\(summary)\n\(problems.joined(separator: "\n"))\n\(output.stderrText)")
        #expect(summary.contains("0 misses") && summary.contains("0 false positives"), "\(summary)")
    }
}

/// Signatures on VBA macro source match in the sandbox as they do in-process: libclamav decodes the source with
/// iconv, whose character-set modules the inspector may read after lock-down (attack round 4 on isolation: without
/// them every module read "<Error decoding module data>"). The macro samples come from the external corpus.
struct SandboxedMacroSourceTests {
    static let samples = ["poi-SimpleMacro-doc.bin", "poi-SimpleMacro.docm.bin", "openpyxl-vba-test.xlsm.bin"].map {
        Repository.path("../shared/corpus/files/" + ($0.hasSuffix("-doc.bin") ? "disguised-type/" : "office-active/") + $0)
    }

    @Test(
        .enabled(
            if: ExternalCorpusTests.present || ProcessInfo.processInfo.environment["AIRLOCK_REQUIRE_CORPUS"] == "1",
            "../shared/corpus is absent: the macro samples were NOT scanned"
        )
    )
    func signaturesOnMacroSourceMatchInTheSandbox() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-vba-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/db", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // `attribute vb_name` (libclamav lowercases the source it dumps) and the marker of a module it could not decode.
        let signatures =
            "Airlock.Test.VBASource:0:*:6174747269627574652076625f6e616d65\n"
            + "Airlock.Test.VBADecodeError:0:*:3c4572726f72206465636f64696e67206d6f64756c6520646174613e\n"
        try signatures.write(toFile: directory + "/db/vba.ndb", atomically: false, encoding: .utf8)
        let config =
            "scanner: {engine: libclamav}\nprofiles:\n  office:\n    maxSize: 10MiB\n    allow:\n      - {extensions: [doc, docm, xlsm], types: [application/msword]}\n"
        try config.write(toFile: directory + "/airlock.yaml", atomically: false, encoding: .utf8)
        for sample in Self.samples {
            try #require(FileManager.default.fileExists(atPath: sample), "\(sample) is missing from the corpus")
            let output = try await TestProcess.run([
                PresignCommandTests.binary, "scan", "--config", directory + "/airlock.yaml", "--database", directory + "/db", "--profile", "office",
                "--json", sample,
            ])
            #expect(output.stdoutText.contains("Airlock.Test.VBASource"), "\(sample): \(output.stdoutText) \(output.stderrText)")
            #expect(!output.stdoutText.contains("Airlock.Test.VBADecodeError"), "\(sample): \(output.stdoutText)")
        }
    }
}
