import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Crypto
import Foundation
import Inspection
import Pipeline
import S3
import Synchronization
import Testing

/// Custody by construction, attacked the way a client holding a still-valid upload form can: two files of equal
/// length and MD5 (the Wang et al. 2004 collision pair with a common suffix), the second one malware for the
/// fixtures' signatures. The first is uploaded and completed; the second is written to the same key at each point of
/// the worker's sequence. Only the first file's bytes may ever reach processed, and every copy of the second is
/// recorded.
@Suite struct CustodyTests {
    /// The pair (fixtures/md5-collision) with a common suffix: equal size, equal MD5, different SHA-256.
    static let pair: (first: [UInt8], second: [UInt8]) = {
        let lines =
            (try? String(contentsOfFile: Repository.path("fixtures/md5-collision/wang2004.hex"), encoding: .utf8))?.split(separator: "\n") ?? []
        let suffix = Array(" -- an ordinary binary record that follows the colliding blocks\n".utf8)
        func bytes(_ hex: Substring) -> [UInt8] {
            var out: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            return out
        }
        return (bytes(lines[0]) + suffix, bytes(lines[1]) + suffix)
    }()

    enum Point: String, CaseIterable, Sendable {
        case afterDownload, afterInspection, afterPromotion
    }

    @Test func thePairCollidesAndOnlyTheSecondIsMalware() async throws {
        let (first, second) = Self.pair
        #expect(first.count == second.count && first != second)
        #expect(md5Hex(first) == md5Hex(second))
        #expect(sha256Hex(first) != sha256Hex(second))
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = harness.temporaryDirectory
        for (name, bytes, clean) in [("first.bin", first, true), ("second.bin", second, false)] {
            let path = directory + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let verdict = await harness.inspector.inspect(
                InspectionRequest(path: path, filename: name, profile: try #require(harness.profiles["binaries"]))
            )
            #expect((verdict.outcome == .clean) == clean, "\(name): \(verdict.reasons)")
        }
    }

    @Test(arguments: Point.allCases)
    func aCollidingRewriteIsNeverPromoted(at point: Point) async throws {
        let (first, second) = Self.pair
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let upload = try await harness.upload(first, filename: "record.bin", declaredType: "application/octet-stream", profile: "binaries")
        let target = harness.layout.incoming(upload.id)
        let rewrite: @Sendable (Upload) async -> Void = { _ in try? await harness.put(second, at: target) }
        let hooks: WorkerHooks
        switch point {
        case .afterDownload: hooks = WorkerHooks(afterDownload: rewrite)
        case .afterInspection: hooks = WorkerHooks(afterInspection: rewrite)
        case .afterPromotion: hooks = WorkerHooks(afterPromotion: rewrite)
        }
        #expect(try await harness.worker(hooks: hooks).processBatch() == 1)
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .processed && record.sha256 == sha256Hex(first), "\(record)")
        #expect(try await harness.bytes(at: harness.layout.processed(upload.id, safeName: "record.bin")) == first)
        // The rewrite is still in incoming, untouched, until it is recorded and quarantined.
        #expect(try await harness.bytes(at: target) == second)
        #expect(try await harness.drift().isEmpty)  // the original waits in incoming: not drift
        try await Self.expectSecondRecordedAndIncomingEmpty(harness, key: target.key)
    }

