import AirlockCore
import Foundation
import Synchronization
import Testing

@testable import Pipeline

@Suite struct StreamingDigestTests {
    static func feed(_ digest: StreamingDigest, _ bytes: [UInt8], at offset: Int64) {
        bytes.withUnsafeBytes { digest.observer($0, offset) }
    }

    @Test func runsInOrderGiveTheWholeFilesDigestsAndARetryStartsOver() {
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digest = StreamingDigest()
        Self.feed(digest, Array(bytes[0..<1000]), at: 0)
        Self.feed(digest, Array(bytes[1000..<5000]), at: 1000)
        // The transfer failed and was retried from the start.
        Self.feed(digest, Array(bytes[0..<200_000]), at: 0)
        Self.feed(digest, Array(bytes[200_000...]), at: 200_000)
        let result = digest.digests(size: Int64(bytes.count))
        #expect(result == FileDigests(size: Int64(bytes.count), sha256: sha256Hex(bytes), md5: md5Hex(bytes)))
        #expect(digest.digests(size: Int64(bytes.count) + 1) == nil)
    }

    @Test func aGapOrOverlapSpoilsTheDigests() {
        let digest = StreamingDigest()
        Self.feed(digest, [1, 2, 3], at: 0)
        Self.feed(digest, [5, 6], at: 4)
        #expect(digest.digests(size: 6) == nil)
        let overlap = StreamingDigest()
        Self.feed(overlap, [1, 2, 3], at: 0)
        Self.feed(overlap, [3, 4], at: 2)
        #expect(overlap.digests(size: 5) == nil && overlap.digests(size: 4) == nil)
    }
}
