import AirlockCore
import Testing

@testable import Catalog

/// Audit log, hash lists and event deliveries, on both engines.
@Suite struct CatalogRecordsTests {
    /// A stand-in seal for the chain (the real one is SHA-256 in the pipeline): deterministic and order-sensitive.
    static let seal: @Sendable (String, AuditEntry) -> String = { previous, entry in
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in entry.canonicalText(previousHash: previous).utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return String(hash, radix: 16)
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func auditAppendsChainInOrderUnderConcurrency(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for number in 0..<40 {
                    group.addTask {
                        _ = try await catalog.appendAudit(
                            AuditEntry(
                                at: Int64(number),
                                actor: "key:reviewer",
                                action: "quarantine.release",
                                uploadID: "u\(number)",
                                note: "note \(number)"
                            ),
                            seal: Self.seal
                        )
                    }
                }
                try await group.waitForAll()
            }
            let entries = try await catalog.auditEntries(after: 0, limit: 100)
            #expect(entries.map(\.sequence) == Array(1...40))
            var previous = AuditEntry.genesisHash
            for entry in entries {
                #expect(entry.previousHash == previous)
                #expect(entry.hash == Self.seal(previous, entry))
                previous = entry.hash
            }
            #expect(try await catalog.auditEntries(after: 38, limit: 10).map(\.sequence) == [39, 40])
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func hashListsHoldOneListPerHash(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let a = String(repeating: "a", count: 64)
            let b = String(repeating: "B", count: 64)
            try await catalog.setHashListEntry(HashListEntry(sha256: a, list: .deny, note: "sample", actor: "key:sec", createdAt: 1))
            try await catalog.setHashListEntry(HashListEntry(sha256: b, list: .allow, note: nil, actor: "key:sec", createdAt: 2))
            var lists = try await catalog.hashLists()
            #expect(lists.deny == [a] && lists.allow == [b.lowercased()])
            try await catalog.setHashListEntry(HashListEntry(sha256: a, list: .allow, note: "false positive", actor: "key:sec", createdAt: 3))
            lists = try await catalog.hashLists()
            #expect(lists.deny.isEmpty && lists.allow == [a, b.lowercased()])
            #expect(try await !catalog.removeHashListEntry(sha256: a, list: .deny))  // it is on the allow list now
            #expect(try await catalog.removeHashListEntry(sha256: a, list: .allow))
            #expect(try await !catalog.removeHashListEntry(sha256: a, list: .allow))
            #expect(try await catalog.hashListEntries().map(\.sha256) == [b.lowercased()])
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func finishingQueuesEventsThatAreLeasedRetriedAndDelivered(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let upload = try await catalog.createUpload(.sample(1))
            _ = try await catalog.markUploaded(id: upload.id, now: 1)
            _ = try await catalog.claim(worker: "w", limit: 1, leaseMillis: 60_000, now: 2)
            let events = ["https://a.example/hook", "https://b.example/hook"].enumerated().map { index, url in
                EventDelivery(
                    id: "e\(index)",
                    uploadID: upload.id.rawValue,
                    type: "upload.processed",
                    webhook: url,
                    body: "{\"id\":\"x\"}",
                    nextAttemptAt: 3,
                    createdAt: 3
                )
            }
            // A stale worker's finish queues nothing.
            #expect(try await !catalog.finish(id: upload.id, worker: "other", state: .processed, now: 3, events: events))
            #expect(try await catalog.events(uploadID: upload.id.rawValue).isEmpty)
            #expect(try await catalog.finish(id: upload.id, worker: "w", state: .processed, now: 3, events: events))
            #expect(try await catalog.events(uploadID: upload.id.rawValue).count == 2)

            let first = try await catalog.claimEvents(worker: "s1", limit: 10, leaseMillis: 1000, now: 10)
            #expect(first.map(\.id) == ["e0", "e1"] && first.allSatisfy { $0.attempts == 1 })
            #expect(try await catalog.claimEvents(worker: "s2", limit: 10, leaseMillis: 1000, now: 500).isEmpty)  // leased
            #expect(try await catalog.markDelivered(id: "e0", worker: "s1", now: 20))
            #expect(try await catalog.retryEvent(id: "e1", worker: "s1", retryAt: 2000, error: "HTTP 500", now: 20))
            #expect(try await catalog.claimEvents(worker: "s2", limit: 10, leaseMillis: 1000, now: 1999).isEmpty)
            let again = try await catalog.claimEvents(worker: "s2", limit: 10, leaseMillis: 1000, now: 2000)
            #expect(again.map(\.id) == ["e1"] && again.first?.attempts == 2 && again.first?.lastError == "HTTP 500")
            #expect(try await !catalog.markDelivered(id: "e1", worker: "s1", now: 2001))  // not its lease
            #expect(try await catalog.markDelivered(id: "e1", worker: "s2", now: 2001))
            #expect(try await catalog.claimEvents(worker: "s3", limit: 10, leaseMillis: 1000, now: 99_999).isEmpty)
        }
    }
}

@Suite struct CatalogNotificationTests {
    /// A `complete` on one replica wakes the workers of every other at once.
    @Test func markingUploadedNotifiesListenersOnPostgres() async throws {
        try await CatalogEngine.postgres.withCatalog { catalog in
            let upload = try await catalog.createUpload(.sample(1))
            let heard = AsyncStream<Void>.makeStream()
            let listener = Task { try await catalog.listenForUploads { heard.continuation.yield() } }
            defer { listener.cancel() }
            try await Task.sleep(for: .milliseconds(300))  // LISTEN is in place
            #expect(try await catalog.markUploaded(id: upload.id, now: 5))
            let arrived = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in heard.stream { return true }
                    return false
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(5))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(arrived)
            heard.continuation.finish()
        }
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (951_782_400_000, "2000-02-29T00:00:00Z"), (1_795_301_999_999, "2026-11-21T22:59:59Z"),
        (4_102_444_800_000, "2100-01-01T00:00:00Z"), (-1000, "1969-12-31T23:59:59Z"),
    ])
    func iso8601(_ millis: Int64, _ text: String) {
        #expect(Timestamp.iso8601(millis) == text)
        #expect(Timestamp.parse(text) == millis / 1000 * 1000 - (millis < 0 && millis % 1000 != 0 ? 1000 : 0))
    }

    @Test func parsingRefusesWhatIsNotADate() {
        #expect(Timestamp.parse("2026-11-21") == 1_795_219_200_000)
        for text in ["", "T", "2026-11", "2026-13-01", "2026-11-21T25:00:00Z", "2026-11-21T10", "yesterday"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
    }
}

