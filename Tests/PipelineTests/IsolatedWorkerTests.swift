import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Inspection
import Pipeline
import Testing

/// The worker with inspection in inspector processes (`worker.isolation: process`) against the real store.
struct IsolatedWorkerTests {
    /// An inspector killed with SIGKILL while it holds an upload: the attempt fails as `scan_failed`, the worker retries
    /// it with a fresh inspector, and the upload reaches its real verdict (EICAR: infected, in quarantine).
    @Test func anInspectorKilledMidScanCostsAnAttemptNotTheVerdict() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let scratch = harness.temporaryDirectory + "/inspectors"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let pool = SandboxedInspector(
            configuration: .init(
                engine: .libclamav(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
                size: 1,
                temporaryDirectory: scratch,
                executable: Repository.path(".build/debug/airlock")
            )
        )
        try await pool.start()
        defer { pool.shutdown() }
        let victim = try #require(pool.idlePIDs.first)
        // Stopped, it takes the upload but never answers: it is caught holding it, whatever the machine's speed.
        #expect(kill(victim, SIGSTOP) == 0)
        let upload = try await harness.upload(PipelineHarness.eicar + Array(" in a note".utf8), filename: "note.txt", declaredType: "text/plain")
        let worker = harness.worker(inspector: pool, maxAttempts: 3)
        let killer = Task {
            while !pool.idlePIDs.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(50))
            kill(victim, SIGKILL)
        }
        _ = try await worker.processBatch()
        try await killer.value
        var record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state != .quarantined && record.state != .processed, "the killed attempt must not decide: \(record)")
        for _ in 0..<3 where record.state != .quarantined && record.state != .processed {
            _ = try await worker.processBatch()
            record = try #require(try await harness.catalog.upload(id: upload.id))
        }
        #expect(record.state == .quarantined, "\(record)")
        #expect(record.outcome == .infected, "\(record.reasons)")
        #expect(record.attempts == 2, "one failed attempt, then the verdict")
        #expect(pool.counts.started == 2 && pool.counts.killed == 1)
        #expect(try await harness.keys(under: "processed/").isEmpty)
    }
}
