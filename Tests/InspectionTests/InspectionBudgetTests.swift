import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// One budget per upload across every archive level (members, bytes, depth, wall time), each layer decompressed once,
/// and scan temp files that never outlive their scan or their process.
struct InspectionBudgetTests {
    static func profile(maxEntries: Int = 1000, maxDepth: Int = 3, time: Duration = .seconds(120)) -> UploadProfile {
        UploadProfile(
            name: "bundles",
            maxSize: 64 << 20,
            allow: [.init(extensions: ["zip"], types: ["application/zip"]), .init(extensions: ["txt"], types: ["text/plain"])],
            archives: .init(allowed: true, maxEntries: maxEntries, maxTotalSize: 256 << 20, maxDepth: maxDepth),
            inspectionTimeLimit: time
        )
    }

    static let eicar = "('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-' + 'ANTIVIRUS-TEST-FILE!$H+H*').encode()"

    /// Runs a Python snippet with `zipfile`, `io` and `nest(members)` defined and `path` set; returns the file.
    func build(_ script: String, in directory: String) async throws -> String {
        let path = directory + "/input-\(UUID().uuidString).zip"
        let prelude = """
            import io, sys, zipfile
            path = sys.argv[1]
            def nest(members, method=zipfile.ZIP_DEFLATED):
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, 'w', method) as z:
                    for name, content in members.items(): z.writestr(name, content)
                return buffer.getvalue()

            """
        let output = try await TestProcess.run(["python3", "-c", prelude + script, path])
        try #require(output.status == 0, "\(output.stderrText)")
        return path
    }

    func withScratch<T>(_ body: (String, ScratchDirectory, Inspector) async throws -> T) async throws -> T {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-budget-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let scratch = try ScratchDirectory(in: base)
        let engine = try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits(), temporaryDirectory: scratch.path)
        let inspector = Inspector(magic: try MagicDetector(), scanner: engine, threads: 1, scratch: scratch)
        defer { inspector.shutdown() }
        return try await body(base, scratch, inspector)
    }

    @Test func aRecursiveBombEndsUnscannableWithTheLimitNamedAndNoTempFilesLeft() async throws {
        try await withScratch { base, scratch, inspector in
            // Ten levels of eight copies: 8^10 leaves if every level were walked.
            let bomb = try await build(
                """
                level = nest({'core.txt': 'x' * 4096})
                for depth in range(10):
                    level = nest({'%d-%d.zip' % (depth, copy): level for copy in range(8)})
                open(path, 'wb').write(level)
                """,
                in: base
            )
            let verdict = await inspector.inspect(InspectionRequest(path: bomb, filename: "bomb.zip", profile: Self.profile()))
            #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
            #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("nested deeper than 3 levels") }, "\(verdict.reasons)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
        }
    }

    @Test func membersAreCountedAcrossEveryLevel() async throws {
        try await withScratch { base, _, inspector in
            // 3 inner archives of 4 members each: no single directory lists more than 4, all levels together 15.
            let wide = try await build(
                """
                inner = nest({'%d.txt' % n: 'line %d\\n' % n for n in range(4)})
                open(path, 'wb').write(nest({'a.zip': inner, 'b.zip': inner, 'c.zip': inner}))
                """,
                in: base
            )
            let verdict = await inspector.inspect(InspectionRequest(path: wide, filename: "wide.zip", profile: Self.profile(maxEntries: 10)))
            #expect(verdict.outcome == .unscannable)
            #expect(verdict.reasons.contains { $0.detail.contains("more than 10 archive members at all levels together") }, "\(verdict.reasons)")
            let within = await inspector.inspect(InspectionRequest(path: wide, filename: "wide.zip", profile: Self.profile(maxEntries: 15)))
            #expect(within.outcome == .clean, "\(within.reasons)")
        }
    }

    @Test func theWallTimeBudgetStopsTheWalk() async throws {
        try await withScratch { base, _, inspector in
            let archive = try await build("open(path, 'wb').write(nest({'a.txt': 'a\\n', 'b.txt': 'b\\n'}))", in: base)
            let spent = await inspector.inspect(InspectionRequest(path: archive, filename: "a.zip", profile: Self.profile(time: .zero)))
            #expect(spent.outcome == .unscannable)
            #expect(spent.reasons.contains { $0.detail.contains("took longer than its") }, "\(spent.reasons)")
            let ample = await inspector.inspect(InspectionRequest(path: archive, filename: "a.zip", profile: Self.profile()))
            #expect(ample.outcome == .clean, "\(ample.reasons)")
        }
    }

    /// What Airlock unpacks, libclamav does not unpack again: the outer archive is scanned as bytes, each member
    /// once, where Airlock extracted it.
    @Test func walkedArchivesAreNotUnpackedAgainByTheScanner() async throws {
        try await withScratch { base, _, inspector in
            let archive = try await build("open(path, 'wb').write(nest({'docs/readme.txt': \(Self.eicar)}))", in: base)
            let engine = try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits())
            let descriptor = open(archive, O_RDONLY)
            defer { close(descriptor) }
            #expect(try engine.scan(descriptor: descriptor, name: "a.zip", unpackArchives: false) == .clean)
            #expect(try engine.scan(descriptor: descriptor, name: "a.zip", unpackArchives: true) != .clean)

            let verdict = await inspector.inspect(InspectionRequest(path: archive, filename: "a.zip", profile: Self.profile()))
            #expect(verdict.outcome == .infected)
            // Found on the member Airlock extracted, never on the archive as a whole.
            let malware = verdict.reasons.filter { $0.code == .malware }
            #expect(!malware.isEmpty)
            #expect(malware.allSatisfy { $0.detail.hasPrefix("member 'docs/readme.txt'") }, "\(verdict.reasons)")
        }
    }

    @Test func aStartRemovesWhatKilledProcessesLeftAndKeepsLiveOnes() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-sweep-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A process that has exited: its pid no longer exists.
        let child = try await TestProcess.run(["sh", "-c", "echo $$"])
        let deadPID = try #require(Int32(child.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        try #require(kill(deadPID, 0) == -1)
        let dead = base + "/airlock-scan.\(deadPID).abc123"
        try FileManager.default.createDirectory(atPath: dead + "/clamav-tmp", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dead + "/airlock-member-x", contents: Data("leftover".utf8)))
        #expect(FileManager.default.createFile(atPath: dead + "/clamav-tmp/part", contents: Data("leftover".utf8)))
        // A live process's directory (this one's parent, pid 1, always exists).
        let live = base + "/airlock-scan.1.def456"
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)

        var scratch: ScratchDirectory? = try ScratchDirectory(in: base)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live))
        let own = try #require(scratch?.path)
        #expect(FileManager.default.fileExists(atPath: own))
        #expect(FileManager.default.createFile(atPath: own + "/airlock-member-y", contents: Data("in use".utf8)))
        scratch = nil
        #expect(!FileManager.default.fileExists(atPath: own))
    }
}
