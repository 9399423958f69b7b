import AirlockCore
import AirlockTesting
import Foundation
import Logging
import Pipeline
import Testing

/// The reconciler's decisions on the in-memory catalog and store: leadership, expiry, retention under review leases.
struct ReconcilerDecisionTests {
    static let layout = ObjectLayout(
        incoming: BucketPrefix(bucket: "in", prefix: "incoming/"),
        processed: BucketPrefix(bucket: "out", prefix: "processed/"),
        quarantine: BucketPrefix(bucket: "q", prefix: "quarantine/")
    )

    static func reconciler(
        _ catalog: InMemoryCatalog,
        store: MemoryObjectStore,
        holder: String = "r1",
        clock: ShiftedClock,
        quarantineRetentionMillis: Int64? = nil
    )
        -> Reconciler
    {
        Reconciler(
            configuration: ReconcilerConfiguration(
                holderID: holder,
                interval: .seconds(1),
                expiryGraceMillis: 0,
                temporaryDirectory: FileManager.default.temporaryDirectory.path,
                staleTemporaryFileMillis: .max / 2,
                quarantineRetentionMillis: quarantineRetentionMillis
            ),
            layout: layout,
            catalog: catalog,
            store: store,
            clock: clock,
            wake: WakeSignal(),
            logger: Logger(label: "airlock.test.reconciler")
        )
    }

    static func upload(_ number: Int, state: UploadState, at time: EpochMillis) -> Upload {
        let id = UploadID.generate(at: time + EpochMillis(number))
        var upload = Upload(
            id: id,
            owner: "key:app",
            profile: "documents",
            filename: "f\(number).pdf",
            safeName: "f\(number).pdf",
            declaredSize: 3,
            declaredType: "application/pdf",
            incomingKey: layout.incoming(id).key,
            createdAt: time,
            expiresAt: time + 1000
        )
        upload.state = state
        upload.updatedAt = time
        if state == .quarantined { upload.destinationKey = "quarantine/\(id)" }
        return upload
    }

    @Test func onlyTheLeaderActsAndExpiredIntentsExpire() async throws {
        let catalog = InMemoryCatalog()
        let store = MemoryObjectStore()
        let clock = ShiftedClock()
        let now = clock.now()
        let stale = try await catalog.createUpload(Self.upload(1, state: .pending, at: now - 10_000))
        let fresh = try await catalog.createUpload(Self.upload(2, state: .pending, at: now + 60_000))

        let first = try await Self.reconciler(catalog, store: store, holder: "r1", clock: clock).pass()
        #expect(first.leader && first.expired == 1, "\(first)")
        #expect(try await catalog.upload(id: stale.id)?.state == .expired)
        #expect(try await catalog.upload(id: fresh.id)?.state == .pending)
        // Another replica waits while r1's leadership lasts.
        let second = try await Self.reconciler(catalog, store: store, holder: "r2", clock: clock).pass()
        #expect(!second.leader && second.expired == 0, "\(second)")
    }

    @Test func retentionPurgesQuarantineUnderAReviewLeaseAndAuditsIt() async throws {
        let catalog = InMemoryCatalog()
        let store = MemoryObjectStore()
        let clock = ShiftedClock()
        let day: Int64 = 86_400_000
        let now = clock.now()
        let old = try await catalog.createUpload(Self.upload(1, state: .quarantined, at: now - 40 * day))
        let reviewed = try await catalog.createUpload(Self.upload(2, state: .quarantined, at: now - 40 * day))
        let recent = try await catalog.createUpload(Self.upload(3, state: .quarantined, at: now - day))
        for upload in [old, reviewed, recent] { store.put([1, 2, 3], at: ObjectRef(bucket: "q", key: try #require(upload.destinationKey))) }
        // A reviewer is releasing this one: retention must not race it.
        #expect(try await catalog.leaseQuarantined(id: reviewed.id, holder: "reviewer", until: now + 60_000, now: now))

        let report = try await Self.reconciler(catalog, store: store, clock: clock, quarantineRetentionMillis: 30 * day).pass()
        #expect(report.retired == 1, "\(report)")
        #expect(try await catalog.upload(id: old.id)?.state == .purged)
        #expect(store.bytes(at: ObjectRef(bucket: "q", key: try #require(old.destinationKey))) == nil)
        #expect(try await catalog.upload(id: reviewed.id)?.state == .quarantined)
        #expect(store.bytes(at: ObjectRef(bucket: "q", key: try #require(reviewed.destinationKey))) != nil)
        #expect(try await catalog.upload(id: recent.id)?.state == .quarantined)
        let trail = try await catalog.auditEntries(uploadID: old.id.rawValue)
        #expect(trail.map(\.action) == ["retention.purge"] && trail.first?.actor == "system")
    }
}
