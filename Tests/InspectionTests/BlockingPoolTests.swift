import Foundation
import Synchronization
import Testing

@testable import Inspection

#if canImport(Glibc)
import Glibc
#endif

/// The pool of threads for blocking C calls, and `airlock scan`'s loop: each pool thread takes the next file when done
/// with one (one hop per thread, not per file).
struct BlockingPoolTests {
    @Test func jobsRunOffTheCallersThreadAndReturnTheirResults() async throws {
        let pool = BlockingPool(threads: 2)
        defer { pool.shutdown() }
        let results = await withTaskGroup(of: Int.self) { group in
            for value in 0..<16 { group.addTask { await pool.run { value * value } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<16).map { $0 * $0 })
        struct Refused: Error, Equatable {}
        await #expect(throws: Refused.self) { try await pool.run { () throws(Refused) -> Int in throw Refused() } }
    }

    @Test func aJobSubmittedAfterShutdownStillRuns() async {
        let pool = BlockingPool(threads: 1)
        pool.shutdown(waiting: false)
        // A probe already on its way when its owner stopped: it gets a thread of its own instead of a crash.
        #expect(await pool.run { 42 } == 42)
    }

    @Test func mapReturnsEveryResultInOrderOnAtMostItsLanes() async {
        let pool = BlockingPool(threads: 3)
        defer { pool.shutdown() }
        let threads = Mutex<Set<UInt>>([])
        let results = await pool.map(count: 200, lanes: 2) { index in
            threads.withLock { _ = $0.insert(UInt(pthread_self())) }
            return index * 3
        }
        #expect(results == (0..<200).map { $0 * 3 })
        #expect((1...2).contains(threads.withLock { $0.count }))
        #expect(await pool.map(count: 0, lanes: 2) { $0 }.isEmpty)
        #expect(await pool.map(count: 2, lanes: 8) { $0 } == [0, 1])
    }

    /// The worker's own digests of an upload, hex through the digest's bytes.
    @Test func theDigestsAreTheKnownOnes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-hash-\(getpid())").path
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let hashed = try Inspector.hash(descriptor: descriptor, size: 3, prefix: 2, md5: true)
        #expect(hashed.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hashed.md5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hashed.prefix == Array("ab".utf8))
    }
}
