import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Pipeline
import Testing

@Suite struct ReconcilerTests {
    func reconciler(
        _ harness: PipelineHarness,
        holder: String = "r1",
        clock: any WallClock = SystemWallClock(),
        temporaryDirectory: String? = nil
    ) -> Reconciler {
        harness.reconciler(holder: holder, clock: clock, temporaryDirectory: temporaryDirectory)
    }

    @Test func sweepsIncomingUnsolicitedAndConsumedKeys() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let reconciler = reconciler(harness)
        let worker = harness.worker()

        // An intent whose client uploaded but never called complete.
        let now = SystemWallClock().now()
        let id = UploadID.generate(at: now)
        let bytes = PipelineHarness.pdf("uploaded without complete")
        _ = try await harness.catalog.createUpload(
            Upload(
                id: id,
                owner: "key:app",
                profile: "documents",
                filename: "a.pdf",
                safeName: "a.pdf",
                declaredSize: Int64(bytes.count),
                declaredType: "application/pdf",
                incomingKey: harness.layout.incoming(id).key,
                createdAt: now,
                expiresAt: now + 900_000
            )
        )
        try await harness.put(bytes, at: harness.layout.incoming(id))
        // An object nobody asked for.
        let strayKey = harness.layout.incoming.prefix + "stray-\(UUID().uuidString)"
        try await harness.put(PipelineHarness.eicar, at: ObjectRef(bucket: harness.layout.incoming.bucket, key: strayKey))

        var report = try await reconciler.pass()
        #expect(report.leader && report.markedUploaded == 1 && report.unsolicited == 1, "\(report)")
        // Another pass before the worker ran records nothing twice.
        report = try await reconciler.pass()
        #expect(report.markedUploaded == 0 && report.unsolicited == 0, "\(report)")
        while try await worker.processBatch() > 0 {}
        #expect(try await harness.catalog.upload(id: id)?.state == .processed)
        let quarantined = try await harness.catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 10)
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.originalKey == strayKey)
        #expect(quarantined.first?.outcome == .infected)

        // The client uploads again with its still-valid form: the key is consumed. Nothing there is judged or
        // deleted while the URL could still write it.
        try await harness.put(PipelineHarness.pdf("second version"), at: harness.layout.incoming(id))
        report = try await reconciler.pass()
        #expect(report.unsolicited == 0 && report.removedFromIncoming == 1, "\(report)")  // only the stray's original went
        #expect(try await harness.bytes(at: harness.layout.incoming(id)) == PipelineHarness.pdf("second version"))
        // Once it expired, the new bytes are not the inspected ones: recorded as unsolicited, quarantined, never promoted.
        let later = ShiftedClock(offsetMillis: 86_400_000)
        let expired = self.reconciler(harness, holder: "r1", clock: later)
        report = try await expired.pass()
        #expect(report.unsolicited == 1 && report.removedFromIncoming == 0, "\(report)")
        while try await worker.processBatch() > 0 {}
        #expect(try await harness.bytes(at: harness.layout.processed(id, safeName: "a.pdf")) == bytes)
        let all = try await harness.catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 10)
        #expect(all.count == 2)
        #expect(all.contains { $0.originalKey == harness.layout.incoming(id).key && $0.reasons.first?.code == .unsolicited })
        // Now it is what the worker inspected (as the unsolicited record): deleted; nothing is recorded twice.
        report = try await expired.pass()
        #expect(report.unsolicited == 0 && report.removedFromIncoming == 1, "\(report)")
        #expect(try await harness.keys(under: "incoming/").isEmpty)
    }

    @Test func intentsExpireAndOneReconcilerLeads() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let now = SystemWallClock().now()
        let id = UploadID.generate(at: now - 10_000)
        _ = try await harness.catalog.createUpload(
            Upload(
                id: id,
                owner: "key:app",
                profile: "documents",
                filename: "late.pdf",
                safeName: "late.pdf",
                declaredSize: 10,
                declaredType: "application/pdf",
                incomingKey: harness.layout.incoming(id).key,
                createdAt: now - 10_000,
                expiresAt: now - 1_000
            )
        )
        let first = reconciler(harness, holder: "r1")
        let second = reconciler(harness, holder: "r2")
        #expect(try await first.pass().expired == 1)
        #expect(try await second.pass().leader == false)
        #expect(try await first.pass().leader)
        #expect(try await harness.catalog.upload(id: id)?.state == .expired)
    }

    @Test func staleTemporaryFilesAreRemoved() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-tmp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["airlock-object-old", "airlock-member-old", "airlock-object-new", "unrelated-old"] {
            #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("x".utf8)))
        }
        let old = Date(timeIntervalSinceNow: -7200)
        for name in ["airlock-object-old", "airlock-member-old", "unrelated-old"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: directory + "/" + name)
        }
        #expect(try await reconciler(harness, temporaryDirectory: directory).pass().temporaryFilesRemoved == 2)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["airlock-object-new", "unrelated-old"])
    }

    @Test func retentionDeletesAndPurgesAndAuditsEachOne() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let clean = try await harness.upload(PipelineHarness.pdf("old report"), filename: "old.pdf")
        let infected = try await harness.upload(PipelineHarness.eicar, filename: "old.txt", declaredType: "text/plain")
        while try await harness.worker().processBatch() > 0 {}
        try await Task.sleep(for: .milliseconds(20))
        let kept = Reconciler(
            configuration: ReconcilerConfiguration(
                holderID: "r",
                interval: .seconds(1),
                temporaryDirectory: FileManager.default.temporaryDirectory.path
            ),
            layout: harness.layout,
            catalog: harness.catalog,
            store: harness.store,
            clock: SystemWallClock(),
            wake: WakeSignal(),
            logger: PipelineHarness.logger
        )
        #expect(try await kept.pass().retired == 0)  // no retention configured: nothing goes
        let retaining = Reconciler(
            configuration: ReconcilerConfiguration(
                holderID: "r",
                interval: .seconds(1),
                temporaryDirectory: FileManager.default.temporaryDirectory.path,
                processedRetentionMillis: 10,
                quarantineRetentionMillis: 10
            ),
            layout: harness.layout,
            catalog: harness.catalog,
            store: harness.store,
            clock: SystemWallClock(),
            wake: WakeSignal(),
            logger: PipelineHarness.logger
        )
        #expect(try await retaining.pass().retired == 2)
        #expect(try await harness.catalog.upload(id: clean.id)?.state == .deleted)
        #expect(try await harness.catalog.upload(id: infected.id)?.state == .purged)
        #expect(try await harness.keys(under: "processed/").isEmpty)
        #expect(try await harness.keys(under: "quarantine/").isEmpty)
        let audit = try await harness.catalog.auditEntries(after: 0, limit: 10)
        #expect(Set(audit.map(\.action)) == ["retention.delete", "retention.purge"])
        #expect(Set(audit.compactMap(\.uploadID)) == [clean.id.rawValue, infected.id.rawValue])
        var previous = AuditEntry.genesisHash
        for entry in audit {
            #expect(entry.previousHash == previous && entry.hash == AuditSeal.sha256(previous, entry) && entry.actor == "system")
            previous = entry.hash
        }
        #expect(try await retaining.pass().retired == 0)
    }
}
