import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Pipeline
import Testing

/// The worker's shell over an in-memory object store (and the real catalog and inspector): what it asks of the
/// store, and how it resumes.
@Suite struct WorkerShellTests {
    func intent(_ bytes: [UInt8], harness: PipelineHarness, store: MemoryObjectStore, name: String = "letter.txt") async throws -> Upload {
        let now = SystemWallClock().now()
        let id = UploadID.generate(at: now)
        let upload = Upload(
            id: id,
            owner: "key:app",
            profile: "documents",
            filename: name,
            safeName: name,
            declaredSize: Int64(bytes.count),
            declaredType: "text/plain",
            incomingKey: harness.layout.incoming(id).key,
            createdAt: now,
            expiresAt: now + 900_000
        )
        _ = try await harness.catalog.createUpload(upload)
        store.put(bytes, at: harness.layout.incoming(id))
        _ = try await harness.catalog.markUploaded(id: id, now: now)
        return upload
    }

    @Test func aCleanUploadCostsOneDownloadAndOneUpload() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let store = MemoryObjectStore()
        let bytes = Array("an ordinary letter\n".utf8)
        let upload = try await intent(bytes, harness: harness, store: store)
        #expect(try await harness.worker(store: store).processBatch() == 1)
        #expect(try await harness.catalog.upload(id: upload.id)?.state == .processed)
        #expect(store.bytes(at: harness.layout.processed(upload.id, safeName: "letter.txt")) == bytes)
        #expect(["download", "upload", "head", "copy", "delete"].map(store.requests) == [1, 1, 0, 0, 0])
        #expect(store.bytes(at: harness.layout.incoming(upload.id)) == bytes)  // the reconciler's, later
    }

    /// The placement landed but the attempt lost its lease before recording it: the next attempt sees its own
    /// object (id and SHA-256 in the metadata) and finishes without reading or writing the object again.
    @Test func aPlacedButUnrecordedAttemptIsFinishedByTheNext() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let store = MemoryObjectStore()
        let bytes = Array("a letter placed once\n".utf8)
        let upload = try await intent(bytes, harness: harness, store: store)
        let catalog = harness.catalog
        let hooks = WorkerHooks(afterPromotion: { _ in _ = try? await catalog.releaseLeases(worker: "w1", now: SystemWallClock().now()) })
        #expect(try await harness.worker(hooks: hooks, store: store).processBatch() == 1)
        #expect(try await harness.catalog.upload(id: upload.id)?.state == .uploaded)  // not finished: its lease went
        #expect(try await harness.worker(store: store).processBatch() == 1)
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .processed && record.leaseOwner == nil, "\(record)")
        #expect(["download", "upload"].map(store.requests) == [1, 1])
    }
}
