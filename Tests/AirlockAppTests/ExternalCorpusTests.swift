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
    func everyPublicAttackIsRefusedAndEveryOrdinaryFilePasses() throws {
        try #require(Self.present, "AIRLOCK_REQUIRE_CORPUS=1 but \(Self.runner) does not exist")
        let output = try TestProcess.run(["python3", Self.runner, PresignCommandTests.binary, "--jobs", "2"])
        let summary = output.stdoutText.split(separator: "\n").filter { $0.hasPrefix("external corpus:") }.joined(separator: "\n")
        let problems = output.stdoutText.split(separator: "\n").filter {
            $0.hasPrefix("MISS") || $0.hasPrefix("FALSE POSITIVE") || $0.hasPrefix("ERROR")
        }
        #expect(output.status == 0, "\(summary)\n\(problems.joined(separator: "\n"))\n\(output.stderrText)")
        #expect(summary.contains("0 misses") && summary.contains("0 false positives"), "\(summary)")
    }
}
