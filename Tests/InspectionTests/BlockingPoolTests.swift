import Inspection
import Testing

/// The pool of threads for blocking C calls.
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
}
