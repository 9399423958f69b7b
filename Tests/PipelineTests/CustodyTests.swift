import AirlockCore
import AirlockTesting
import Crypto
import Catalog
import Foundation
import Inspection
import Pipeline
import Testing

/// Custody by construction, attacked the way a client holding a still-valid upload form can: two files of equal
/// length and MD5 (the Wang et al. 2004 collision pair with a common suffix), the second one malware for the
/// fixtures' signatures. The first is uploaded and completed; the second is written to the same key at each point of
/// the worker's sequence. Only the first file's bytes may ever reach processed, and every copy of the second is
/// recorded.
@Suite struct CustodyTests {
    /// The pair (fixtures/md5-collision) with a common suffix: equal size, equal MD5, different SHA-256.
    static let pair: (first: [UInt8], second: [UInt8]) = {
        let lines = (try? String(contentsOfFile: Repository.path("fixtures/md5-collision/wang2004.hex"), encoding: .utf8))?.split(separator: "\n") ?? []
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
            let verdict = await harness.inspector.inspect(InspectionRequest(path: path, filename: name, profile: try #require(harness.profiles["binaries"])))
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
        try await Self.expectSecondRecordedAndIncomingEmpty(harness, key: target.key)
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
                #expect(try await harness.bytes(at: ObjectRef(bucket: harness.layout.processed.bucket, key: key)) == first, "round \(round), delay \(delay) ms")
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
    }
}
