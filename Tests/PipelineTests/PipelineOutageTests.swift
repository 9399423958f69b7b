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
/// Stops radosgw, so it runs alone (scripts/test runs it with AIRLOCK_TEST_OUTAGE=1 after the parallel suites), on Ceph
/// RGW only (the radosgw scripts).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["AIRLOCK_TEST_OUTAGE"] == "1" && S3TestServer.isOn(.rgw)))
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
            [Repository.path(".build/debug/airlock"), "worker", "--config", configPath],
            environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/worker.log"
        )
        try await Task.sleep(for: .milliseconds(400))
        try await harness.server.radosgw("stop")
        try await Task.sleep(for: .seconds(20))
        try await harness.server.radosgw("start")
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

    /// The store stays down longer than the retries last: every upload ends visibly (quarantined, not moved out of
    /// incoming), the worker's /ready says the store is failing, and once the store is back readiness recovers and
    /// a rescan places each upload.
    @Test func aStoreThatStaysDownEndsUploadsVisiblyAndTheyAreRecoveredAfter() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-outage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metricsPort = 21_000 + Int(getpid() % 1000)
        let configPath = directory + "/airlock.yaml"
        try CrashSafetyTests.configuration(
            harness: harness,
            database: harness.databasePath,
            temporaryDirectory: directory + "/tmp",
            worker: "{concurrency: 4, maxAttempts: 1, lease: 5s, reconcileInterval: 1s, metricsPort: \(metricsPort), storeFailingAfter: 2s}"
        ).write(toFile: configPath, atomically: true, encoding: .utf8)
        var expected: [UploadID: [UInt8]] = [:]
        for number in 0..<3 {
            let bytes = Array("document \(number) kept through an outage\n".utf8)
            expected[try await harness.upload(bytes, filename: "k\(number).txt", declaredType: "text/plain").id] = bytes
        }
        try await harness.server.radosgw("stop")
        var restarted = false
        defer { if !restarted { try? harness.server.radosgwBlocking("start") } }
        let worker = try BackgroundProcess(
            [Repository.path(".build/debug/airlock"), "worker", "--config", configPath],
            environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/worker.log"
        )
        func ready() async -> Int { (try? await Curl.request("GET", "http://127.0.0.1:\(metricsPort)/ready").status) ?? 0 }
        // Bounded: one attempt, two tries to quarantine, the end (backoff 1-2 s, 2-4 s, 4-8 s).
        var deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if try await harness.catalog.countByState()[.quarantined] ?? 0 == expected.count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await harness.catalog.countByState() == [.quarantined: expected.count])
        for id in expected.keys {
            let record = try #require(try await harness.catalog.upload(id: id))
            #expect(record.destinationKey == nil && record.reasons.first?.detail.contains("not moved out of incoming") == true, "\(record)")
        }
        #expect(await ready() == 503)
        try await harness.server.radosgw("start")
        restarted = true
        deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, await ready() != 200 { try await Task.sleep(for: .milliseconds(250)) }
        #expect(await ready() == 200)
        for id in expected.keys { #expect(try await harness.catalog.requestRescan(id: id, now: SystemWallClock().now())) }
        deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let placed = try await harness.catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 10).filter { $0.destinationKey != nil }
            if placed.count == expected.count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        worker.signal(SIGTERM)
        #expect(worker.wait() == 0)
        for (id, bytes) in expected {
            let record = try #require(try await harness.catalog.upload(id: id))
            #expect(record.destinationKey != nil && record.flags == ["rescanned_clean"], "\(record)")
            #expect(try await harness.bytes(at: harness.layout.quarantine(id)) == bytes)
        }
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        #expect(try await harness.drift().isEmpty)
    }
}