@Suite struct CatalogAPIKeyTests {
    @Test(arguments: CatalogUnderTest.allCases)
    func keysAreStoredByHashUniqueAndRevocable(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let key = APIKeyRecord(
                id: "k1",
                name: "mobile-app",
                role: "uploader",
                owner: "key:mobile-app",
                service: false,
                profiles: ["documents", "images"],
                keyHash: String(repeating: "1", count: 64),
                createdAt: 10,
                expiresAt: 1000
            )
            try await catalog.createAPIKey(key)
            #expect(try await catalog.apiKey(hash: key.keyHash) == key)
            #expect(try await catalog.apiKey(hash: String(repeating: "2", count: 64)) == nil)
            var sameName = key
            sameName.id = "k2"
            sameName.keyHash = String(repeating: "3", count: 64)
            await #expect(throws: CatalogError.self) { try await catalog.createAPIKey(sameName) }
            let service = APIKeyRecord(
                id: "k3",
                name: "backend",
                role: "uploader",
                owner: "key:backend",
                service: true,
                profiles: [],
                keyHash: String(repeating: "4", count: 64),
                createdAt: 11
            )
            try await catalog.createAPIKey(service)
            #expect(try await catalog.apiKeys().map(\.name) == ["mobile-app", "backend"])
            #expect(key.isActive(at: 999) && !key.isActive(at: 1000))
            #expect(try await catalog.revokeAPIKey("backend", now: 50))
            #expect(try await !catalog.revokeAPIKey("k3", now: 60))
            let revoked = try #require(try await catalog.apiKey(hash: service.keyHash))
            #expect(revoked.revokedAt == 50 && !revoked.isActive(at: 51) && revoked.service && revoked.profiles.isEmpty)
        }
    }
}
