import AirlockApp
import AirlockTesting
import Foundation
import Testing

/// `airlock scan` through the real executable, with the fixtures' signature database.
struct ScanCommandTests {
    let database = Repository.path("fixtures/clamav")

    func file(_ text: String, name: String = UUID().uuidString) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func airlock(_ arguments: [String]) async throws -> TestProcess.Output {
        try await TestProcess.run(
            [PresignCommandTests.binary, "scan", "--config", Repository.path("config/airlock.yaml"), "--database", database] + arguments
        )
    }

    @Test func jsonLinesAndExitCodes() async throws {
        let clean = try file("Minutes of the meeting, 21 November.\n", name: "minutes.txt")
        let eicar = try file(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#, name: "note.txt")
        let onlyClean = try await airlock(["--json", clean])
        #expect(onlyClean.status == 0, "\(onlyClean.stderrText)")
        let object = try #require(try JSONSerialization.jsonObject(with: onlyClean.stdout) as? [String: Any])
        #expect(Set(object.keys) == ["file", "outcome", "reasons", "detectedType", "sha256", "size", "signatures"])
        #expect(object["outcome"] as? String == "clean")
        #expect((object["sha256"] as? String)?.count == 64)

        let mixed = try await airlock(["--json", clean, eicar])
        #expect(mixed.status == 1)
        let lines = mixed.stdoutText.split(separator: "\n")
        #expect(lines.count == 2)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["outcome"] as? String == "infected")
        #expect((second["signatures"] as? [String])?.contains("Airlock.Test.EICAR-MD5.UNOFFICIAL") == true)
    }

    /// `--files-from` adds the listed paths (blank lines skipped) after the arguments, in order; an unreadable list
    /// is an error (exit 2).
    /// The human-readable lines escape control characters: a file name (or a verdict's string) cannot clear the
    /// screen, retitle the window or forge a line on the operator's terminal.
    @Test func textOutputEscapesControlCharacters() async throws {
        let hostile = try file("Minutes of the meeting.\n", name: "minutes\u{1B}[2J\u{1B}]0;pwned\u{07}\r\nFORGED.txt")
        let output = try await airlock([hostile])
        #expect(output.status == 1, "rejected: \(output.stderrText)")
        let text = String(decoding: output.stdout, as: UTF8.self)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(text.debugDescription)")
        #expect(text.split(separator: "\n").count == 1, "\(text.debugDescription)")
        let escaped = #"minutes\x1B[2J\x1B]0;pwned\x07\x0D\x0AFORGED.txt: rejected [text/plain] — filename_invalid: "#
        #expect(text.contains(escaped), "\(text.debugDescription)")
    }

    @Test func filesFromAList() async throws {
        let clean = try file("Minutes of the meeting, 21 November.\n", name: "minutes.txt")
        let eicar = try file(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#, name: "note.txt")
        let list = try file("\(eicar)\n\n\(clean)\n", name: "list.txt")
        let output = try await airlock(["--files-from", list, clean])
        #expect(output.status == 1)
        let files = output.stdoutText.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }
        #expect(files == [clean, eicar, clean], "\(output.stdoutText)")
        let missing = try await airlock(["--files-from", list + ".missing"])
        #expect(missing.status == 2)
        #expect(missing.stderrText.contains("--files-from"), "\(missing.stderrText)")
    }

    @Test func declaredValuesAndNamesAreChecked() async throws {
        let text = try file("plain words\n", name: "words.txt")
        let renamed = try await airlock(["--json", "--name", "invoice.pdf.exe", text])
        #expect(renamed.status == 1)
        #expect(renamed.stdoutText.contains(#""code":"extension_not_allowed""#))
        let declared = try await airlock(["--json", "--declared-size", "3", "--declared-type", "application/pdf", text])
        #expect(declared.stdoutText.contains(#""code":"size_mismatch""#))
        #expect(declared.stdoutText.contains(#""code":"type_mismatch""#))
    }

    @Test(arguments: [
        (["--declared-sha256", "xyz"], "--declared-sha256"),
        (["--profile", "nope"], "no profile 'nope'"),
        (["--name", "a.txt", "/etc/hostname", "/etc/hostname"], "--name applies to a single file"),
        ([] as [String], "name at least one file"),
    ])
    func badInputExitsTwo(_ arguments: [String], _ message: String) async throws {
        let output = try await airlock(arguments + (arguments.contains("/etc/hostname") || arguments.isEmpty ? [] : [try file("x\n", name: "x.txt")]))
        #expect(output.status == 2)
        #expect(output.stderrText.contains(message), "\(output.stderrText)")
    }

    /// A scan killed mid-walk leaves its member files behind; the next start of a scanning process in the same
    /// `scanner.tempDir` removes them (and a finished scan leaves nothing).
    @Test func aKilledScansTempFilesAreRemovedByTheNextStart() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-killed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let config = base + "/airlock.yaml"
        try """
        scanner:
          tempDir: \(base)/tmp
        profiles:
          bundles:
            maxSize: 2GiB
            allow:
              - {extensions: [zip], types: [application/zip]}
              - {extensions: [txt], types: [text/plain]}
            archives: {allowed: true, maxTotalSize: 4GiB}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // Members that take a while to inflate and scan: 8 of 32 MiB of text each.
        let archive = base + "/big.zip"
        let built = try await TestProcess.run([
            "python3", "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                + "    for n in range(8): z.writestr('part%d.txt' % n, ('line %d of the report\\n' % n) * (3 << 19))",
            archive,
        ])
        try #require(built.status == 0, "\(built.stderrText)")

        let scan = try BackgroundProcess(
            [PresignCommandTests.binary, "scan", "--config", config, "--database", database, "--profile", "bundles", archive],
            logPath: base + "/scan.log"
        )
        // Wait until it has extracted something, then kill it without a chance to clean up.
        var leftover: [String] = []
        for _ in 0..<600 where leftover.isEmpty {
            usleep(50_000)
            let directories = (try? FileManager.default.contentsOfDirectory(atPath: base + "/tmp")) ?? []
            // A file anywhere below (an inspector's private directory is one level down, in its scan's 0711 base).
            leftover = directories.filter { directory in
                directory.hasPrefix("airlock-scan.")
                    && FileManager.default.enumerator(atPath: base + "/tmp/" + directory)?.contains { name in
                        var info = stat()
                        return lstat(base + "/tmp/" + directory + "/" + (name as? String ?? ""), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
                    } == true
            }
        }
        scan.signal(SIGKILL)
        _ = scan.wait()
        try #require(!leftover.isEmpty, "the scan never extracted a member")
        #expect(FileManager.default.fileExists(atPath: base + "/tmp/" + leftover[0]))

        // The next scan sweeps it, and leaves nothing of its own.
        let small = try file("A short note.\n", name: "note.txt")
        let next = try await TestProcess.run([
            PresignCommandTests.binary, "scan", "--config", config, "--database", database, "--profile", "bundles", small,
        ])
        #expect(next.status == 0, "\(next.stderrText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base + "/tmp").isEmpty)
    }
}
