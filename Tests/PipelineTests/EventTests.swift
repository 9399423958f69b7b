import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Pipeline
import Testing
import Transport

/// Verdict events: queued with the finish, signed, retried after failures, delivered at least once.
@Suite struct EventTests {
    struct Received: Decodable {
        var delivery: String
        var type: String?
        var verified: Bool
        var status: Int
        var body: String
    }

    @Test func verdictsReachTheWebhookSignedAndRetried() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let secret = "a-webhook-secret-of-some-length"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-hooks-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let receiver = try TestHTTPServer(script: "webhook_receiver.py", arguments: [secret, log, "2"])
        let webhooks = [
            Webhook(url: receiver.baseURL + "/hook", secret: secret, types: ["upload.processed", "upload.quarantined"]),
            // A second subscriber with the wrong secret only wants quarantines: its deliveries are refused (401) and retried.
            Webhook(url: receiver.baseURL + "/hook?security", secret: "not-the-receivers-secret", types: ["upload.quarantined"]),
        ]
        let worker = Worker(
            configuration: WorkerConfiguration(
                workerID: "w",
                concurrency: 2,
                retryBaseMillis: 0,
                retryMaxMillis: 0,
                temporaryDirectory: FileManager.default.temporaryDirectory.path,
                engine: "test"
            ),
            layout: harness.layout,
            catalog: harness.catalog,
            store: harness.store,
            inspector: harness.inspector,
            profiles: harness.profiles,
            clock: SystemWallClock(),
            webhooks: webhooks,
            logger: PipelineHarness.logger
        )
        let clean = try await harness.upload(PipelineHarness.pdf("fine"), filename: "fine.pdf")
        let infected = try await harness.upload(PipelineHarness.eicar, filename: "bad.txt", declaredType: "text/plain")
        while try await worker.processBatch() > 0 {}
        #expect(try await harness.catalog.events(uploadID: clean.id.rawValue).count == 1)
        #expect(try await harness.catalog.events(uploadID: infected.id.rawValue).count == 2)
        // The catalog records a masked reference of each webhook, never its URL (path and query may be its token).
        let recorded = try await harness.catalog.events(uploadID: infected.id.rawValue).map(\.webhook)
        #expect(
            Set(recorded) == Set(webhooks.map(\.reference)) && recorded.allSatisfy { !$0.contains("hook") && !$0.contains("security") },
            "\(recorded)"
        )

        let http = try HTTPClient()
        let sender = EventSender(
            catalog: harness.catalog,
            http: http,
            webhooks: webhooks,
            senderID: "s",
            clock: SystemWallClock(),
            retryBaseMillis: 1,
            retryMaxMillis: 1,
            logger: PipelineHarness.logger
        )
        for _ in 0..<6 {
            try await sender.sendDue()
            try await Task.sleep(for: .milliseconds(20))
        }
        let received = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Received.self, from: Data($0.utf8))
        }
        let delivered = received.filter { $0.status == 204 }
        // Each good delivery failed twice (503), then arrived once, verified.
        #expect(Set(delivered.map(\.type)) == ["upload.processed", "upload.quarantined"])
        #expect(delivered.count == 2)
        #expect(delivered.allSatisfy { $0.verified })
        #expect(received.filter { $0.status == 503 }.count == 4)
        let quarantinedBody = try #require(delivered.first { $0.type == "upload.quarantined" }?.body)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(quarantinedBody.utf8)) as? [String: Any])
        #expect(object["id"] as? String == infected.id.rawValue)
        #expect(object["outcome"] as? String == "infected")
        #expect(object["owner"] as? String == "key:app")
        #expect((object["sha256"] as? String)?.count == 64)
        // The badly signed subscriber was refused each time and stays queued with its error.
        #expect(received.filter { !$0.verified }.allSatisfy { $0.status == 401 })
        let pending = try await harness.catalog.events(uploadID: infected.id.rawValue).filter { $0.deliveredAt == nil }
        #expect(pending.count == 1 && pending.first?.lastError == "HTTP 401" && (pending.first?.attempts ?? 0) >= 3)
        #expect(await EventSigning.signature(secret: "k", timestamp: 1, body: "{}") == "t=1,v1=" + hmacHex(key: "k", message: "1.{}"))
    }
}

/// HMAC-SHA256 by Python's standard library, as an independent check of the signature format.
func hmacHex(key: String, message: String) async -> String {
    let output = try? await TestProcess.run([
        "python3", "-c", "import hmac,hashlib,sys;print(hmac.new(sys.argv[1].encode(),sys.argv[2].encode(),hashlib.sha256).hexdigest())", key,
        message,
    ])
    return output?.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
}
