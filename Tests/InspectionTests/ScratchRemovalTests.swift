import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// A reaped inspector's hostile scratch tree (docs/isolation.md, "Users"): too deep or too big for the old removal, or
/// not removable at all, it must never keep the inspector's uid or its lock descriptor.
@Suite(.serialized)
struct ScratchRemovalTests {
    static let root = geteuid() == 0

    /// A root directory with `scratch/` (the inspectors' base) and `locks/`.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-removal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/scratch", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path + "/locks", withIntermediateDirectories: true)
        return path
    }

    static func start(_ directory: String, _ users: InspectorUsers) throws -> InspectorProcess {
        try InspectorProcess.start(
            executable: SandboxHarness.binary,
            arguments: ["inspector"],
            engine: .libclamav(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            temporaryDirectory: directory + "/scratch",
            limits: InspectorLimits(),
            users: users,
            generation: 0,
            startTimeout: .seconds(60)
        )
    }

    /// This process's descriptors open on `path`.
    static func descriptors(on path: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }.count
    }

    static func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// The inspector's directory gets a 300-deep chain and 200,000 empty files (made here as root, as an exploited
    /// inspector would as its uid); after it is reaped the directory is gone, the uid free and its lock closed.
    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func aDeepAndWideTreeIsRemovedAndTheUIDGivenBack() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let uid = InspectorLimits.defaultUIDBase + 4010
        let users = InspectorUsers(base: uid, count: 1, lockDirectory: directory + "/locks")
        let inspector = try Self.start(directory, users)
        let scratch = inspector.scratch.path
        #expect(users.held == 1 && Self.descriptors(on: directory + "/locks/\(uid)") == 1)
        var level = open(scratch, O_RDONLY | O_DIRECTORY)
        for _ in 0..<300 {
            mkdirat(level, "d", 0o700)
            let next = openat(level, "d", O_RDONLY | O_DIRECTORY)
            close(level)
            level = next
        }
        close(level)
        let wide = open(scratch, O_RDONLY | O_DIRECTORY)
        mkdirat(wide, "w", 0o700)
        let files = openat(wide, "w", O_RDONLY | O_DIRECTORY)
        close(wide)
        for index in 0..<200_000 { close(openat(files, "f\(index)", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)) }
        close(files)
        let started = ContinuousClock.now
        inspector.stop(kill: true)
        let took = ContinuousClock.now - started
        print("removal of a 300-deep chain and 200,000 files took \(took)")
        #expect(access(scratch, F_OK) != 0, "its directory is still there")
        #expect(users.held == 0, "its uid is still held")
        #expect(Self.descriptors(on: directory + "/locks/\(uid)") == 0, "its lock descriptor is still open")
        #expect(access(directory + "/\(ScratchDirectory.leftovers)", F_OK) != 0, "removed, not quarantined")
        #expect(took < .seconds(60))
        // The uid is free for the next inspector.
        let next = try Self.start(directory, users)
        next.stop(kill: true)
    }

    /// A tree even root cannot remove (an immutable file in it): quarantined (root's, 0700, moved into
    /// `airlock-leftovers`) and the uid given back, its lock closed.
    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func anUnremovableTreeIsQuarantinedAndTheUIDGivenBack() throws {
        let directory = try Self.directory()
        let uid = InspectorLimits.defaultUIDBase + 4011
        let users = InspectorUsers(base: uid, count: 1, lockDirectory: directory + "/locks")
        let inspector = try Self.start(directory, users)
        let scratch = inspector.scratch.path
        let name = String(scratch[scratch.index(after: scratch.lastIndex(of: "/")!)...])
        let quarantined = directory + "/\(ScratchDirectory.leftovers)/\(name)"
        defer {
            _ = Self.chattr("-i", quarantined + "/sub/stuck")
            _ = Self.chattr("-i", scratch + "/sub/stuck")
            try? FileManager.default.removeItem(atPath: directory)
        }
        mkdir(scratch + "/sub", 0o700)
        ScratchDirectoryTests.write(scratch + "/sub/stuck")
        ScratchDirectoryTests.write(scratch + "/sub/gone")
        _ = chown(scratch + "/sub", uid, uid)
        guard Self.chattr("+i", scratch + "/sub/stuck") else {
            inspector.stop(kill: true)
            Issue.record("chattr +i does not work on \(directory): cannot make a tree root cannot remove")
            return
        }
        inspector.stop(kill: true)
        #expect(access(scratch, F_OK) != 0, "still in the scratch base")
        #expect(users.held == 0, "its uid is still held")
        #expect(Self.descriptors(on: directory + "/locks/\(uid)") == 0, "its lock descriptor is still open")
        let owner = InspectorUsersTests.owner(quarantined)
        #expect(owner?.uid == 0 && owner?.gid == 0 && owner?.mode == 0o700, "\(quarantined): \(String(describing: owner))")
        #expect(access(quarantined + "/sub/stuck", F_OK) == 0 && access(quarantined + "/sub/gone", F_OK) != 0)
        let leftovers = InspectorUsersTests.owner(directory + "/\(ScratchDirectory.leftovers)")
        #expect(leftovers?.uid == 0 && leftovers?.mode == 0o700)
    }

    /// An inspector with a uid of its own has a hard RLIMIT_NPROC (threads of its uid), and says so.
    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func anInspectorWithItsOwnUIDHasAProcessLimit() async throws {
        try await SandboxHarness.with(size: 1) { inspector, _ in
            let pid = try #require(inspector.idlePIDs.first)
            let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
            let line = limits.split(separator: "\n").first { $0.hasPrefix("Max processes") } ?? ""
            let values = line.split(separator: " ").filter { !$0.isEmpty }
            #expect(values.count >= 4 && values[2] == "\(InspectorSandbox.maxThreads)" && values[3] == "\(InspectorSandbox.maxThreads)", "\(line)")
            #expect(inspector.layers?.description.contains("rlimits(nproc=\(InspectorSandbox.maxThreads))") == true)
            // Its threads during a scan, sampled every millisecond: the limit leaves at least four times that.
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = directory + "/a.txt"
            try Data(String(repeating: "plain text line\n", count: 50_000).utf8).write(to: URL(fileURLWithPath: file))
            let watcher = Task.detached { () -> Int in
                var peak = 0
                while !Task.isCancelled {
                    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
                    let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
                    peak = max(peak, Int(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? 0)
                    usleep(1000)
                }
                return peak
            }
            let verdict = await inspector.inspect(
                InspectionRequest(path: file, filename: "a.txt", profile: InspectorIsolationTests.profile, exclusive: true)
            )
            watcher.cancel()
            let peak = await watcher.value
            print("inspector \(pid): at most \(peak) threads during a scan (\(verdict.outcome))")
            #expect(peak >= 1 && peak * 4 <= InspectorSandbox.maxThreads)
        }
    }
}
