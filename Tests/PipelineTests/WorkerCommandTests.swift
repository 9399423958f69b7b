import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Pipeline
import Testing
import Transport

#if canImport(Glibc)
import Glibc
#endif

/// `airlock worker` as an operator runs it: /health and /metrics on worker.metricsPort; `airlock migrate`.
@Suite(.serialized) struct WorkerCommandTests {
    @Test func theWorkerServesHealthAndPrometheusMetrics() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-metrics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = 19_000 + Int(getpid() % 500)
        let configPath = directory + "/airlock.yaml"
        try CrashSafetyTests.configuration(harness: harness, database: harness.databasePath, temporaryDirectory: directory + "/tmp")
            .replacingOccurrences(of: "reconcileInterval: 1s}", with: "reconcileInterval: 1s, metricsPort: \(port)}")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = try await harness.upload(Array("fine text\n".utf8), filename: "a.txt", declaredType: "text/plain")
        _ = try await harness.upload(PipelineHarness.eicar, filename: "b.txt", declaredType: "text/plain")

        let worker = try BackgroundProcess(
            [Repository.path(".build/debug/airlock"), "worker", "--config", configPath], environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/worker.log"
        )
        let http = try HTTPClient()
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await http.execute(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics")), response.isSuccess {
                metrics = String(decoding: response.body, as: UTF8.self)
                if metrics.contains(#"airlock_uploads{state="quarantined"} 1"#) && metrics.contains(#"airlock_uploads{state="processed"} 1"#) { break }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(metrics.contains(#"airlock_uploads{state="processed"} 1"#), "\(metrics.prefix(3000))")
        #expect(metrics.contains(#"airlock_pipeline_outcomes_total{outcome="infected"} 1"#), "\(metrics.prefix(3000))")
        #expect(metrics.contains(#"airlock_security_violations_total{outcome="infected"} 1"#))
        #expect(metrics.contains("airlock_inspection_duration_seconds"))
        #expect(metrics.contains("airlock_s3_requests_total"))
        #expect(!metrics.contains(S3TestServer.current.secretKey))
        let health = try await http.execute(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/health"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
        worker.signal(SIGTERM)
        #expect(worker.wait() == 0)
    }

    @Test func migratePrintsWhatItApplied() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-migrate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "catalog: {url: \"sqlite://\(directory)/nested/catalog.sqlite\"}\n".write(toFile: directory + "/airlock.yaml", atomically: true, encoding: .utf8)
        let binary = Repository.path(".build/debug/airlock")
        let first = try TestProcess.run([binary, "migrate", "--config", directory + "/airlock.yaml"])
        #expect(first.status == 0, "\(first.stderrText)")
        // Opening a SQLite catalog migrates it: by the time `migrate` runs, nothing is left to apply.
        #expect(first.stdoutText == "{\"applied\":0,\"version\":2}\n")
        let bad = try TestProcess.run([binary, "migrate", "--config", directory + "/airlock.yaml"], environment: ["AIRLOCK_CATALOG_URL": "postgres://user:hunter2@/db"])
        #expect(bad.status == 2)
        #expect(bad.stderrText.hasPrefix("airlock: catalog.url"))
        #expect(!bad.stderrText.contains("hunter2"))
    }
}
