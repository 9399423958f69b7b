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

/// The worker end to end on the test store (Ceph RGW or SeaweedFS), a SQLite catalog, libmagic and libclamav.
@Suite struct WorkerTests {
    @Test func cleanFilesAreMovedToProcessedWithTheirMetadata() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let bytes = PipelineHarness.pdf("quarterly report")
        let upload = try await harness.upload(bytes, filename: "report.pdf")
        #expect(try await harness.worker().processBatch() == 1)

        let stored = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(stored.state == .processed, "\(stored.lastError ?? "")")
        #expect(stored.outcome == .clean)
        #expect(stored.sha256 == sha256Hex(bytes))
        #expect(stored.leaseOwner == nil)
        let destination = harness.layout.processed(upload.id, safeName: "report.pdf")
        #expect(try await harness.bytes(at: destination) == bytes)
        // The original stays in incoming while its upload URL could still write it, then goes once its bytes are
        // read back and are the inspected ones.
        #expect(try await harness.bytes(at: harness.layout.incoming(upload.id)) == bytes)
        #expect(try await harness.sweepAfterExpiry().removedFromIncoming == 1)
        #expect(try await harness.bytes(at: harness.layout.incoming(upload.id)) == nil)
        let head = try #require(try await harness.store.head(destination))
        #expect(head.metadata["airlock-id"] == upload.id.rawValue)
        #expect(head.metadata["airlock-outcome"] == "clean")
        #expect(head.metadata["airlock-sha256"] == sha256Hex(bytes))
        #expect(head.metadata["airlock-type"] == "application/pdf")
        #expect(head.metadata["airlock-engine"] == "clamav-test")
        #expect(head.contentType == "application/pdf")
        #expect(try await harness.keys(under: "quarantine/").isEmpty)
    }

    /// The worker hashes its download as it arrives (several MiB: many runs of bytes): the inspection is handed
    /// the whole file's digests, and they are the file's.
    @Test func theDownloadIsHashedOnTheWayAndTheDigestsAreTheFiles() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let line = Array("an ordinary line of a long text report\n".utf8)
        let bytes = Array((0..<(5 << 20) / line.count).flatMap { _ in line })
        let upload = try await harness.upload(bytes, filename: "long.txt", declaredType: "text/plain")
        let seen = RecordingInspector(inner: harness.inspector)
        #expect(try await harness.worker(inspector: seen).processBatch() == 1)
        let request = try #require(seen.requests.withLock { $0.first })
        #expect(request.digests == FileDigests(size: Int64(bytes.count), sha256: sha256Hex(bytes), md5: md5Hex(bytes)))
        #expect(request.exclusive)
        let stored = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(stored.state == .processed, "\(stored.lastError ?? "")")
        #expect(stored.sha256 == sha256Hex(bytes))
    }

    @Test func infectedSpoofedAndUnsolicitedObjectsAreQuarantined() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let infected = try await harness.upload(PipelineHarness.eicar, filename: "notes.txt", declaredType: "text/plain")
        let executable =
            Array("MZ".utf8) + [UInt8](repeating: 0x90, count: 58) + [0x40, 0, 0, 0] + Array("PE\0\0".utf8) + [UInt8](repeating: 0, count: 200)
        let spoofed = try await harness.upload(executable, filename: "invoice.pdf")

        // An object nobody asked for, recorded by the reconciler as unsolicited.
        let now = SystemWallClock().now()
        let strayKey = "incoming/" + UploadID.generate(at: now).rawValue
        try await harness.put(Array("who sent this?".utf8), at: ObjectRef(bucket: harness.layout.incoming.bucket, key: strayKey))
        let strayID = UploadID.generate(at: now + 1)
        let stray = try await harness.catalog.createUnsolicited(
            Upload(
                id: strayID,
                owner: "",
                profile: "documents",
                filename: "unsolicited",
                safeName: "unsolicited",
                declaredSize: 0,
                declaredType: "application/octet-stream",
                incomingKey: strayKey,
                state: .uploaded,
                originalKey: strayKey,
                createdAt: now,
                expiresAt: now
            )
        )
        let worker = harness.worker()
        while try await worker.processBatch() > 0 {}

        let infectedRecord = try #require(try await harness.catalog.upload(id: infected.id))
        #expect(infectedRecord.state == .quarantined && infectedRecord.outcome == .infected)
        #expect(infectedRecord.reasons.contains { $0.code == .malware })
        #expect(try await harness.bytes(at: harness.layout.quarantine(infected.id)) == PipelineHarness.eicar)
        let spoofedRecord = try #require(try await harness.catalog.upload(id: spoofed.id))
        #expect(spoofedRecord.state == .quarantined && spoofedRecord.outcome != .clean, "\(spoofedRecord.reasons)")
        #expect(spoofedRecord.reasons.contains { $0.code == .typeNotAllowed || $0.code == .typeMismatch })
        let strayRecord = try #require(try await harness.catalog.upload(id: stray.id))
        #expect(strayRecord.state == .quarantined)
        #expect(strayRecord.reasons.first?.code == .unsolicited)
        let strayHead = try #require(try await harness.store.head(harness.layout.quarantine(stray.id)))
        #expect(strayHead.metadata["airlock-original-key"] == strayKey)
        #expect(strayHead.metadata["airlock-reasons"]?.hasPrefix("unsolicited") == true)
        try await harness.sweepAfterExpiry()
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        #expect(try await harness.keys(under: "processed/").isEmpty)
    }

    /// The scanner failing is retried, then quarantined as scan_failed; the bytes never reach processed.
    @Test func scannerFailuresEndAsScanFailed() async throws {
        let harness = try await PipelineHarness()
        defer { Task { await harness.close() } }
        let broken = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamdScanner(address: "unix:///nonexistent/clamd.sock", timeout: .seconds(1)),
            threads: 1
        )
        defer { broken.shutdown() }
        let upload = try await harness.upload(PipelineHarness.pdf("fine"), filename: "fine.pdf")
        let worker = harness.worker(inspector: broken, maxAttempts: 2)
        for _ in 0..<3 { _ = try await worker.processBatch() }
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .quarantined, "\(record)")
        #expect(record.outcome == .failed)
        #expect(record.reasons.map(\.code) == [.scanFailed])
        #expect(record.attempts == 3)
        #expect(try await harness.bytes(at: harness.layout.quarantine(upload.id)) == PipelineHarness.pdf("fine"))
        #expect(try await harness.keys(under: "processed/").isEmpty)
    }

    /// An inspector that, while inspecting the first version, replaces the object in incoming with EICAR: the race a
    /// client can run between the scan and the promotion.
    final class Overwriter: FileInspector {
        let harness: PipelineHarness
        let target: ObjectRef
        let inner: Inspector
        let fired = Mutex(false)

        init(harness: PipelineHarness, target: ObjectRef) {
            self.harness = harness
            self.target = target
            self.inner = harness.inspector
        }

        func inspect(_ request: InspectionRequest) async -> Verdict {
            if !fired.withLock({
                let was = $0; $0 = true; return was
            }) {
                try? await harness.put(PipelineHarness.eicar + Array(" replaced".utf8), at: target)
            }
            return await inner.inspect(request)
        }
    }

    @Test(arguments: [BackendProfile.of(S3TestServer.current.backend), BackendProfile.of(.aws)])
    func anObjectReplacedAfterCustodyIsRecordedNeverPromoted(_ profile: BackendProfile) async throws {
        let harness = try await PipelineHarness(profile: profile)
        defer { Task { await harness.close() } }
        let letter = Array("an ordinary letter\n".utf8)
        let upload = try await harness.upload(letter, filename: "letter.txt", declaredType: "text/plain")
        let worker = harness.worker(inspector: Overwriter(harness: harness, target: harness.layout.incoming(upload.id)))
        _ = try await worker.processBatch()
        // What was inspected is what was promoted: the worker's own copy, not whatever incoming holds now.
        let record = try #require(try await harness.catalog.upload(id: upload.id))
        #expect(record.state == .processed && record.sha256 == sha256Hex(letter), "\(record)")
        #expect(try await harness.bytes(at: harness.layout.processed(upload.id, safeName: "letter.txt")) == letter)
        // The replacement is left where it is, then recorded as unsolicited and quarantined.
        let replaced = PipelineHarness.eicar + Array(" replaced".utf8)
        #expect(try await harness.bytes(at: harness.layout.incoming(upload.id)) == replaced)
        #expect(try await harness.sweepAfterExpiry().unsolicited == 1)
        while try await worker.processBatch() > 0 {}
        let quarantined = try await harness.catalog.uploads(state: .quarantined, owner: nil, after: nil, limit: 10)
        #expect(
            quarantined.count == 1 && quarantined.first?.outcome == .infected && quarantined.first?.originalKey == upload.incomingKey,
            "\(quarantined)"
        )
        if let stray = quarantined.first { #expect(try await harness.bytes(at: harness.layout.quarantine(stray.id)) == replaced) }
        #expect(try await harness.sweepAfterExpiry().removedFromIncoming == 1)
        #expect(try await harness.keys(under: "incoming/").isEmpty)
        #expect(try await harness.keys(under: "processed/").count == 1)
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String { Hex.lowercase(SHA256.hash(data: bytes)) }

func md5Hex(_ bytes: [UInt8]) -> String { Hex.lowercase(Insecure.MD5.hash(data: bytes)) }

/// Remembers what it was asked, then inspects with `inner`.
final class RecordingInspector: FileInspector {
    let inner: any FileInspector
    let requests = Mutex<[InspectionRequest]>([])

    init(inner: any FileInspector) {
        self.inner = inner
    }

    func inspect(_ request: InspectionRequest) async -> Verdict {
        requests.withLock { $0.append(request) }
        return await inner.inspect(request)
    }
}
