import Foundation
import Synchronization
import Testing

@testable import Inspection

/// Scratch directory removal (docs/isolation.md): whoever can write a scratch directory may swap a subdirectory for a
/// symbolic link while a root worker removes it; removal must never follow one, nor delete anything outside.
@Suite(.serialized)
struct ScratchDirectoryTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-scratch-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }

    final class Flag: Sendable {
        let value = Atomic(false)
    }

    static func count(_ directory: String) -> Int { (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1 }

    @Test func removalNeverFollowsADirectorySwappedForALink() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let canary = base + "/canary"
        mkdir(canary, 0o755)
        let names = (0..<100).map { "c\($0)" }
        for name in names { Self.write(canary + "/" + name) }
        // Rounds for ten seconds (the old path-based removal deleted canaries within a few).
        let end = ContinuousClock.now + .seconds(10)
        var round = 0
        while ContinuousClock.now < end {
            round += 1
            let root = base + "/airlock-scan.1.round\(round)"
            mkdir(root, 0o700)
            mkdir(root + "/d", 0o700)
            for name in names { Self.write(root + "/d/" + name) }
            let stop = Flag()
            // The attacker: keeps turning `d` into a link to the canaries and back into a directory of the same names.
            let racer = Thread {
                while !stop.value.load(ordering: .relaxed) {
                    rename(root + "/d", root + "/held")
                    symlink(canary, root + "/d")
                    for name in names.prefix(5) { Self.write(root + "/held/" + name) }
                    unlink(root + "/d")
                    rename(root + "/held", root + "/d")
                }
            }
            racer.start()
            for _ in 0..<10 {
                mkdir(root + "/d", 0o700)
                for name in names { Self.write(root + "/d/" + name) }
                _ = ScratchDirectory.removeTree(root)
                mkdir(root, 0o700)
            }
            stop.value.store(true, ordering: .relaxed)
            while !racer.isFinished { usleep(1000) }
            #expect(Self.count(canary) == names.count, "round \(round): canaries deleted")
            #expect(ScratchDirectory.removeTree(root))
            #expect(access(root, F_OK) != 0)
            if Self.count(canary) != names.count { break }
        }
    }

    /// A chain of `depth` directories `d` under `root` (made here) with a link to `outside` at every level and, with
    /// `files`, a file and a file whose name is not UTF-8 at every level too.
    static func chain(_ root: String, depth: Int, linkingTo outside: String, files: Bool) {
        mkdir(root, 0o700)
        var level = open(root, O_RDONLY | O_DIRECTORY)
        for index in 0..<depth {
            mkdirat(level, "d", 0o700)
            symlinkat(outside, level, "link")
            if files {
                close(openat(level, "f\(index)", O_WRONLY | O_CREAT, 0o600))
                close(openat(level, [CChar(bitPattern: 0xFF), CChar(bitPattern: 0xFE), 0], O_WRONLY | O_CREAT, 0o600))
            }
            let next = openat(level, "d", O_RDONLY | O_DIRECTORY)
            close(level)
            level = next
        }
        close(level)
    }

    /// A base with `outside/keep`, and the chain above at `<base>/<name>`, removed: nothing outside is touched.
    static func removeChain(named name: String, depth: Int, files: Bool) throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let outside = base + "/outside"
        mkdir(outside, 0o755)
        Self.write(outside + "/keep")
        let root = base + "/" + name
        chain(root, depth: depth, linkingTo: outside, files: files)
        #expect(ScratchDirectory.removeTree(root))
        #expect(access(root, F_OK) != 0)
        #expect(Self.count(outside) == 1)
        #expect(Self.count(base) == 1)
    }

    @Test func aDeepTreeWithLinksAndOddNamesIsRemovedAndNothingOutside() throws {
        try Self.removeChain(named: "airlock-scan.1.deep01", depth: 100, files: true)
    }

    /// A chain far deeper than the usage check's 128 levels, with a link to outside at every level: removed in one
    /// pass (the deep part moved up, never followed), nothing outside touched.
    @Test func aChainThreeHundredDeepIsRemovedWithoutFollowingLinks() throws {
        try Self.removeChain(named: "airlock-scan.1.deep02", depth: 300, files: false)
    }

    @Test func theSweepRemovesOnlyDeadProcessesDirectoriesNeverALinkNamedLikeOne() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let canary = base + "/canary"
        mkdir(canary, 0o755)
        Self.write(canary + "/keep")
        // pid 0x3FFFFFFF is above pid_max: never a live process.
        let dead = base + "/airlock-scan.1073741823.abcdef"
        mkdir(dead, 0o700)
        mkdir(dead + "/sub", 0o700)
        Self.write(dead + "/sub/f")
        symlink(canary, base + "/airlock-scan.1073741823.linked")
        mkdir(base + "/airlock-scan.1073741823.toolong7", 0o700)
        #expect(ScratchDirectory.sweep(in: base) == 1)
        #expect(access(dead, F_OK) != 0)
        #expect(Self.count(canary) == 1)
        #expect(access(base + "/airlock-scan.1073741823.toolong7", F_OK) == 0)
    }

    /// A dead worker's base too big for one start's budget is quarantined into `airlock-leftovers` (said once on
    /// stderr), not swept again in full at every start; a later start with budget to spare removes it from there.
    @Test func theSweepStopsAtItsBudgetAndALaterStartFinishes() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dead = base + "/airlock-scan.1073741823.budget"
        mkdir(dead, 0o700)
        var level = open(dead, O_RDONLY | O_DIRECTORY)
        for index in 0..<300 {
            mkdirat(level, "d", 0o700)
            close(openat(level, "f\(index)", O_WRONLY | O_CREAT, 0o600))
            let next = openat(level, "d", O_RDONLY | O_DIRECTORY)
            close(level)
            level = next
        }
        close(level)
        #expect(ScratchDirectory.sweep(in: base, budget: 50) == 0)
        #expect(access(dead, F_OK) != 0, "left in place")
        #expect(Self.count(base + "/\(ScratchDirectory.leftovers)") == 1)
        #expect(Self.count(base) == 1)
        #expect(ScratchDirectory.sweep(in: base, budget: 10_000) == 0)
        #expect(Self.count(base + "/\(ScratchDirectory.leftovers)") == 0)
    }

    @Test func usageCountsWhatIsInsideWithoutFollowingLinks() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let outside = base + "/outside"
        mkdir(outside, 0o755)
        try Data(repeating: 1, count: 4 << 20).write(to: URL(fileURLWithPath: outside + "/big"))
        let scratch = try ScratchDirectory(in: base)
        mkdir(scratch.path + "/sub", 0o700)
        try Data(repeating: 2, count: 1 << 20).write(to: URL(fileURLWithPath: scratch.path + "/sub/f"))
        symlink(outside, scratch.path + "/link")
        let used = try #require(scratch.usage(limit: 2 << 20))
        #expect(used >= 1 << 20 && used < 2 << 20)
        #expect(scratch.usage(limit: 512 << 10) == nil)
    }

    /// More entries than an honest inspector leaves (it removes what it extracted) are too much whatever their size:
    /// the walk stops there instead of holding every name (attack round 4 on isolation: a million long names).
    @Test func usageStopsAtItsEntryBudget() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let scratch = try ScratchDirectory(in: base)
        for index in 0..<ScratchDirectory.maxUsageEntries {
            close(open(scratch.path + "/\(index)", O_CREAT | O_WRONLY | O_CLOEXEC, 0o600))
        }
        #expect(scratch.usage(limit: 1 << 30) != nil, "at the budget")
        close(open(scratch.path + "/one-more", O_CREAT | O_WRONLY | O_CLOEXEC, 0o600))
        #expect(scratch.usage(limit: 1 << 30) == nil, "past it")
    }
}
