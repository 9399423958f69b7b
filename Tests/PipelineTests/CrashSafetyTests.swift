import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Pipeline
import S3
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `airlock worker` processes killed with SIGKILL at random moments, then restarted: every object still ends exactly
/// once in processed or quarantine, byte for byte, nothing stays in incoming, and the catalog agrees with the bucket.
@Suite(.serialized) struct CrashSafetyTests {
    static let objects = 500
    static let kills = 20

    /// The configuration file of the worker processes.
    static func configuration(
        harness: PipelineHarness,
        database: String,
        temporaryDirectory: String,
        worker: String = "{concurrency: 4, maxAttempts: 50, lease: 2s, reconcileInterval: 1s, metricsPort: 0}"
    ) -> String {
        let server = S3TestServer.current
        return """
            store: {backend: \(server.backend.rawValue), endpoint: "\(server.endpoint)", region: \(server.region), addressing: path,
                    accessKeyId: \(server.accessKey), secretAccessKey: "\(server.secretKey)"}
            buckets:
              incoming: {bucket: \(harness.layout.incoming.bucket), prefix: incoming/}
              processed: {bucket: \(harness.layout.processed.bucket), prefix: processed/}
              quarantine: {bucket: \(harness.layout.quarantine.bucket), prefix: quarantine/}
            catalog: {url: "sqlite://\(database)"}
            scanner: {engine: libclamav, database: "\(Repository.path("fixtures/clamav"))", tempDir: "\(temporaryDirectory)"}
            worker: \(worker)
            profiles:
              documents:
                maxSize: 1MiB
                allow:
                  - {extensions: [txt], types: [text/plain]}
            """
    }

    @Test func killedWorkersNeverLoseOrDuplicateAnObject() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = directory + "/airlock.yaml"
        try Self.configuration(harness: harness, database: harness.databasePath, temporaryDirectory: directory + "/tmp")
            .write(toFile: configPath, atomically: true, encoding: .utf8)

        // 500 intents with their objects in incoming: one in five is EICAR.
        var expected: [UploadID: (bytes: [UInt8], clean: Bool)] = [:]
        var rng = SeededGenerator(seed: 500)
        try await withThrowingTaskGroup(of: (UploadID, [UInt8], Bool).self) { group in
            for number in 0..<Self.objects {
                let clean = number % 5 != 0
                let text =
                    clean
                    ? Array("file \(number): \(String(repeating: "lorem ipsum ", count: Int.random(in: 1...300, using: &rng)))\n".utf8)
                    : PipelineHarness.eicar
                group.addTask {
                    let upload = try await harness.upload(text, filename: "file-\(number).txt", declaredType: "text/plain")
                    return (upload.id, text, clean)
                }
                if number % 16 == 15 { for try await (id, bytes, clean) in group { expected[id] = (bytes, clean) } }
            }
            for try await (id, bytes, clean) in group { expected[id] = (bytes, clean) }
        }
        #expect(expected.count == Self.objects)

        // Workers killed at random moments.
        let binary = Repository.path(".build/debug/airlock")
        var environment = ProcessInfo.processInfo.environment
        environment["AIRLOCK_LOG_LEVEL"] = "warning"
        for round in 0..<Self.kills {
            let worker = try BackgroundProcess(
                [binary, "worker", "--config", configPath],
                environment: environment,
                logPath: directory + "/worker.log"
            )
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...900, using: &rng)))
            #expect(!worker.hasExited, "worker \(round) ended by itself: \(Self.tail(directory + "/worker.log"))")
            worker.signal(SIGKILL)
            #expect(worker.wait() == 128 + SIGKILL)
        }
        // Then one runs to the end and is stopped gracefully.
        let last = try BackgroundProcess([binary, "worker", "--config", configPath], environment: environment, logPath: directory + "/worker.log")
        // (Give it time to start its service group: a SIGTERM before that ends it the default way.)
        try await Task.sleep(for: .seconds(2))
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            let counts = try await harness.catalog.countByState()
            if (counts[.processed] ?? 0) + (counts[.quarantined] ?? 0) >= Self.objects { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        last.signal(SIGTERM)
        #expect(last.wait() == 0, "\(Self.tail(directory + "/worker.log"))")

        // Every object exactly once, where its verdict says, byte for byte; nothing left in incoming.
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        let processed = Set(try await harness.keys(under: "processed/"))
        let quarantined = Set(try await harness.keys(under: "quarantine/"))
        #expect(processed.count + quarantined.count == Self.objects, "processed \(processed.count), quarantined \(quarantined.count)")
        let counts = try await harness.catalog.countByState()
        #expect(counts.values.reduce(0, +) == Self.objects, "\(counts)")  // no unsolicited or duplicate records
        var interrupted = 0
        for (id, object) in expected {
            let record = try #require(try await harness.catalog.upload(id: id))
            if record.attempts > 1 { interrupted += 1 }
            let processedKey = harness.layout.processed(id, safeName: record.safeName).key
            let quarantineKey = harness.layout.quarantine(id).key
            if object.clean {
                #expect(record.state == .processed && record.outcome == .clean, "\(id): \(record.state) \(record.reasons)")
                #expect(processed.contains(processedKey) && !quarantined.contains(quarantineKey))
            } else {
                #expect(record.state == .quarantined && record.outcome == .infected, "\(id): \(record.state) \(record.reasons)")
                #expect(quarantined.contains(quarantineKey) && !processed.contains(processedKey))
            }
            let location = ObjectRef(bucket: harness.layout.incoming.bucket, key: object.clean ? processedKey : quarantineKey)
            #expect(try await harness.bytes(at: location) == object.bytes, "\(id) is not byte-identical")
        }
        // The kills did land mid-work: uploads whose lease died with a worker were claimed again.
        #expect(interrupted > 0)
        print("crash run: \(Self.objects) objects, \(Self.kills) SIGKILLs, \(interrupted) uploads interrupted and resumed")
        // No temp file outlives its worker for long: the last worker's reconciler removes old ones; none are fresh.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory + "/tmp").filter { $0.hasPrefix("airlock-object-") }
        #expect(leftovers.count <= Self.kills * 4)
    }

    static func tail(_ path: String) -> String {
        String((try? String(contentsOfFile: path, encoding: .utf8))?.suffix(2000) ?? "")
    }
}
