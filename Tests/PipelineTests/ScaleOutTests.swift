import AirlockApp
import AirlockCore
import AirlockTesting
import Foundation
import Pipeline
import Testing

@testable import Catalog

#if canImport(Glibc)
import Glibc
#endif

/// Three `airlock worker` processes on one PostgreSQL catalog: every upload is processed exactly once, and with three
/// reconcilers running, each unsolicited object is recorded once.
@Suite(.serialized) struct ScaleOutTests {
    static let uploads = 300
    static let strays = 30

    @Test func threeWorkersShareOnePostgresCatalog() async throws {
        let url = ProcessInfo.processInfo.environment["AIRLOCK_TEST_POSTGRES_URL"] ?? "postgres://airlock:airlock@127.0.0.1:15432/airlock"
        let server = try CatalogSettings(url: url)
        guard case .postgres(let host, let port, let user, let password, let adminDatabase) = server.location else {
            Issue.record("not PostgreSQL"); return
        }
        let database = "airlock_scale_\(UInt32.random(in: 0...UInt32.max))"
        try await Self.withPostgres(host: host, port: port, user: user, password: password, database: adminDatabase) { admin in
            _ = try await admin.driver.query("CREATE DATABASE \(database)", [])
        }
        try await Self.withPostgres(host: host, port: port, user: user, password: password, database: database) { catalog in
            try await catalog.migrate()
            try await run(catalog: catalog, url: "postgres://\(user):\(password ?? "")@\(host):\(port)/\(database)")
        }
        try? await Self.withPostgres(host: host, port: port, user: user, password: password, database: adminDatabase) { admin in
            _ = try await admin.driver.query("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", [])
        }
    }

    func run(catalog: SQLCatalog, url: String) async throws {
        let harness = try await PipelineHarness(catalog: catalog)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-scale-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = directory + "/airlock.yaml"
        try CrashSafetyTests.configuration(harness: harness, database: "unused", temporaryDirectory: directory + "/tmp")
            .replacingOccurrences(of: "catalog: {url: \"sqlite://unused\"}", with: "catalog: {url: \"\(url)\"}")
            .replacingOccurrences(of: "reconcileInterval: 1s", with: "reconcileInterval: 300ms")
            .write(toFile: configPath, atomically: true, encoding: .utf8)

        var expectedClean = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<Self.uploads {
                let clean = number % 10 != 0
                if clean { expectedClean += 1 }
                group.addTask {
                    _ = try await harness.upload(
                        clean ? Array("text \(number)\n".utf8) : PipelineHarness.eicar,
                        filename: "f\(number).txt",
                        declaredType: "text/plain"
                    )
                }
                if number % 16 == 15 { try await group.waitForAll() }
            }
            for number in 0..<Self.strays {
                group.addTask {
                    try await harness.put(
                        Array("stray \(number)".utf8),
                        at: ObjectRef(bucket: harness.layout.incoming.bucket, key: "incoming/stray-\(number)")
                    )
                }
            }
            try await group.waitForAll()
        }

        var environment = ProcessInfo.processInfo.environment
        environment["AIRLOCK_LOG_LEVEL"] = "info"
        let binary = Repository.path(".build/debug/airlock")
        let workers = try (0..<3).map { index in
            try BackgroundProcess([binary, "worker", "--config", configPath], environment: environment, logPath: directory + "/worker-\(index).log")
        }
        try await Task.sleep(for: .seconds(2))  // the service groups are up before any SIGTERM
        let deadline = ContinuousClock.now + .seconds(180)
        let total = Self.uploads + Self.strays
        while ContinuousClock.now < deadline {
            let counts = try await harness.catalog.countByState()
            if (counts[.processed] ?? 0) + (counts[.quarantined] ?? 0) >= total { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { #expect(worker.wait() == 0) }

        let counts = try await harness.catalog.countByState()
        #expect(counts[.processed] == expectedClean, "\(counts)")
        #expect(counts[.quarantined] == total - expectedClean, "\(counts)")
        #expect(counts.values.reduce(0, +) == total, "\(counts)")  // each stray recorded once
        var all: [Upload] = []
        for state in [UploadState.processed, .quarantined] {
            var after: UploadID?
            while true {
                let page = try await harness.catalog.uploads(state: state, owner: nil, after: after, limit: 500)
                all += page
                guard let last = page.last else { break }
                after = last.id
            }
        }
        #expect(all.allSatisfy { $0.attempts == 1 }, "an upload was claimed twice")
        #expect(Set(all.compactMap(\.originalKey)).count == Self.strays)
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        #expect(try await harness.keys(under: "processed/").count == expectedClean)
        #expect(try await harness.keys(under: "quarantine/").count == total - expectedClean)
        // All three did work, and together exactly one move per upload.
        let finished = try (0..<3).map { index in
            try String(contentsOfFile: directory + "/worker-\(index).log", encoding: .utf8).components(separatedBy: "\n")
                .filter { $0.contains("upload processed") || $0.contains("upload quarantined") }.count
        }
        #expect(finished.reduce(0, +) == total, "\(finished)")
        #expect(finished.allSatisfy { $0 > 0 }, "\(finished)")
        print("scale-out: 3 workers finished \(finished) uploads")
    }

    static func withPostgres(
        host: String,
        port: Int,
        user: String,
        password: String?,
        database: String,
        _ body: @Sendable (SQLCatalog) async throws -> Void
    ) async throws {
        let opened = CatalogFactory.postgres(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            maxConnections: 8,
            logger: PipelineHarness.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await opened.run() }
            defer { group.cancelAll() }
            try await body(opened.catalog)
        }
    }
}
