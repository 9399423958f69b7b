import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// One uid per live inspector and private scratch directories (docs/isolation.md, "Users"): a root worker's inspectors
/// cannot see, watch, stat into or change each other's scratch directories, and a uid goes to a new inspector only
/// once its previous holder is reaped and its directory removed.
@Suite(.serialized)
struct InspectorUsersTests {
    static let root = geteuid() == 0

    /// The Uid and Gid lines of /proc/<pid>/status: real, effective, saved, filesystem.
    static func ids(_ pid: Int32) throws -> (uids: [UInt32], gids: [UInt32]) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func field(_ name: String) -> [UInt32] {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return line.dropFirst(name.count + 1).split(separator: "\t").compactMap { UInt32($0) }
        }
        return (field("Uid"), field("Gid"))
    }

    static func owner(_ path: String) -> (uid: UInt32, gid: UInt32, mode: UInt32)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (info.st_uid, info.st_gid, UInt32(info.st_mode) & 0o7777)
    }

    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func concurrentInspectorsRunAsDistinctUsersInPrivateDirectories() async throws {
        try await SandboxHarness.with(size: 3) { inspector, base in
            let inspectors = inspector.idleScratch
            try #require(inspectors.count == 3)
            var uids: Set<UInt32> = []
            let range = InspectorLimits.defaultUIDBase..<InspectorLimits.defaultUIDBase + UInt32(InspectorLimits.defaultUIDCount)
            for (pid, scratch) in inspectors {
                let (pidUIDs, pidGIDs) = try Self.ids(pid)
                let uid = try #require(pidUIDs.first)
                #expect(pidUIDs == [uid, uid, uid, uid] && pidGIDs == [uid, uid, uid, uid], "inspector \(pid): \(pidUIDs) \(pidGIDs)")
                #expect(range.contains(uid), "inspector \(pid) runs as \(uid), outside the range")
                uids.insert(uid)
                // Its directory: its own, 0700, a name nobody can guess, in the worker's 0711 base.
                let own = try #require(Self.owner(scratch))
                #expect(own.uid == uid && own.gid == uid && own.mode == 0o700, "\(scratch): \(own)")
                let name = scratch.split(separator: "/").last ?? ""
                #expect(name.hasPrefix("i.") && name.count == 34, "\(name)")
                let parent = String(scratch[..<(scratch.lastIndex(of: "/") ?? scratch.endIndex)])
                #expect(parent.hasPrefix(base + "/airlock-scan."), "\(parent)")
                let baseInfo = try #require(Self.owner(parent))
                #expect(baseInfo.uid == 0 && baseInfo.mode == 0o711, "\(parent): \(baseInfo)")
            }
            #expect(uids.count == 3, "inspectors share a uid: \(uids)")
            #expect(inspector.users?.held == 3)
            #expect(inspector.layers?.ownUser == true && inspector.layers?.description.contains("user-per-inspector") == true)
        }
    }

    /// Inspector A, exploited (the probe, locked down as A's uid in A's directory), tries B's directory: the paths are
    /// handed to it here; a real one cannot even learn B's name (the base is not listable). Under a `tempDir` anyone may
    /// pass through (as /tmp), so that only the base, B's directory and the uids stand in the way.
    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func anInspectorCannotListWatchStatIntoOrChmodASiblingsScratchDirectory() async throws {
        try await SandboxHarness.with(size: 2, parentMode: 0o755) { inspector, _ in
            let inspectors = inspector.idleScratch
            try #require(inspectors.count == 2)
            let (pidA, scratchA) = inspectors[0]
            let (pidB, scratchB) = inspectors[1]
            let uidA = try #require(try Self.ids(pidA).uids.first)
            let uidB = try #require(try Self.ids(pidB).uids.first)
            // Something of B's for A to look for.
            let member = scratchB + "/member"
            try Data("B's extracted member\n".utf8).write(to: URL(fileURLWithPath: member))
            chown(member, uidB, uidB)
            defer { unlink(member) }
            let output = try await TestProcess.run([
                SandboxHarness.binary, "inspector", "--probe", scratchA, "--uid", "\(uidA)", "--sibling", scratchB,
            ])
            try #require(output.status == 0, "\(output.stderrText)")
            let object = try JSONSerialization.jsonObject(with: Data(output.stdoutText.utf8)) as? [String: Any]
            let probe = try #require(object, "\(output.stdoutText)").compactMapValues { $0 as? String }
            #expect((object?["uid"] as? Int) == Int(uidA), "\(output.stdoutText)")
            // Landlock covers listing; the distinct uid and the modes refuse stat; seccomp refuses inotify, chmod and
            // utimensat outright (the uid's EACCES was the answer before the filter admitted only a list of calls).
            #expect(probe["siblingList"] == "EACCES", "opendir(B): \(String(describing: probe["siblingList"]))")
            #expect(probe["siblingWatch"] == "EPERM", "inotify_add_watch(B): \(String(describing: probe["siblingWatch"]))")
            #expect(probe["siblingEntryStat"] == "EACCES", "stat(B/member): \(String(describing: probe["siblingEntryStat"]))")
            #expect(probe["siblingChmod"] == "EPERM", "chmod(B): \(String(describing: probe["siblingChmod"]))")
            #expect(probe["siblingTouch"] == "EPERM", "utimensat(B): \(String(describing: probe["siblingTouch"]))")
            #expect(probe["baseList"] == "EACCES", "opendir(base): \(String(describing: probe["baseList"]))")
            #expect(probe["baseWatch"] == "EPERM", "inotify_add_watch(base): \(String(describing: probe["baseWatch"]))")
            #expect(Self.owner(scratchB)?.mode == 0o700, "B's directory changed mode")
        }
    }

    /// With one uid in the range: a second inspector cannot start while the first lives; once the first is reaped and
    /// its directory removed, the next one gets that uid.
    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func aUIDIsNotReusedWhileItsHolderLives() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-users-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/locks", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let users = InspectorUsers(base: InspectorLimits.defaultUIDBase + 4000, count: 1, lockDirectory: base + "/locks")
        func start() throws(InspectionError) -> InspectorProcess {
            try InspectorProcess.start(
                executable: SandboxHarness.binary,
                arguments: ["inspector"],
                engine: .libclamav(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
                temporaryDirectory: base,
                limits: InspectorLimits(),
                users: users,
                generation: 0,
                startTimeout: .seconds(60)
            )
        }
        let first = try start()
        let uid = try #require(try Self.ids(first.pid).uids.first)
        #expect(uid == InspectorLimits.defaultUIDBase + 4000)
        #expect(throws: InspectionError.self, "a second inspector got the live one's uid") { _ = try start() }
        #expect(users.held == 1)
        let firstScratch = first.scratch.path
        first.stop(kill: false)
        #expect(kill(first.pid, 0) == -1 && errno == ESRCH, "not reaped")
        #expect(!FileManager.default.fileExists(atPath: firstScratch), "its directory is still there")
        #expect(users.held == 0)
        let second = try start()
        defer { second.stop(kill: true) }
        #expect(try Self.ids(second.pid).uids.first == uid)
    }

    /// `worker.inspector.uidCount: 0`: every inspector becomes the one shared `uid`/`gid`, as before the range, and
    /// says so.
    @Test(.enabled(if: root, "needs root: only a root worker gives each inspector a user of its own (CI runs as root)"))
    func withNoRangeEveryInspectorRunsAsTheSharedUser() async throws {
        try await SandboxHarness.with(size: 2, limits: InspectorLimits(uidCount: 0)) { inspector, _ in
            for (pid, _) in inspector.idleScratch {
                let uids = try Self.ids(pid).uids
                #expect(uids == [65534, 65534, 65534, 65534], "inspector \(pid): \(uids)")
            }
            #expect(inspector.users == nil)
            #expect(inspector.layers?.description.contains("user-dropped user-shared") == true, "\(String(describing: inspector.layers))")
        }
    }

    /// Another worker (another ``InspectorUsers`` on the same lock directory) never gets a uid this one holds; a
    /// released uid is handed out last.
    @Test func claimsGoRoundTheRangeAndSkipUIDsAnotherWorkerHolds() throws {
        let locks = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-uid-locks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: locks) }
        let one = InspectorUsers(base: 5000, count: 3, lockDirectory: locks)
        let other = InspectorUsers(base: 5000, count: 3, lockDirectory: locks)
        let a = try one.claim()
        let b = try other.claim()
        let c = try one.claim()
        #expect(Set([a.uid, b.uid, c.uid]) == [5000, 5001, 5002], "\(a.uid) \(b.uid) \(c.uid)")
        #expect(throws: InspectionError.self) { _ = try other.claim() }
        a.release()
        a.release()  // once only
        #expect(one.held == 1)
        let again = try other.claim()
        #expect(again.uid == a.uid)
        b.release()
        c.release()
        again.release()
        // Round the range: a uid just given back is not the next one handed out.
        let next = try one.claim()
        next.release()
        let after = try one.claim()
        #expect(after.uid != next.uid, "\(next.uid) again")
        after.release()
    }

    /// A lock counts only on the file the uid's name still names: not on one unlinked since (its directory removed, as
    /// systemd removes a unit's RuntimeDirectory), nor once another file took the name.
    @Test func aLockCountsOnlyOnTheFileItsNameStillNames() throws {
        let locks = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-uid-locks-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: locks) }
        let directory = try InspectorUsers.openLockDirectory(locks)
        defer { close(directory) }
        let first = openat(directory, "5000", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(first >= 0)
        defer { close(first) }
        #expect(InspectorUsers.stillNamed(first, "5000", in: directory))
        #expect(unlinkat(directory, "5000", 0) == 0)
        #expect(!InspectorUsers.stillNamed(first, "5000", in: directory), "an unlinked file")
        let second = openat(directory, "5000", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(second >= 0)
        defer { close(second) }
        #expect(!InspectorUsers.stillNamed(first, "5000", in: directory), "the name now names another file")
        #expect(InspectorUsers.stillNamed(second, "5000", in: directory))
        // A claim locks the file its name names.
        let users = InspectorUsers(base: 5000, count: 1, lockDirectory: locks)
        let lease = try users.claim()
        #expect(flock(second, LOCK_EX | LOCK_NB) != 0, "the claim's lock is not on the named file")
        lease.release()
    }

    /// Locks in a directory anyone may write could be held or faked by anyone: refused, no uid handed out.
    @Test func aRangeOutsideTheUserNamespacesMappingIsNamed() {
        // A rootless container runtime's map: 0 is the user, 1..65536 a subordinate block.
        let map = "         0       1000          1\n         1     100000      65536\n"
        #expect(InspectorUsers.covers(map, base: 60000, count: 4096))
        #expect(!InspectorUsers.covers(map, base: 62000, count: 4096), "runs past the mapped block")
        #expect(!InspectorUsers.covers(map, base: 2_100_000_000, count: 4096))
        #expect(InspectorUsers.covers("0 0 4294967295", base: 2_100_000_000, count: 4096))
        // Two adjacent extents cover a range across their border; a gap does not.
        #expect(InspectorUsers.covers("0 0 100\n100 500 100", base: 50, count: 100))
        #expect(!InspectorUsers.covers("0 0 100\n101 500 100", base: 50, count: 100))
        // This machine's own map (the tests run with a full one, or the range is inside it).
        #expect(InspectorUsers(base: 2_100_000_000, count: 4096, lockDirectory: nil).mappingProblem() == nil)
    }

    @Test func aRangeHoldingAnAccountsIdIsNamed() {
        // uid 0 is root on every machine; the default range is no account's here.
        let problem = InspectorUsers(base: 0, count: 2, lockDirectory: nil).accountProblem()
        #expect(problem?.contains("account 'root' (uid 0)") == true, "\(problem ?? "nil")")
        #expect(InspectorUsers(base: 2_100_000_000, count: 4096, lockDirectory: nil).accountProblem() == nil)
    }

    @Test func aLockDirectoryOthersMayWriteIsRefused() throws {
        let locks = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-uid-locks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: locks, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: locks) }
        chmod(locks, 0o777)
        #expect { _ = try InspectorUsers(base: 5000, count: 3, lockDirectory: locks).claim() } throws: { "\($0)".contains("not this user's alone") }
    }
}
