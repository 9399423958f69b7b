import AirlockCore
import AirlockTesting
import Testing

@testable import Catalog

/// The quarantine's filters and counts (issue 19): the catalog answers them from indexed flags and reason codes, over
/// every quarantined upload, with what the API computed in memory before (over the newest 5,000 at most).
struct QuarantineQueryTests {
    /// Quarantined uploads with varied reasons (some repeated), flags and quarantine times.
    static func samples(_ numbers: Range<Int>) -> [Upload] {
        numbers.map { number in
            var upload = Upload.sample(number)
            upload.state = .quarantined
            upload.outcome = .rejected
            upload.updatedAt = 2_000_000 + EpochMillis(number % 7) * 1000
            switch number % 3 {
            case 0: upload.reasons = [Reason(.typeMismatch, "detected text/html"), Reason(.activeContent, "script")]
            case 1: upload.reasons = [Reason(.malware, "Eicar"), Reason(.malware, "Eicar-2")]
            default: upload.reasons = []
            }
            switch number % 4 {
            case 0: upload.flags = ["rescanned_clean"]
            case 1: upload.flags = ["rescan_requested", "release_requested"]
            default: upload.flags = []
            }
            return upload
        }
    }

    static let queries: [QuarantineQuery] = {
        var queries: [QuarantineQuery] = []
        for reason in [nil, ReasonCode.malware, .typeMismatch, .activeContent, .empty] {
            for flag: UploadFlag? in [nil, .rescannedClean, .releaseRequested, .rescanRequested, "nope"] {
                queries.append(QuarantineQuery(reason: reason, flag: flag, limit: 7))
            }
        }
        queries.append(QuarantineQuery(since: 2_002_000, limit: 7))
        queries.append(QuarantineQuery(reason: .malware, since: 2_001_000, until: 2_004_000, limit: 7))
        queries.append(QuarantineQuery(flag: "rescanned_clean", until: 2_003_000, limit: 7))
        return queries
    }()

    /// Every query, paged with its cursor to the end, and the counts equal what filtering every quarantined upload in
    /// memory gives (the API's old semantics, without its cap).
    static func expectMatchesReference(_ catalog: any Catalog, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var all: [Upload] = []
        var cursor: UploadID?
        while true {
            let page = try await catalog.uploads(state: .quarantined, owner: nil, before: cursor, limit: 500)
            if page.isEmpty { break }
            all += page
            cursor = page.last?.id
        }
        for query in queries {
            var listed: [Upload] = []
            var page = query
            while true {
                let items = try await catalog.quarantined(page)
                #expect(items.count <= query.limit, sourceLocation: sourceLocation)
                listed += items
                guard items.count == query.limit, let last = items.last else { break }
                page.before = last.id
            }
            #expect(listed.map(\.id) == all.filter(query.matches).map(\.id), "\(query)", sourceLocation: sourceLocation)
        }
        var counts: [ReasonCode: Int] = [:]
        for upload in all {
            for code in Set(upload.reasons.map(\.code)) { counts[code, default: 0] += 1 }
        }
        #expect(try await catalog.quarantineReasonCounts() == counts, sourceLocation: sourceLocation)
    }

