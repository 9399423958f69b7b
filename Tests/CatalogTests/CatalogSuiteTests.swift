import AirlockCore
import Synchronization
import Testing

@testable import Catalog

/// One suite, both engines: what the pipeline and the API rely on from the catalog.
@Suite struct CatalogSuiteTests {
    @Test(arguments: CatalogEngine.allCases)
    func migrationsApplyOnceAndRefuseANewerSchema(_ engine: CatalogEngine) async throws {
        try await engine.withCatalog { catalog in
            #expect(try await catalog.migrate() == 0)
            #expect(try await catalog.schemaVersion() == Migrations.all.count)
            _ = try await catalog.driver.query("INSERT INTO airlock_migrations (version, name, applied_at) VALUES (999, 'future', 0)", [])
            await #expect(throws: CatalogError.self) { try await catalog.migrate() }
            do {
                try await catalog.migrate()
            } catch let error as CatalogError {
                #expect(error.code == .schemaTooNew)
            }
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func uploadsRoundTripAndKeysAreUnique(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            var upload = Upload.sample(2, idempotencyKey: "req-1")
            upload.filename = "naïve 'quoted' \"name\"\n.pdf"
            upload.flags = ["rescanned_clean"]
            upload.reasons = [Reason(.typeMismatch, "detected \"text/html\"\t→ é"), Reason(.malware, "Eicar")]
            upload.outcome = .infected
            upload.size = 12_345_678_901
            let stored = try await catalog.createUpload(upload)
            #expect(stored == upload)
            #expect(try await catalog.upload(id: upload.id) == upload)
            #expect(try await catalog.upload(incomingKey: upload.incomingKey) == upload)
            #expect(try await catalog.upload(id: UploadID.generate(at: 5)) == nil)

            // The same idempotency key from the same owner returns the first upload; another owner gets its own.
            var again = Upload.sample(3, idempotencyKey: "req-1")
            #expect(try await catalog.createUpload(again).id == upload.id)
            again.owner = "key:other"
            #expect(try await catalog.createUpload(again).id == again.id)

            // One solicited upload per incoming key.
            var clash = Upload.sample(4)
            clash.incomingKey = upload.incomingKey
            await #expect(throws: CatalogError.self) { try await catalog.createUpload(clash) }
        }
    }

    /// Intents from concurrent requests are inserted in groups: every one is stored exactly as given, a retried
    /// Idempotency-Key in the same group still returns the first upload, and a clashing key fails only its own caller.
    @Test(arguments: CatalogUnderTest.allCases)
    func concurrentCreatesAreEachStoredOrRefusedAlone(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let clashKey = try await catalog.createUpload(.sample(1000)).incomingKey
            let outcomes = try await withThrowingTaskGroup(of: (Int, Upload, Result<Upload, any Error>).self) { group in
                for number in 0..<300 {
                    group.addTask {
                        // Pairs 2k and 2k+1 below 40 share an idempotency key; 299 reuses an existing incoming key.
                        var upload = Upload.sample(number, idempotencyKey: number < 40 ? "retry-\(number / 2)" : nil)
                        if number == 299 { upload.incomingKey = clashKey }
                        do { return (number, upload, .success(try await catalog.createUpload(upload))) } catch {
                            return (number, upload, .failure(error))
                        }
                    }
                }
                var all: [(Int, Upload, Result<Upload, any Error>)] = []
                for try await outcome in group { all.append(outcome) }
                return all.sorted { $0.0 < $1.0 }
            }
            var stored: [Int: Upload] = [:]
            for (number, upload, result) in outcomes {
                if number == 299 {
                    #expect(throws: CatalogError.self) { try result.get() }
                    continue
                }
                stored[number] = try result.get()
                if number >= 40 { #expect(stored[number] == upload) }
            }
            for pair in 0..<20 {
                let first = try #require(stored[2 * pair]), second = try #require(stored[2 * pair + 1])
                #expect(first.id == second.id)
                #expect(try await catalog.upload(id: first.id) == first)
            }
            for number in 40..<299 { #expect(try await catalog.upload(id: stored[number]!.id) == stored[number]) }
            #expect(try await catalog.countByState()[.pending] == 1 + 20 + 259)
        }
    }

    @Test func groupCommitBatchesWaitingCallersAndAnswersEachAlone() async throws {
        let batches = Mutex<[[Int]]>([])
        let commit = GroupCommit<Int>(maxBatch: 8) { items in
            batches.withLock { $0.append(items) }
            try? await Task.sleep(for: .milliseconds(5))
            return items.map { $0 % 7 == 3 ? .failure(CatalogError(.conflict, "odd one")) : .success(()) }
        }
        let failed = await withTaskGroup(of: Int?.self) { group in
            for item in 0..<100 {
                group.addTask {
                    do { try await commit.submit(item); return nil } catch { return item }
                }
            }
            var failed: [Int] = []
            for await item in group { if let item { failed.append(item) } }
            return failed.sorted()
        }
        #expect(failed == (0..<100).filter { $0 % 7 == 3 })
        let seen = batches.withLock { $0 }
        #expect(seen.flatMap { $0 }.sorted() == Array(0..<100))
        #expect(seen.allSatisfy { $0.count <= 8 })
        #expect(seen.count < 100)  // callers that waited were written together
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func concurrentClaimsLeaseEachUploadOnce(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            var ids: [UploadID] = []
            for number in 0..<60 {
                let upload = try await catalog.createUpload(.sample(number))
                if number % 10 != 9 { #expect(try await catalog.markUploaded(id: upload.id, now: 2_000_000)) }
                ids.append(upload.id)
            }
            // Marking twice does nothing.
            #expect(try await !catalog.markUploaded(id: ids[0], now: 2_000_000))
            let claimed = try await withThrowingTaskGroup(of: [UploadID].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [UploadID] = []
                        while true {
                            let batch = try await catalog.claim(worker: "w\(worker)", limit: 3, leaseMillis: 60_000, now: 2_000_000)
                            if batch.isEmpty { return mine }
                            #expect(batch.allSatisfy { $0.state == .inspecting && $0.leaseOwner == "w\(worker)" && $0.attempts == 1 })
                            mine += batch.map(\.id)
                        }
                    }
                }
                var all: [UploadID] = []
                for try await batch in group { all += batch }
                return all
            }
            #expect(claimed.count == 54)
            #expect(Set(claimed).count == 54)
            #expect(Set(claimed) == Set(ids.enumerated().filter { $0.offset % 10 != 9 }.map(\.element)))
            let counts = try await catalog.countByState()
            #expect(counts[.inspecting] == 54 && counts[.pending] == 6)
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func leasesExpireRetriesWaitAndStaleWorkersLose(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let upload = try await catalog.createUpload(.sample(1))
            _ = try await catalog.markUploaded(id: upload.id, now: 10)
            #expect(try await catalog.claim(worker: "a", limit: 5, leaseMillis: 1000, now: 100).map(\.id) == [upload.id])
            #expect(try await catalog.claim(worker: "b", limit: 5, leaseMillis: 1000, now: 500).isEmpty)  // lease held
            #expect(try await catalog.renewLease(id: upload.id, worker: "a", until: 2000, now: 600))
            #expect(try await catalog.claim(worker: "b", limit: 5, leaseMillis: 1000, now: 1500).isEmpty)  // renewed
            let reclaimed = try await catalog.claim(worker: "b", limit: 5, leaseMillis: 1000, now: 2500)
            #expect(reclaimed.map(\.attempts) == [2])
            // The worker whose lease expired can no longer record or finish.
            let verdict = Verdict(reasons: [], detectedType: "application/pdf", sha256: String(repeating: "0", count: 64), size: 1001)
            #expect(
                try await !catalog.recordScan(
                    id: upload.id,
                    worker: "a",
                    scan: ScanRecord(etag: "\"e\"", verdict: verdict, destinationKey: "p/x"),
                    now: 2600
                )
            )
            #expect(try await !catalog.finish(id: upload.id, worker: "a", state: .processed, now: 2600))
            #expect(try await !catalog.renewLease(id: upload.id, worker: "a", until: 9000, now: 2600))

            // A failed attempt waits for its retry time.
            #expect(try await catalog.retryLater(id: upload.id, worker: "b", retryAt: 10_000, error: "store unavailable", now: 2700))
            #expect(try await catalog.claim(worker: "c", limit: 5, leaseMillis: 1000, now: 9999).isEmpty)
            let retried = try await catalog.claim(worker: "c", limit: 5, leaseMillis: 1000, now: 10_000)
            #expect(retried.first?.attempts == 3)
            #expect(retried.first?.lastError == "store unavailable")

            // Scan recorded, recorded again (a later attempt), finished.
            #expect(
                try await catalog.recordScan(
                    id: upload.id,
                    worker: "c",
                    scan: ScanRecord(etag: "\"e1\"", verdict: verdict, destinationKey: "p/x"),
                    now: 10_100
                )
            )
            var current = try #require(try await catalog.upload(id: upload.id))
            #expect(
                current.scannedETag == "\"e1\"" && current.outcome == .clean && current.sha256 == verdict.sha256 && current.destinationKey == "p/x"
            )
            #expect(
                try await catalog.recordScan(
                    id: upload.id,
                    worker: "c",
                    scan: ScanRecord(etag: "\"e2\"", verdict: verdict, destinationKey: "p/x"),
                    now: 10_300
                )
            )
            await #expect(throws: CatalogError.self) { try await catalog.finish(id: upload.id, worker: "c", state: .expired, now: 10_400) }
            #expect(try await catalog.finish(id: upload.id, worker: "c", state: .processed, now: 10_400))
            current = try #require(try await catalog.upload(id: upload.id))
            #expect(current.state == .processed && current.leaseOwner == nil && current.lastError == nil && current.scannedETag == "\"e2\"")
            #expect(try await !catalog.finish(id: upload.id, worker: "c", state: .quarantined, now: 10_500))
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func rescansAreQueuedClaimedAndFlaggedWithoutResettingTheQuarantineClock(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            var ids: [UploadID] = []
            for number in 0..<4 {
                let upload = try await catalog.createUpload(.sample(number))
                _ = try await catalog.markUploaded(id: upload.id, now: 10)
                ids.append(upload.id)
            }
            let claimed = try await catalog.claim(worker: "w", limit: 4, leaseMillis: 60_000, now: 20)
            #expect(claimed.count == 4)
            for (index, id) in ids.enumerated() {
                #expect(try await catalog.finish(id: id, worker: "w", state: index == 3 ? .processed : .quarantined, now: 30, events: []))
            }
            // A signature update queues every quarantined upload once; the processed one is not touched.
            #expect(try await catalog.requestRescans(now: 40) == 3)
            #expect(try await catalog.requestRescans(now: 41) == 0)
            #expect(try await catalog.requestRescan(id: ids[0], now: 42))  // already queued: still accepted
            #expect(try await !catalog.requestRescan(id: ids[3], now: 42))  // not quarantined
            let rescans = try await catalog.claimRescans(worker: "r", limit: 10, leaseMillis: 60_000, now: 50)
            #expect(Set(rescans.map(\.id)) == Set(ids.prefix(3)))
            #expect(try await catalog.claimRescans(worker: "s", limit: 10, leaseMillis: 60_000, now: 51).isEmpty)  // leased

            let clean = Verdict(reasons: [], detectedType: "application/pdf", sha256: String(repeating: "cd", count: 32), size: 1000)
            let infected = Verdict(
                reasons: [Reason(.malware, "Eicar")],
                detectedType: "text/plain",
                sha256: String(repeating: "ef", count: 32),
                size: 1000
            )
            #expect(try await catalog.finishRescan(id: ids[0], worker: "r", verdict: clean, destinationKey: nil, now: 60))
            #expect(try await catalog.finishRescan(id: ids[1], worker: "r", verdict: infected, destinationKey: nil, now: 60))
            #expect(try await !catalog.finishRescan(id: ids[2], worker: "other", verdict: clean, destinationKey: nil, now: 60))  // not its lease
            let first = try #require(try await catalog.upload(id: ids[0]))
            #expect(first.state == .quarantined && first.flags == ["rescanned_clean"] && first.outcome == .clean && first.leaseOwner == nil)
            let second = try #require(try await catalog.upload(id: ids[1]))
            #expect(second.flags.isEmpty && second.outcome == .infected && second.reasons.map(\.code) == [.malware])
            // Entering quarantine is what retention and the review page count from: rescans do not move it.
            #expect(first.updatedAt == 30 && second.updatedAt == 30)
            // The next signature update queues them again, rescanned_clean ones included.
            #expect(try await catalog.requestRescans(now: 70) == 2)
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func shutdownReleasesLeasesWithoutCountingTheAttempt(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            for number in 0..<3 {
                let upload = try await catalog.createUpload(.sample(number))
                _ = try await catalog.markUploaded(id: upload.id, now: 1)
            }
            #expect(try await catalog.claim(worker: "w", limit: 2, leaseMillis: 60_000, now: 10).count == 2)
            #expect(try await catalog.releaseLeases(worker: "w", now: 20) == 2)
            let again = try await catalog.claim(worker: "x", limit: 10, leaseMillis: 60_000, now: 30)
            #expect(again.count == 3)
            #expect(again.allSatisfy { $0.attempts == 1 })
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func pendingIntentsExpireAndUnsolicitedObjectsAreRecordedOnce(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            let early = try await catalog.createUpload(.sample(1, at: 0))
            let late = try await catalog.createUpload(.sample(2, at: 500_000))
            let expired = try await catalog.expirePending(now: 901_000, limit: 10)
            #expect(expired.map(\.id) == [early.id])
            #expect(try await catalog.upload(id: early.id)?.state == .expired)
            #expect(try await catalog.upload(id: late.id)?.state == .pending)
            #expect(try await !catalog.markUploaded(id: early.id, now: 901_001))

            var stray = Upload.sample(3)
            stray.state = .uploaded
            stray.originalKey = "incoming/not-ours"
            stray.incomingKey = "incoming/not-ours"
            stray.owner = "unknown"
            stray.reasons = [Reason(.unsolicited, "no upload intent for this key")]
            let first = try await catalog.createUnsolicited(stray)
            var second = Upload.sample(4)
            second.state = .uploaded
            second.originalKey = stray.originalKey
            second.incomingKey = stray.incomingKey
            #expect(try await catalog.createUnsolicited(second).id == first.id)

            // Once the first record is finished, the same object version is still not recorded again...
            var version = Upload.sample(5)
            version.state = .uploaded
            version.owner = ""
            version.originalKey = "incoming/versioned"
            version.incomingKey = "incoming/versioned"
            version.idempotencyKey = "unsolicited:incoming/versioned@e1@t1"
            let recorded = try await catalog.createUnsolicited(version)
            _ = try await catalog.claim(worker: "w", limit: 10, leaseMillis: 60_000, now: 2_000_000)
            #expect(try await catalog.finish(id: recorded.id, worker: "w", state: .quarantined, now: 2_000_001))
            var again = Upload.sample(6)
            again.state = .uploaded
            again.owner = ""
            again.originalKey = version.originalKey
            again.incomingKey = version.incomingKey
            again.idempotencyKey = version.idempotencyKey
            #expect(try await catalog.createUnsolicited(again).id == recorded.id)
            // ...while a new version at the same key is.
            again.idempotencyKey = "unsolicited:incoming/versioned@e2@t2"
            #expect(try await catalog.createUnsolicited(again).id == again.id)
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func listingPagesByIdPerOwner(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            var mine: [UploadID] = []
            for number in 0..<7 {
                let upload = try await catalog.createUpload(.sample(number, owner: number % 2 == 0 ? "key:a" : "key:b"))
                if number % 2 == 0 { mine.append(upload.id) }
            }
            let page1 = try await catalog.uploads(state: .pending, owner: "key:a", after: nil, limit: 3)
            let page2 = try await catalog.uploads(state: .pending, owner: "key:a", after: page1.last?.id, limit: 3)
            #expect(page1.map(\.id) + page2.map(\.id) == mine.sorted())
            #expect(try await catalog.uploads(state: .pending, owner: nil, after: nil, limit: 100).count == 7)
            #expect(try await catalog.uploads(state: .processed, owner: nil, after: nil, limit: 100).isEmpty)
        }
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func oneLeaderAtATime(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            #expect(try await catalog.acquireLeadership(role: "reconciler", holder: "a", until: 1000, now: 0))
            #expect(try await !catalog.acquireLeadership(role: "reconciler", holder: "b", until: 1500, now: 500))
            #expect(try await catalog.acquireLeadership(role: "reconciler", holder: "a", until: 2000, now: 900))  // renewal
            #expect(try await !catalog.acquireLeadership(role: "reconciler", holder: "b", until: 2500, now: 1999))
            #expect(try await catalog.acquireLeadership(role: "reconciler", holder: "b", until: 3000, now: 2001))  // expired
            #expect(try await !catalog.acquireLeadership(role: "reconciler", holder: "a", until: 3000, now: 2002))
            try await catalog.releaseLeadership(role: "reconciler", holder: "b")
            #expect(try await catalog.acquireLeadership(role: "reconciler", holder: "a", until: 4000, now: 2003))
            #expect(try await catalog.acquireLeadership(role: "other", holder: "b", until: 4000, now: 2003))
        }
    }
}

@Suite struct UploadModelTests {
    @Test func idsAreCanonicalTimeOrderedUUIDv7() {
        var generator = SystemRandomNumberGenerator()
        let ids = (0..<200).map { UploadID.generate(at: 1_700_000_000_000 + Int64($0), using: &generator) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == 200)
        for id in ids {
            let text = id.rawValue
            #expect(UploadID(text) == id)
            #expect(Array(text)[14] == "7")
            #expect("89ab".contains(Array(text)[19]))
        }
        #expect(UploadID("0190d6e2-7f4a-7c3b-9f00-ABCDEFabcdef") == nil)  // uppercase
        #expect(UploadID("../etc/passwd") == nil)
        #expect(UploadID("0190d6e27f4a-7c3b-9f00-abcdefabcdef0") == nil)
    }

    /// A row a newer airlock wrote (a rolling deploy, N API replicas) with a reason code and a flag this one does not
    /// know: the upload stays readable, listed, counted and filterable, and the unknown values are kept as they are,
    /// written back unchanged when this airlock updates the flags.
    @Test(arguments: CatalogEngine.allCases)
    func codesANewerAirlockWroteKeepTheUploadReadable(_ engine: CatalogEngine) async throws {
        try await engine.withCatalog { catalog in
            var upload = Upload.sample(7)
            upload.state = .quarantined
            upload.outcome = .infected
            upload.reasons = [Reason(.malware, "Eicar")]
            upload.flags = [.rescannedClean]
            _ = try await catalog.createUpload(upload)
            // What a newer airlock writes: the columns and the indexed tables.
            let id = SQLValue.text(upload.id.rawValue)
            _ = try await catalog.driver.query(
                "UPDATE uploads SET reasons = $2, flags = $3 WHERE id = $1",
                [
                    id, .text(#"[{"code":"future_check","detail":"from v9"},{"code":"malware","detail":"Eicar"}]"#),
                    .text("rescanned_clean,future_flag"),
                ]
            )
            _ = try await catalog.driver.query("INSERT INTO upload_reasons (upload_id, code) VALUES ($1, 'future_check')", [id])
            _ = try await catalog.driver.query("INSERT INTO upload_flags (upload_id, flag) VALUES ($1, 'future_flag')", [id])

            let read = try #require(try await catalog.upload(id: upload.id))
            #expect(read.reasons == [Reason(.unrecognized("future_check"), "from v9"), Reason(.malware, "Eicar")])
            #expect(read.flags == [.rescannedClean, .unrecognized("future_flag")])
            #expect(try await catalog.quarantined(QuarantineQuery(limit: 10)).map(\.id) == [upload.id])
            #expect(try await catalog.quarantined(QuarantineQuery(reason: .unrecognized("future_check"), limit: 10)).map(\.id) == [upload.id])
            #expect(try await catalog.quarantined(QuarantineQuery(flag: .unrecognized("future_flag"), limit: 10)).map(\.id) == [upload.id])
            let counts = try await catalog.quarantineReasonCounts()
            #expect(counts == [.malware: 1, .unrecognized("future_check"): 1])

            #expect(try await catalog.updateFlags(id: upload.id, adding: [.releaseRequested], removing: [.rescannedClean]))
            #expect(try await catalog.upload(id: upload.id)?.flags == [.unrecognized("future_flag"), .releaseRequested])
            let column = try await catalog.driver.query("SELECT flags FROM uploads WHERE id = $1", [id]).first?.text("flags")
            #expect(column == "future_flag,release_requested")
        }
    }

    @Test func reasonsSurviveTheirJSONForm() {
        let reasons = [Reason(.malware, "Eicar \"quoted\" \\ back\nline\u{1} é 😀"), Reason(.unsolicited, "")]
        #expect(ReasonList.parse(ReasonList.json(reasons)) == reasons)
        #expect(ReasonList.parse("[]") == [])
        #expect(ReasonList.parse("[{\"code\":\"nope\",\"detail\":\"x\"}]") == [Reason(.unrecognized("nope"), "x")])
        let newer = [Reason(.unrecognized("future_check"), "v9"), Reason(.malware, "Eicar")]
        #expect(ReasonList.parse(ReasonList.json(newer)) == newer)
        #expect(ReasonList.parse("[{\"code\":\"malware\"}]") == nil)
        #expect(ReasonList.parse("[{\"code\":\"malware\",\"detail\":\"\\ud83d\\ude00\"}] ") == [Reason(.malware, "😀")])
        #expect(ReasonList.parse("[{\"code\":\"malware\",\"detail\":\"x\"}] junk") == nil)
    }

    @Test func theStateMachine() {
        #expect(UploadState.pending.canMove(to: .uploaded))
        #expect(UploadState.inspecting.canMove(to: .processed))
        #expect(!UploadState.pending.canMove(to: .processed))
        #expect(!UploadState.expired.canMove(to: .uploaded))
        #expect(!UploadState.processed.canMove(to: .quarantined))
        #expect(UploadState.quarantined.canMove(to: .processed))
    }
}