    /// Above the store's multipart threshold the inspected copy is placed in parts (on RGW, which needs parts of at
    /// least 5 MiB): the bytes arrive whole, the ETag is a multipart one, and nothing drifts.
    @Test func aLargeUploadIsPlacedInParts() async throws {
        let harness = try await PipelineHarness(multipartThreshold: 6 << 20)
        defer { Task { await harness.close() } }
        let line = Array("a line of an ordinary large text export, repeated\n".utf8)
        let bytes = Array((0..<(12 << 20) / line.count).flatMap { _ in line })
        let upload = try await harness.upload(bytes, filename: "export.txt", declaredType: "text/plain", profile: "bulk")
        #expect(try await harness.worker().processBatch() == 1)
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .processed && record.sha256 == sha256Hex(bytes), "\(record)")
        let destination = harness.layout.processed(upload.id, safeName: "export.txt")
        let head = try #require(try await harness.store.head(destination))
        #expect(head.etag.hasSuffix("-3") && head.metadata["airlock-sha256"] == sha256Hex(bytes), "\(head)")
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        #expect(try await harness.drift().isEmpty)  // hashes the processed object: the whole file, byte for byte
    }

    /// The same race at random instants, while the worker runs.
    @Test func aCollidingRewriteAtRandomInstantsIsNeverPromoted() async throws {
        let (first, second) = Self.pair
        for round in 0..<6 {
            let harness = try await PipelineHarness()
            let upload = try await harness.upload(first, filename: "record.bin", declaredType: "application/octet-stream", profile: "binaries")
            let target = harness.layout.incoming(upload.id)
            let delay = Int.random(in: 0...40)
            async let rewrite: Void = {
                try await Task.sleep(for: .milliseconds(delay))
                try await harness.put(second, at: target)
            }()
            _ = try await harness.worker().processBatch()
            try await rewrite
            while try await harness.worker().processBatch() > 0 {}
            // Whatever instant it landed at: processed holds the first file or nothing; never the second.
            let processed = try await harness.keys(under: "processed/")
            for key in processed {
                #expect(
                    try await harness.bytes(at: ObjectRef(bucket: harness.layout.processed.bucket, key: key)) == first,
                    "round \(round), delay \(delay) ms"
                )
            }
            try await Self.expectSecondRecordedAndIncomingEmpty(harness, key: target.key, round: round)
            await harness.close()
        }
    }

    /// Every copy of the second file ends recorded in quarantine (as unsolicited, or as the upload itself when it
    /// landed before the worker took custody), and incoming empties once no URL can write.
    static func expectSecondRecordedAndIncomingEmpty(_ harness: PipelineHarness, key: String, round: Int = 0) async throws {
        try await harness.sweepAfterExpiry()
        while try await harness.worker().processBatch() > 0 {}
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty, "round \(round)")
        let quarantined = try await harness.catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 10)
        let second = sha256Hex(pair.second)
        let records = quarantined.filter { $0.sha256 == second }
        #expect(records.count == 1, "round \(round): \(quarantined)")
        for record in records {
            #expect(record.outcome == .infected, "round \(round)")
            #expect(try await harness.bytes(at: harness.layout.quarantine(record.id)) == pair.second, "round \(round)")
        }
        #expect(try await harness.drift().isEmpty, "round \(round)")
    }
}