    @Test(arguments: CatalogUnderTest.allCases)
    func filtersAndCountsFollowEveryWriteOfFlagsAndReasons(_ engine: CatalogUnderTest) async throws {
        try await engine.withCatalog { catalog in
            for upload in Self.samples(0..<40) { _ = try await catalog.createUpload(upload) }
            // Not quarantined: never listed or counted.
            var processed = Upload.sample(90)
            processed.state = .processed
            processed.reasons = [Reason(.malware, "x")]
            processed.flags = ["rescanned_clean"]
            _ = try await catalog.createUpload(processed)
            try await Self.expectMatchesReference(catalog)

            // Reviewers' flags, a signature update's rescans and their verdicts.
            let ids = try await catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 100).map(\.id)
            #expect(try await catalog.updateFlags(id: ids[0], adding: ["release_requested"], removing: ["rescanned_clean"]))
            #expect(try await catalog.updateFlags(id: ids[1], adding: [], removing: ["release_requested"]))
            #expect(try await catalog.requestRescans(now: 3_000_000) > 0)
            #expect(try await catalog.requestRescan(id: ids[2], now: 3_000_000))
            try await Self.expectMatchesReference(catalog)
            let rescans = try await catalog.claimRescans(worker: "r", limit: 4, leaseMillis: 60_000, now: 3_000_001)
            #expect(rescans.count == 4)
            let verdicts = [
                Verdict(reasons: [], detectedType: "application/pdf", sha256: nil, size: 1),
                Verdict(reasons: [Reason(.empty, "")], detectedType: nil, sha256: nil, size: 0),
            ]
            for (index, upload) in rescans.enumerated() {
                #expect(try await catalog.finishRescan(id: upload.id, worker: "r", verdict: verdicts[index % 2], destinationKey: nil, now: 3_000_002))
            }
            try await Self.expectMatchesReference(catalog)

            // A worker's verdicts: recorded, then placed in quarantine or ended there unplaced.
            for number in 100..<104 {
                let upload = try await catalog.createUpload(.sample(number))
                #expect(try await catalog.markUploaded(id: upload.id, now: 10))
            }
            let claimed = try await catalog.claim(worker: "w", limit: 4, leaseMillis: 60_000, now: 20)
            #expect(claimed.count == 4)
            let found = Verdict(reasons: [Reason(.activeContent, "macro"), Reason(.typeMismatch, "x")], detectedType: nil, sha256: nil, size: 5)
            for (index, upload) in claimed.enumerated() {
                if index % 2 == 0 {
                    let scan = ScanRecord(etag: "e", verdict: found, destinationKey: "quarantine/\(upload.id)")
                    #expect(try await catalog.recordScan(id: upload.id, worker: "w", scan: scan, now: 30))
                    #expect(try await catalog.finish(id: upload.id, worker: "w", state: .quarantined, now: 40))
                } else {
                    #expect(try await catalog.end(id: upload.id, worker: "w", state: .quarantined, verdict: found, now: 40))
                }
            }
            try await Self.expectMatchesReference(catalog)
            // A release takes it out of the listing and the counts.
            #expect(try await catalog.leaseQuarantined(id: ids[3], holder: "h", until: 5_000_000, now: 4_000_000))
            #expect(try await catalog.concludeQuarantined(id: ids[3], holder: "h", to: .processed, destinationKey: nil, now: 4_000_001))
            try await Self.expectMatchesReference(catalog)
        }
    }

    /// Rare matches older than the newest 5,000 quarantined uploads (where the API's scan stopped) are listed and counted.
    @Test(arguments: CatalogEngine.allCases)
    func rareMatchesBeyondTheNewest5000AreFound(_ engine: CatalogEngine) async throws {
        try await engine.withCatalog { catalog in
            var uploads = Self.samples(0..<5_300).map { upload in
                var upload = upload
                upload.reasons = []
                upload.flags = []
                return upload
            }
            for index in uploads.indices {
                if index < 10 {
                    uploads[index].reasons = [Reason(.malware, "old")]
                    uploads[index].flags = ["release_requested"]
                } else if index % 50 == 0 {
                    uploads[index].reasons = [Reason(.typeMismatch, "x")]
                }
            }
            for start in stride(from: 0, to: uploads.count, by: SQLCatalog.maxInsertBatch) {
                let batch = Array(uploads[start..<min(start + SQLCatalog.maxInsertBatch, uploads.count)])
                for result in await SQLCatalog.insert(batch, into: catalog.driver) { try result.get() }
            }
            let oldest = uploads.prefix(10).map(\.id).reversed()
            #expect(try await catalog.quarantined(QuarantineQuery(reason: .malware, limit: 50)).map(\.id) == Array(oldest))
            #expect(try await catalog.quarantined(QuarantineQuery(flag: "release_requested", limit: 50)).map(\.id) == Array(oldest))
            let page = try await catalog.quarantined(QuarantineQuery(reason: .malware, before: uploads[6].id, limit: 4))
            #expect(page.map(\.id) == Array(oldest.suffix(6).prefix(4)))
            let typeMismatches = uploads.indices.filter { $0 >= 10 && $0 % 50 == 0 }.count
            #expect(try await catalog.quarantineReasonCounts() == [.malware: 10, .typeMismatch: typeMismatches])
        }
    }

    /// Migration 6 on a catalog an older airlock filled: the tables are created and filled from the text columns, and
    /// running it again changes nothing.
    @Test(arguments: CatalogEngine.allCases)
    func migrationFillsTheTablesFromAPopulatedOlderSchema(_ engine: CatalogEngine) async throws {
        try await engine.withCatalog { catalog in
            for upload in Self.samples(0..<30) { _ = try await catalog.createUpload(upload) }
            var unsolicited = Upload.sample(50)
            unsolicited.state = .quarantined
            unsolicited.reasons = [Reason(.unsolicited, "no intent")]
            unsolicited.originalKey = "incoming/x"
            unsolicited.idempotencyKey = "version-1"
            _ = try await catalog.createUnsolicited(unsolicited)
            // As schema 5 had it: no tables, and flags as older writers left them (repeats, empty parts).
            _ = try await catalog.driver.query("DROP TABLE upload_flags", [])
            _ = try await catalog.driver.query("DROP TABLE upload_reasons", [])
            _ = try await catalog.driver.query("DELETE FROM airlock_migrations WHERE version >= 6", [])
            _ = try await catalog.driver.query(
                "UPDATE uploads SET flags = 'rescanned_clean,,rescanned_clean,release_requested' WHERE id = $1",
                [.text(unsolicited.id.rawValue)]
            )
            #expect(try await catalog.migrate() == 1)
            try await Self.expectMatchesReference(catalog)
            #expect(try await catalog.quarantined(QuarantineQuery(flag: "release_requested", limit: 100)).contains { $0.id == unsolicited.id })
            #expect(try await catalog.quarantined(QuarantineQuery(reason: .unsolicited, limit: 100)).map(\.id) == [unsolicited.id])

            // Idempotent: run again over the filled tables.
            _ = try await catalog.driver.query("DELETE FROM airlock_migrations WHERE version >= 6", [])
            #expect(try await catalog.migrate() == 1)
            try await Self.expectMatchesReference(catalog)

            // A code a newer airlock wrote is counted as it is (unrecognized), not an error.
            var expected = try await catalog.quarantineReasonCounts()
            _ = try await catalog.driver.query(
                "INSERT INTO upload_reasons (upload_id, code) VALUES ($1, 'future_code')",
                [.text(unsolicited.id.rawValue)]
            )
            expected[.unrecognized("future_code")] = 1
            #expect(try await catalog.quarantineReasonCounts() == expected)
        }
    }
}
