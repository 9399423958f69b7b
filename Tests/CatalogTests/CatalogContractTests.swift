import AirlockCore
import AirlockTesting
import Testing

/// The rest of the catalog contract, on the fake and both engines: review leases, custody, retention listings and
/// sessions (the suites beside it cover intents, worker leases, rescans, audit, keys, hash lists and events).
struct CatalogContractTests {
    static func quarantined(_ number: Int, at time: EpochMillis = 1_000_000) -> Upload {
        var upload = Upload.sample(number, at: time)
        upload.state = .quarantined
        upload.updatedAt = time + EpochMillis(number)
        return upload
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func reviewLeasesExcludeEachOtherAndMovesFollowTheStateMachine(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let id = try await catalog.createUpload(Self.quarantined(1)).id
            #expect(try await catalog.leaseQuarantined(id: id, holder: "a", until: 2_000, now: 1_000))
            #expect(try await !catalog.leaseQuarantined(id: id, holder: "b", until: 3_000, now: 1_500))
            #expect(try await !catalog.noteRescanFailure(id: id, worker: "b", error: "x", retryAt: 5_000))
            #expect(try await catalog.noteRescanFailure(id: id, worker: "a", error: "x", retryAt: 2_500))
            // Another holder's release changes nothing; the holder's frees it at once.
            try await catalog.releaseQuarantinedLease(id: id, holder: "b")
            #expect(try await catalog.upload(id: id)?.leaseOwner == "a")
            try await catalog.releaseQuarantinedLease(id: id, holder: "a")
            #expect(try await catalog.leaseQuarantined(id: id, holder: "b", until: 4_000, now: 1_600))
            // Once a lease ran out, another holder may take it.
            #expect(try await catalog.leaseQuarantined(id: id, holder: "c", until: 9_000, now: 4_001))
            #expect(try await !catalog.concludeQuarantined(id: id, holder: "b", to: .purged, destinationKey: nil, now: 4_002))
            await #expect(throws: CatalogError.self) {
                try await catalog.concludeQuarantined(id: id, holder: "c", to: .expired, destinationKey: nil, now: 4_002)
            }
            #expect(try await catalog.concludeQuarantined(id: id, holder: "c", to: .processed, destinationKey: "processed/x", now: 4_003))
            let released = try #require(try await catalog.upload(id: id))
            #expect(
                released.state == .processed && released.leaseOwner == nil && released.destinationKey == "processed/x" && released.updatedAt == 4_003
            )
            #expect(try await !catalog.leaseQuarantined(id: id, holder: "d", until: 9_000, now: 4_004))  // no longer quarantined

            // Moves outside the worker: compare-and-set on the state, and only along the state machine.
            await #expect(throws: CatalogError.self) { try await catalog.transition(id: id, from: .processed, to: .quarantined, now: 5_000) }
            #expect(try await !catalog.transition(id: id, from: .quarantined, to: .purged, now: 5_000))
            #expect(try await catalog.transition(id: id, from: .processed, to: .deleted, now: 5_000))
            #expect(try await catalog.countByState() == [.deleted: 1])
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func custodyIsRecordedOnceAndRetentionListsOldestFirst(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let upload = try await catalog.createUpload(.sample(1))
            #expect(try await catalog.markUploaded(id: upload.id, now: 10))
            #expect(try await !catalog.markUploaded(id: upload.id, now: 11))
            #expect(try await catalog.claim(worker: "w", limit: 1, leaseMillis: 60_000, now: 20).map(\.id) == [upload.id])
            let sha = String(repeating: "ab", count: 32)
            #expect(try await !catalog.recordCustody(id: upload.id, worker: "other", sha256: sha, size: 3, now: 30))
            #expect(try await catalog.recordCustody(id: upload.id, worker: "w", sha256: sha, size: 3, now: 30))
            #expect(try await !catalog.recordCustody(id: upload.id, worker: "w", sha256: String(repeating: "cd", count: 32), size: 4, now: 31))
            let held = try #require(try await catalog.upload(id: upload.id))
            #expect(held.sha256 == sha && held.size == 3 && held.updatedAt == 30)
            // A verdict without a SHA-256 keeps the custody one.
            let verdict = Verdict(reasons: [Reason(.sourceMissing, "gone")], detectedType: nil, sha256: nil, size: 0)
            #expect(try await catalog.end(id: upload.id, worker: "w", state: .expired, verdict: verdict, now: 40))
            #expect(try await catalog.upload(id: upload.id)?.sha256 == sha)

            // Unsolicited records keep the incoming key they were found at.
            var stray = Self.quarantined(2)
            stray.incomingKey = upload.incomingKey
            stray.originalKey = upload.incomingKey
            stray.idempotencyKey = "version-1"
            _ = try await catalog.createUnsolicited(stray)
            #expect(try await catalog.uploads(incomingKey: upload.incomingKey).map(\.id) == [upload.id, stray.id])
            #expect(try await catalog.upload(incomingKey: upload.incomingKey)?.id == upload.id)

            for number in [5, 3, 4] { _ = try await catalog.createUpload(Self.quarantined(number)) }
            let due = try await catalog.uploads(state: .quarantined, updatedBefore: 1_000_005, limit: 10)
            #expect(due.map(\.updatedAt) == [1_000_002, 1_000_003, 1_000_004])
            #expect(try await catalog.uploads(state: .quarantined, updatedBefore: 1_000_005, limit: 2).count == 2)
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func sessionsLastUntilTheyExpireOrSignOut(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            func session(_ byte: String, createdAt: EpochMillis, expiresAt: EpochMillis) -> ReviewSession {
                ReviewSession(
                    tokenHash: String(repeating: byte, count: 64),
                    actor: "key:r",
                    owner: "key:r",
                    role: "reviewer",
                    csrfToken: "csrf-\(byte)",
                    keyHash: nil,
                    createdAt: createdAt,
                    expiresAt: expiresAt
                )
            }
            let first = session("a", createdAt: 100, expiresAt: 200)
            try await catalog.createSession(first)
            #expect(try await catalog.session(tokenHash: first.tokenHash, now: 199) == first)
            #expect(try await catalog.session(tokenHash: first.tokenHash, now: 200) == nil)
            await #expect(throws: CatalogError.self) { try await catalog.createSession(session("a", createdAt: 150, expiresAt: 900)) }
            let second = session("b", createdAt: 300, expiresAt: 900)
            try await catalog.createSession(second)  // forgets the expired first
            try await catalog.createSession(session("a", createdAt: 300, expiresAt: 900))
            try await catalog.deleteSession(tokenHash: second.tokenHash)
            #expect(try await catalog.session(tokenHash: second.tokenHash, now: 400) == nil)
            #expect(try await catalog.session(tokenHash: first.tokenHash, now: 400)?.csrfToken == "csrf-a")
        }
    }
}
