import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Pipeline
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The store goes away for 20 s in the middle of a run: nothing is lost, and the run completes once it is back.
/// Stops radosgw, so it runs alone (scripts/test runs it with AIRLOCK_TEST_OUTAGE=1 after the parallel suites).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["AIRLOCK_TEST_OUTAGE"] == "1"))
struct PipelineOutageTests {
    @Test func aStoreOutageMidRunLosesNothing() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-outage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = directory + "/airlock.yaml"
        try CrashSafetyTests.configuration(harness: harness, database: harness.databasePath, temporaryDirectory: directory + "/tmp")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        var expected: [UploadID: [UInt8]] = [:]
        for number in 0..<200 {
            let bytes = Array("document \(number) \(String(repeating: "text ", count: number))\n".utf8)
            expected[try await harness.upload(bytes, filename: "d\(number).txt", declaredType: "text/plain").id] = bytes
        }
        let worker = try BackgroundProcess(
            [Repository.path(".build/debug/airlock"), "worker", "--config", configPath], environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/worker.log"
        )
        try await Task.sleep(for: .milliseconds(400))
        try harness.server.radosgw("stop")
        try await Task.sleep(for: .seconds(20))
        try harness.server.radosgw("start")
        try await Task.sleep(for: .seconds(2))  // the service groups are up before any SIGTERM
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            if try await harness.catalog.countByState()[.processed] ?? 0 >= expected.count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        worker.signal(SIGTERM)
        #expect(worker.wait() == 0)
        #expect(try await harness.catalog.countByState() == [.processed: expected.count])
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        for (id, bytes) in expected {
            let record = try #require(try await harness.catalog.upload(id: id))
            #expect(try await harness.bytes(at: harness.layout.processed(id, safeName: record.safeName)) == bytes)
        }
        let retried = try await harness.catalog.uploads(state: .processed, owner: nil, after: nil, limit: 500).filter { $0.attempts > 1 }.count
        print("outage: 200 uploads, radosgw down 20 s, \(retried) needed more than one attempt; all processed")
    }
}