/// Every failure ends in a terminal, visible state: a vanished source, a store that refuses every write.
@Suite struct PipelineFailureTests {
    @Test func aSourceDeletedBeforeCustodyEndsExpiredWithAReasonAndNoRetries() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let upload = try await harness.upload(PipelineHarness.pdf("gone"), filename: "gone.pdf")
        try await harness.store.delete(harness.layout.incoming(upload.id))
        #expect(try await harness.worker().processBatch() == 1)
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .expired && record.reasons.map(\.code) == [.sourceMissing] && record.outcome == .failed, "\(record)")
        #expect(record.leaseOwner == nil)
        #expect(try await harness.worker().processBatch() == 0)
        #expect(try await harness.keys(under: "processed/").isEmpty)
        #expect(try await harness.keys(under: "quarantine/").isEmpty)
    }

    @Test(arguments: [CustodyTests.Point.afterDownload, .afterInspection])
    func aSourceDeletedAfterCustodyChangesNothing(at point: CustodyTests.Point) async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let bytes = PipelineHarness.pdf("kept")
        let upload = try await harness.upload(bytes, filename: "kept.pdf")
        let target = harness.layout.incoming(upload.id)
        let remove: @Sendable (Upload) async -> Void = { _ in try? await harness.store.delete(target) }
        let hooks = point == .afterDownload ? WorkerHooks(afterDownload: remove) : WorkerHooks(afterInspection: remove)
        #expect(try await harness.worker(hooks: hooks).processBatch() == 1)
        #expect(try await harness.catalog.upload(id: upload.id)?.state == .processed)
        #expect(try await harness.bytes(at: harness.layout.processed(upload.id, safeName: "kept.pdf")) == bytes)
        let report = try await harness.sweepAfterExpiry()
        #expect(report.unsolicited == 0 && report.removedFromIncoming == 0)
    }

    /// Bytes written after custody began, landing between two attempts (the first failed to scan): the upload ends,
    /// the new bytes are recorded apart as unsolicited and quarantined; nothing reaches processed.
    @Test func bytesReplacedBetweenAttemptsEndTheUploadAndAreRecordedApart() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let broken = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamdScanner(address: "unix:///nonexistent/clamd.sock", timeout: .seconds(1)),
            threads: 1
        )
        defer { broken.shutdown() }
        let (first, second) = CustodyTests.pair
        let upload = try await harness.upload(first, filename: "record.bin", declaredType: "application/octet-stream", profile: "binaries")
        #expect(try await harness.worker(inspector: broken).processBatch() == 1)  // custody recorded, the scan failed
        #expect(try await harness.catalog.upload(id: upload.id)?.sha256 == sha256Hex(first))
        try await harness.put(second, at: harness.layout.incoming(upload.id))
        #expect(try await harness.worker().processBatch() == 1)
        let ended = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(ended.state == .expired && ended.reasons.map(\.code) == [.sourceMissing] && ended.sha256 == sha256Hex(first), "\(ended)")
        #expect(try await harness.sweepAfterExpiry().unsolicited == 1)
        while try await harness.worker().processBatch() > 0 {}
        let quarantined = try await harness.catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 10)
        #expect(quarantined.count == 1 && quarantined.first?.sha256 == sha256Hex(second) && quarantined.first?.originalKey == upload.incomingKey)
        #expect(try await harness.keys(under: "processed/").isEmpty)
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        #expect(try await harness.drift().isEmpty)
    }

    /// A rescan that keeps failing ends after maxAttempts claims, visibly, instead of retrying forever.
    @Test func aRescanThatKeepsFailingEnds() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let broken = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamdScanner(address: "unix:///nonexistent/clamd.sock", timeout: .seconds(1)),
            threads: 1
        )
        defer { broken.shutdown() }
        let upload = try await harness.upload(PipelineHarness.eicar, filename: "bad.txt", declaredType: "text/plain")
        #expect(try await harness.worker().processBatch() == 1)
        #expect(try await harness.catalog.requestRescan(id: upload.id, now: SystemWallClock().now()))
        let worker = harness.worker(inspector: broken, maxAttempts: 2)
        var claims = 0
        while claims < 10 {
            if try await worker.processBatch() > 0 {
                claims += 1
                continue
            }
            // A failed attempt is due again when its lease time has passed (strictly: at the next millisecond with no
            // backoff): wait for it while the rescan is still requested, instead of counting a claim that came too soon.
            guard try await harness.catalog.upload(id: upload.id)?.flags.contains("rescan_requested") == true else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(claims < 10, "the rescan never ends")
        #expect(claims == 3)
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .quarantined && !record.flags.contains("rescan_requested") && record.rescanAttempts == 0, "\(record)")
        #expect(record.reasons.contains { $0.code == .scanFailed && $0.detail.hasPrefix("the rescan failed 2 times") }, "\(record.reasons)")
        #expect(record.reasons.contains { $0.code == .malware })  // the earlier verdict stays
        #expect(try await harness.drift().isEmpty)
    }

    /// A store that takes reads but refuses every write (an outage of the write path, a full or read-only cluster).
    final class RefusingWrites: ObjectStore {
        let inner: any ObjectStore
        let refusing = Mutex(true)
        init(_ inner: any ObjectStore) { self.inner = inner }
        func refuse() throws { if refusing.withLock({ $0 }) { throw StoreFailure(.transient, "503 SlowDown (test outage)") } }
        func head(_ object: ObjectRef) async throws -> ObjectInfo? { try await inner.head(object) }
        func download(_ object: ObjectRef, ifMatch etag: String?, to descriptor: Int32, observe: DownloadObserver?) async throws -> ObjectInfo {
            try await inner.download(object, ifMatch: etag, to: descriptor, observe: observe)
        }
        func copy(
            from source: ObjectRef,
            ifMatch etag: String,
            size: Int64,
            to destination: ObjectRef,
            contentType: String?,
            metadata: [(name: String, value: String)]
        ) async throws -> CopyOutcome {
            try refuse()
            return try await inner.copy(from: source, ifMatch: etag, size: size, to: destination, contentType: contentType, metadata: metadata)
        }
        func upload(
            from descriptor: Int32,
            size: Int64,
            to destination: ObjectRef,
            contentType: String?,
            metadata: [(name: String, value: String)],
            md5: String?,
            sha256: String?
        ) async throws -> String {
            try refuse()
            return try await inner.upload(
                from: descriptor,
                size: size,
                to: destination,
                contentType: contentType,
                metadata: metadata,
                md5: md5,
                sha256: sha256
            )
        }
        func delete(_ object: ObjectRef) async throws {
            try refuse()
            try await inner.delete(object)
        }
        func list(bucket: String, prefix: String, startAfter: String?, limit: Int) async throws -> (objects: [ListedObjectInfo], more: Bool) {
            try await inner.list(bucket: bucket, prefix: prefix, startAfter: startAfter, limit: limit)
        }
        func abortMultipartUpload(_ object: ObjectRef, uploadID: String) async throws {
            try await inner.abortMultipartUpload(object, uploadID: uploadID)
        }
        func createMultipartUpload(_ object: ObjectRef, contentType: String, metadata: [(name: String, value: String)]) async throws -> String {
            try await inner.createMultipartUpload(object, contentType: contentType, metadata: metadata)
        }
        func completeMultipartUpload(_ object: ObjectRef, uploadID: String, parts: [(number: Int, etag: String)]) async throws {
            try await inner.completeMultipartUpload(object, uploadID: uploadID, parts: parts)
        }
    }

    @Test func aStoreThatRefusesEveryWriteEndsTheUploadVisiblyAndARescanRecoversIt() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let bytes = PipelineHarness.pdf("stuck")
        let upload = try await harness.upload(bytes, filename: "stuck.pdf")
        let store = RefusingWrites(harness.store)
        let health = StoreHealth(sustainedMillis: 0)
        let worker = harness.worker(maxAttempts: 2, store: store, storeHealth: health)
        #expect(health.check.ready)
        // Two attempts, two tries to quarantine it as scan_failed, then the end: bounded, whatever the store does.
        var claims = 0
        while try await worker.processBatch() > 0 { claims += 1 }
        #expect(claims == 2 + AttemptPlan.quarantineTries + 1)  // maxAttempts, the quarantine tries, the end
        let ended = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(ended.state == .quarantined && ended.outcome == .failed && ended.destinationKey == nil, "\(ended)")
        #expect(ended.reasons.first?.code == .scanFailed && ended.reasons.first?.detail.contains("not moved out of incoming") == true)
        #expect(try await harness.keys(under: "processed/").isEmpty)
        // Readiness says so while it lasts.
        #expect(!health.check.ready && health.check.detail.contains("SlowDown"), "\(health.check)")
        // The reconciler leaves its object alone (it is the upload's, not unsolicited).
        let report = try await harness.sweepAfterExpiry()
        #expect(report.unsolicited == 0 && report.removedFromIncoming == 0, "\(report)")
        #expect(try await harness.bytes(at: harness.layout.incoming(upload.id)) == bytes)
        // It cannot be released before it is placed.
        let configPath = harness.temporaryDirectory + "/airlock.yaml"
        try CrashSafetyTests.configuration(harness: harness, database: harness.databasePath, temporaryDirectory: harness.temporaryDirectory)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let release = try await TestProcess.run([
            Repository.path(".build/debug/airlock"), "quarantine", "release", upload.id.rawValue, "--note", "n", "--config", configPath,
        ])
        #expect(release.status == 2 && release.stderrText.contains("not_placed"), "\(release.stderrText)")
        // Once the store works again, a rescan (the operator's retry) inspects and places it.
        store.refusing.withLock { $0 = false }
        #expect(try await harness.catalog.requestRescan(id: upload.id, now: SystemWallClock().now()))
        #expect(try await worker.processBatch() == 1)
        let placed = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(
            placed.state == .quarantined && placed.destinationKey == harness.layout.quarantine(upload.id).key && placed.flags == ["rescanned_clean"],
            "\(placed)"
        )
        #expect(try await harness.bytes(at: harness.layout.quarantine(upload.id)) == bytes)
        #expect(health.check.ready)
        #expect(try await harness.sweepAfterExpiry().removedFromIncoming == 1)
        #expect(try await harness.drift().isEmpty)
    }

    /// The check itself: each kind of drift is found.
    @Test func driftBetweenBucketsAndCatalogIsReported() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let clean = try await harness.upload(PipelineHarness.pdf("clean"), filename: "clean.pdf")
        let infected = try await harness.upload(PipelineHarness.eicar, filename: "bad.txt", declaredType: "text/plain")
        let gone = try await harness.upload(PipelineHarness.pdf("will vanish"), filename: "gone.pdf")
        while try await harness.worker().processBatch() > 0 {}
        try await harness.sweepAfterExpiry()
        #expect(try await harness.drift().isEmpty)

        // Bytes swapped under a processed key; a stray object in processed; a quarantined object removed behind the
        // catalog's back; a processed one too.
        let processed = harness.layout.processed(clean.id, safeName: "clean.pdf")
        _ = try await harness.client.putObject(
            processed,
            body: .bytes(PipelineHarness.eicar),
            contentType: "application/pdf",
            metadata: [("airlock-id", clean.id.rawValue), ("airlock-sha256", try #require(try await harness.catalog.upload(id: clean.id)?.sha256))]
        )
        try await harness.put(
            Array("stray".utf8),
            at: ObjectRef(bucket: harness.layout.processed.bucket, key: harness.layout.processed.prefix + "nobody/x.txt")
        )
        try await harness.store.delete(harness.layout.quarantine(infected.id))
        try await harness.store.delete(harness.layout.processed(gone.id, safeName: "gone.pdf"))
        let found = try await harness.drift()
        #expect(found.contains { $0.kind == .unverifiedProcessed && $0.upload == clean.id && $0.detail.contains("SHA-256") }, "\(found)")
        #expect(found.contains { $0.kind == .unverifiedProcessed && $0.upload == nil })
        #expect(found.contains { $0.kind == .missing && $0.upload == infected.id })
        #expect(found.contains { $0.kind == .missing && $0.upload == gone.id })
        #expect(found.count == 4, "\(found)")
    }
}
