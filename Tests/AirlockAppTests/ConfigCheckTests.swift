import AirlockApp
import AirlockTesting
import Foundation
import Testing

/// `airlock config check` as an operator runs it.
struct ConfigCheckTests {
    let binary = Repository.path(".build/debug/airlock")

    func check(_ yaml: String?, environment: [String: String] = [:]) async throws -> TestProcess.Output {
        var arguments = [binary, "config", "check"]
        if let yaml {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-config-\(UUID().uuidString).yaml").path
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
        } else {
            arguments += ["--config", Repository.path("config/airlock.yaml")]
        }
        return try await TestProcess.run(arguments, environment: environment)
    }

    @Test func theDocumentedConfigurationPassesAndSecretsNeverShow() async throws {
        let output = try await check(
            nil,
            environment: ["AIRLOCK_STORE_SECRET_ACCESS_KEY": "s3cr3t-value-never-printed", "AIRLOCK_WORKER_CONCURRENCY": "7"]
        )
        #expect(output.status == 0, "\(output.stdoutText)")
        #expect(output.stdoutText.hasSuffix("config check passed\n"))
        #expect(!output.stdoutText.contains("s3cr3t-value-never-printed"))
        #expect(output.stdoutText.contains("store.secretAccessKey = ***    (AIRLOCK_STORE_SECRET_ACCESS_KEY, set)"))
        #expect(output.stdoutText.contains("worker.concurrency = 7    (AIRLOCK_WORKER_CONCURRENCY, set)"))
        #expect(output.stdoutText.contains("store.accessKeyId = "))
    }

    @Test func crossChecksFindWhatEachSectionAloneAccepts() async throws {
        let output = try await check(
            """
            store: {endpoint: "http://127.0.0.1:7480", accessKeyId: a, secretAccessKey: b}
            buckets:
              incoming: {bucket: shared}
              processed: {bucket: shared, prefix: done/}
              quarantine: {bucket: shared, prefix: bad/}
            scanner: {limits: {maxFileSize: 10MiB, maxScanSize: 10MiB}}
            uploads: {expires: 2d, incomingRetention: 7d}
            catalog: {url: "postgres://airlock:hunter2@db.internal:5432/airlock"}
            profiles:
              videos:
                maxSize: 2GiB
                allow: [{extensions: [mp4], types: [video/mp4]}]
            """
        )
        #expect(output.status == 1)
        let text = output.stdoutText
        #expect(text.contains("problem: profiles.videos.maxSize (2GiB) exceeds scanner.limits.maxScanSize (10MiB)"), "\(text)")
        #expect(text.contains("problem: buckets.incoming and buckets.processed share bucket 'shared'"))
        #expect(text.contains("problem: uploads.incomingRetention 7d must be at least 1d and far above uploads.expires 2d"))
        #expect(text.contains("catalog.url = ***"))
        #expect(!text.contains("hunter2"))
        #expect(text.hasSuffix("config check failed: 3 problem(s)\n"))
    }

    /// The inspector settings' cross-checks run in `config check` too, not only when the worker starts (a newcomer
    /// found the install gate passing a configuration the service then refused).
    @Test func inspectorLimitsAreCrossCheckedBeforeTheWorkerStarts() async throws {
        let cpu = try await check(nil, environment: ["AIRLOCK_STORE_SECRET_ACCESS_KEY": "x", "AIRLOCK_WORKER_INSPECTOR_CPU_SECONDS": "100"])
        #expect(cpu.status == 1, "\(cpu.stdoutText)")
        #expect(cpu.stdoutText.contains("problem: worker.inspector.cpuSeconds (100) must be at least twice"), "\(cpu.stdoutText)")
        let uids = try await check(
            nil,
            environment: ["AIRLOCK_STORE_SECRET_ACCESS_KEY": "x", "AIRLOCK_WORKER_INSPECTOR_UID_COUNT": "4", "AIRLOCK_WORKER_CONCURRENCY": "4"]
        )
        #expect(uids.status == 1, "\(uids.stdoutText)")
        #expect(uids.stdoutText.contains("problem: worker.inspector.uidCount (4) must be at least twice the inspectors (4)"), "\(uids.stdoutText)")
    }

    @Test func webhookURLsAndTheAuditKeyAreMasked() async throws {
        let output = try await check(
            """
            store: {endpoint: "http://127.0.0.1:7480", accessKeyId: a, secretAccessKey: b}
            events: {webhooks: [{url: "https://ops:pa55word@hooks.example.com:8443/services/T0K3N?sig=s1gnature", secret: "0123456789abcdef0"}]}
            audit: {key: "an-audit-key-that-is-long-enough-0123456789"}
            profiles: {d: {maxSize: 1MiB, allow: [{extensions: [txt], types: [text/plain]}]}}
            """
        )
        let text = output.stdoutText + output.stderrText
        #expect(text.contains("events.webhooks.0.url = https://hooks.example.com:8443/…"), "\(text)")
        #expect(text.contains("audit.key = ***"), "\(text)")
        for secret in ["ops:pa55", "pa55word", "T0K3N", "s1gnature", "an-audit-key"] { #expect(!text.contains(secret), "\(secret) shows") }
    }

    /// Second round, finding F: a malformed webhook URL (a port out of range, `;` or percent-encoding in the authority,
    /// a space) is refused by name, and not printed.
    @Test func malformedWebhookURLsAreRefusedWithoutBeingShown() async throws {
        for url in [
            "https://hooks.example.com:99999/T0K3N", "https://hooks.example.com:0/T0K3N", "https://hooks.example.com:8x/T0K3N",
            "https://hooks.example.com;evil.example/T0K3N", "https://hooks.example.com%2Fevil.example/T0K3N",
            "https://ops:pa%3B@hooks.example.com/T0K3N",
            "https://hooks example.com/T0K3N", "ftp://hooks.example.com/T0K3N", "https:///T0K3N", "https://[zz]/T0K3N",
        ] {
            let output = try await check(
                """
                store: {endpoint: "http://127.0.0.1:7480", accessKeyId: a, secretAccessKey: b}
                events: {webhooks: [{url: "\(url)", secret: "0123456789abcdef0"}]}
                profiles: {d: {maxSize: 1MiB, allow: [{extensions: [txt], types: [text/plain]}]}}
                """
            )
            let text = output.stdoutText + output.stderrText
            #expect(output.status != 0 && text.contains("events.webhooks[0].url must be an http(s) URL"), "\(url): \(text)")
            #expect(!text.contains("T0K3N"), "\(url): \(text)")
        }
        for url in ["https://hooks.example.com:8443/T0K3N?a=b", "http://127.0.0.1:9/x", "https://[::1]:8443/x", "https://ops:pw@hooks.example.com"] {
            let output = try await check(
                """
                store: {endpoint: "http://127.0.0.1:7480", accessKeyId: a, secretAccessKey: b}
                events: {webhooks: [{url: "\(url)", secret: "0123456789abcdef0"}]}
                profiles: {d: {maxSize: 1MiB, allow: [{extensions: [txt], types: [text/plain]}]}}
                """
            )
            #expect(!(output.stdoutText + output.stderrText).contains("webhooks[0].url must be"), "\(url): \(output.stdoutText)\(output.stderrText)")
        }
    }

    @Test func aBrokenSectionIsNamed() async throws {
        let output = try await check(
            "scanner: {engine: clamscan}\nprofiles: {d: {maxSize: 1MiB, allow: [{extensions: [txt], types: [text/plain]}]}}\n"
        )
        #expect(output.status == 1)
        #expect(output.stdoutText.contains("problem: scanner.engine 'clamscan' must be libclamav or clamd"))
    }
}
