import AirlockApp
import AirlockCore
import AirlockTesting
import Foundation
import Pipeline
import Testing
import Transport

@testable import Catalog

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
            .replacingOccurrences(of: "metricsPort: 0}", with: "metricsPort: \(port)}")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = try await harness.upload(Array("fine text\n".utf8), filename: "a.txt", declaredType: "text/plain")
        _ = try await harness.upload(PipelineHarness.eicar, filename: "b.txt", declaredType: "text/plain")

        let worker = try BackgroundProcess(
            [Repository.path(".build/debug/airlock"), "worker", "--config", configPath],
            environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/worker.log"
        )
        let http = try HTTPClient()
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await http.execute(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics")), response.isSuccess {
                metrics = String(decoding: response.body, as: UTF8.self)
                if metrics.contains(#"airlock_uploads{state="quarantined"} 1"#) && metrics.contains(#"airlock_uploads{state="processed"} 1"#) {
                    break
                }
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
        // Inspection runs in locked-down inspector processes: /ready names their layers, their first log line too, and
        // none of them holds the worker's secrets.
        let ready = String(decoding: try await http.execute(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/ready")).body, as: UTF8.self)
        #expect(ready.contains(#""isolation""#) && ready.contains("seccomp") && ready.contains("no_new_privs"), "\(ready)")
        let inspectors = Self.children(of: worker.pid)
        #expect(!inspectors.isEmpty, "the worker runs no inspector process")
        for pid in inspectors {
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            #expect(
                !environ.isEmpty && !String(decoding: environ, as: UTF8.self).contains(S3TestServer.current.secretKey),
                "inspector \(pid)'s environment"
            )
        }
        worker.signal(SIGTERM)
        #expect(worker.wait() == 0)
        let log = try String(contentsOfFile: directory + "/worker.log", encoding: .utf8)
        #expect(log.contains("inspector locked down: no_new_privs seccomp"), "\(log.suffix(2000))")
        for pid in inspectors { #expect(kill(pid, 0) == -1, "inspector \(pid) outlived the worker") }
    }

    /// Processes whose parent is `parent` (/proc/<pid>/stat).
    static func children(of parent: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
                return false
            }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && pid_t(fields[1]) == parent
        }
    }

    /// freshclam replaced the database: the worker loads it without a restart and queues every quarantined upload for
    /// a rescan; one that the new signatures find clean is flagged `rescanned_clean` and stays quarantined.
    @Test func aNewSignatureDatabaseIsLoadedAndTheQuarantineRescanned() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-reload-\(UUID().uuidString)").path
        let signatures = directory + "/signatures"
        try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: signatures, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["airlock-test.hdb", "airlock-test.ndb"] {
            try FileManager.default.copyItem(atPath: Repository.path("fixtures/clamav/" + name), toPath: signatures + "/" + name)
        }
        // A signature that is a false positive on an ordinary text, withdrawn by the next update.
        let marker = "quarterly figures, draft seven"
        let hex = marker.utf8.map { String(format: "%02x", $0) }.joined()
        try "Airlock.Test.FalsePositive:0:*:\(hex)\n".write(toFile: signatures + "/false-positive.ndb", atomically: true, encoding: .utf8)
        let configPath = directory + "/airlock.yaml"
        try CrashSafetyTests.configuration(harness: harness, database: harness.databasePath, temporaryDirectory: directory + "/tmp")
            .replacingOccurrences(of: "database: \"\(Repository.path("fixtures/clamav"))\"", with: "database: \"\(signatures)\", reloadInterval: 1s")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let flagged = try await harness.upload(Array("the \(marker)\n".utf8), filename: "figures.txt", declaredType: "text/plain")
        let infected = try await harness.upload(PipelineHarness.eicar, filename: "eicar.txt", declaredType: "text/plain")

        let worker = try BackgroundProcess(
            [Repository.path(".build/debug/airlock"), "worker", "--config", configPath],
            environment: ProcessInfo.processInfo.environment,
            logPath: directory + "/worker.log"
        )
        defer { worker.signal(SIGTERM); _ = worker.wait() }
        func waitFor(_ condition: @escaping () async throws -> Bool) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(200))
            }
            return false
        }
        let bothQuarantined = try await waitFor {
            let first = try await harness.catalog.upload(id: flagged.id)
            let second = try await harness.catalog.upload(id: infected.id)
            return first?.state == .quarantined && second?.state == .quarantined
        }
        #expect(bothQuarantined)
        let before = try #require(try await harness.catalog.upload(id: flagged.id))
        #expect(before.reasons.contains { $0.code == .malware && $0.detail.hasPrefix("Airlock.Test.FalsePositive") }, "\(before.reasons)")

        // The update withdraws the signature.
        try FileManager.default.removeItem(atPath: signatures + "/false-positive.ndb")
        let rescanned = try await waitFor { try await harness.catalog.upload(id: flagged.id)?.flags.contains("rescanned_clean") == true }
        #expect(rescanned, "\((try? String(contentsOfFile: directory + "/worker.log", encoding: .utf8)) ?? "")")
        let after = try #require(try await harness.catalog.upload(id: flagged.id))
        #expect(after.state == .quarantined && after.outcome == .clean && after.reasons.isEmpty)
        // EICAR is still found by the new database: rescanned, not flagged.
        let settled = try await waitFor { try await harness.catalog.upload(id: infected.id)?.flags.isEmpty == true }
        #expect(settled)
        #expect(try await harness.catalog.upload(id: infected.id)?.outcome == .infected)
        let audit = try await harness.catalog.auditEntries(after: 0, limit: 100)
        #expect(
            audit.contains { $0.actor == "system:signatures" && $0.action == "quarantine.rescan_all" && $0.detail.contains("\"queued\":2") },
            "\(audit)"
        )
    }

    @Test func migratePrintsWhatItApplied() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-migrate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "catalog: {url: \"sqlite://\(directory)/nested/catalog.sqlite\"}\n".write(
            toFile: directory + "/airlock.yaml",
            atomically: true,
            encoding: .utf8
        )
        let binary = Repository.path(".build/debug/airlock")
        let first = try await TestProcess.run([binary, "migrate", "--config", directory + "/airlock.yaml"])
        #expect(first.status == 0, "\(first.stderrText)")
        // Opening a SQLite catalog migrates it: by the time `migrate` runs, nothing is left to apply.
        #expect(first.stdoutText == "{\"applied\":0,\"version\":6}\n")
        let bad = try await TestProcess.run(
            [binary, "migrate", "--config", directory + "/airlock.yaml"],
            environment: ["AIRLOCK_CATALOG_URL": "postgres://user:hunter2@/db"]
        )
        #expect(bad.status == 2)
        #expect(bad.stderrText.hasPrefix("airlock: catalog.url"))
        #expect(!bad.stderrText.contains("hunter2"))
    }

    /// The test server speaks no TLS: `prefer` falls back to plain, `require` fails with a clear error.
    @Test func postgresTLSModesFollowLibpq() async throws {
        let url = ProcessInfo.processInfo.environment["AIRLOCK_TEST_POSTGRES_URL"] ?? "postgres://airlock:airlock@127.0.0.1:15432/airlock"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-pgtls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "catalog: {url: \"sqlite://\(directory)/unused.sqlite\"}\n".write(toFile: directory + "/airlock.yaml", atomically: true, encoding: .utf8)
        let binary = Repository.path(".build/debug/airlock")
        func migrate(_ query: String) async throws -> TestProcess.Output {
            try await TestProcess.run(
                [binary, "migrate", "--config", directory + "/airlock.yaml"],
                environment: ["AIRLOCK_CATALOG_URL": url + query]
            )
        }
        for query in ["", "?sslmode=prefer", "?sslmode=disable"] {
            let result = try await migrate(query)
            #expect(result.status == 0, "\(query): \(result.stderrText)")
        }
        // Statements wait for the pool to run: no warning about a lease before `run()` on a plain command.
        let key = try await TestProcess.run(
            [
                binary, "keys", "create", "--role", "uploader", "--name", "pg-\(UUID().uuidString.prefix(8).lowercased())", "--config",
                directory + "/airlock.yaml",
            ],
            environment: ["AIRLOCK_CATALOG_URL": url]
        )
        #expect(key.status == 0 && key.stderrText.isEmpty, "\(key.stderrText)")
        let required = try await migrate("?sslmode=require")
        #expect(required.status == 2)
        #expect(
            required.stderrText.contains("the server does not offer TLS (sslmode=require)") && !required.stderrText.contains(":airlock@"),
            "\(required.stderrText)"
        )
    }

    @Test func auditVerifyFindsAlteredAndMissingEntries() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/airlock.yaml"
        try "catalog: {url: \"sqlite://\(directory)/catalog.sqlite\"}\n".write(toFile: config, atomically: true, encoding: .utf8)
        let catalog = try await CatalogFactory.openSQLite(path: directory + "/catalog.sqlite", logger: PipelineHarness.logger)
        for number in 1...3 {
            _ = try await catalog.appendAudit(
                AuditEntry(
                    at: 1_795_301_999_000,
                    actor: "key:reviewer",
                    action: "quarantine.release",
                    uploadID: "u\(number)",
                    note: "checked \(number)"
                ),
                seal: AuditSeal.sha256
            )
        }
        let binary = Repository.path(".build/debug/airlock")
        let verified = try await TestProcess.run([binary, "audit", "verify", "--config", config])
        #expect(verified.status == 0)
        #expect(verified.stdoutText.hasPrefix("audit log verified: 3 entries, head "))
        let exported = try await TestProcess.run([binary, "audit", "export", "--config", config])
        let lines = exported.stdoutText.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(
            lines.first?.hasPrefix(
                #"{"sequence":1,"at":"2026-11-21T22:59:59Z","actor":"key:reviewer","action":"quarantine.release","uploadId":"u1","note":"checked 1""#
            ) == true
        )

        _ = try await catalog.driver.query("UPDATE audit_log SET note = 'nothing to see' WHERE sequence = 2", [])
        let altered = try await TestProcess.run([binary, "audit", "verify", "--config", config])
        #expect(altered.status == 1)
        #expect(altered.stdoutText == "audit log broken: 1 problem in 3 entries\n  entry 2 was altered\n")
        _ = try await catalog.driver.query("DELETE FROM audit_log WHERE sequence = 2", [])
        let removed = try await TestProcess.run([binary, "audit", "verify", "--config", config])
        #expect(removed.status == 1)
        #expect(removed.stdoutText == "audit log broken: 1 problem in 2 entries\n  entry 2 is missing (next is 3)\n")
        await catalog.close()
    }
}
