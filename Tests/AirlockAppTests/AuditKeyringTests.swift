import AirlockCore
import AirlockTesting
import Foundation
import Logging
import Pipeline
import Testing

@testable import AirlockApp
@testable import Catalog

/// The keyed audit chain (issue 17, finding 1): what `airlock audit verify` accepts and refuses.
struct AuditKeyringTests {
    static let first = "the-first-audit-key-0123456789abcdef"
    static let second = "the-second-audit-key-0123456789abcdef"

    func withCatalog(_ body: @Sendable (SQLCatalog) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-audit-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let catalog = try await CatalogFactory.openSQLite(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await body(catalog)
        } catch {
            await catalog.close()
            throw error
        }
        await catalog.close()
    }

    static func entry(_ action: String) -> AuditEntry { AuditEntry(at: 1_000, actor: "key:alice", action: action) }

    @Test func aRotationIsRecordedAndRetiredKeysStillVerify() async throws {
        try await withCatalog { catalog in
            // Entries from before any key, then the first key, then the second.
            let unkeyed = AuditLog(catalog: catalog, keyring: AuditKeyring(current: nil))
            try await unkeyed.append(Self.entry("before.keys"))
            let first = AuditLog(catalog: catalog, keyring: AuditKeyring(current: Self.first))
            try await first.recordRotation(now: 2_000)
            try await first.append(Self.entry("under.first"))
            try await first.recordRotation(now: 2_500)  // nothing to record: the head is already under this key
            #expect(try await AuditCommands.verify(catalog, keyring: first.keyring).failure == nil)

            let secondKeyring = AuditKeyring(current: Self.second, retired: [Self.first])
            let second = AuditLog(catalog: catalog, keyring: secondKeyring)
            try await second.recordRotation(now: 3_000)
            try await second.append(Self.entry("under.second"))
            let entries = try await catalog.auditEntries(after: 0, limit: 100)
            #expect(
                entries.map(\.action) == ["before.keys", AuditKeyring.rotationAction, "under.first", AuditKeyring.rotationAction, "under.second"]
            )
            let held = try await AuditCommands.verify(catalog, keyring: secondKeyring)
            #expect(held.failure == nil, "\(held.line)")

            // Without the retired key, the first key's entries cannot be checked.
            let forgotten = try await AuditCommands.verify(catalog, keyring: AuditKeyring(current: Self.second))
            #expect(forgotten.failure?.contains("neither audit.key nor in audit.retiredKeys") == true, "\(forgotten.line)")
        }
    }

    @Test func unkeyedOrUnannouncedKeysAfterKeyedEntriesAreRefused() async throws {
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first, retired: [Self.second])
            let log = AuditLog(catalog: catalog, keyring: keyring)
            try await log.append(Self.entry("one"))
            // A key change with no audit.key_rotated entry (someone holding an old key writes on).
            let other = AuditKeyring.makeKey(Self.second)
            _ = try await catalog.appendAudit(
                Self.entry("sneaked"),
                seal: { previous, entry in AuditKeyring.mac(other, previous: previous, entry: entry) }
            )
            #expect(try await AuditCommands.verify(catalog, keyring: keyring).failure?.contains("without a recorded rotation") == true)
        }
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first)
            try await AuditLog(catalog: catalog, keyring: keyring).append(Self.entry("one"))
            // An entry sealed the way anyone can.
            _ = try await catalog.appendAudit(Self.entry("forged"), seal: AuditSeal.sha256)
            #expect(try await AuditCommands.verify(catalog, keyring: keyring).failure?.contains("unkeyed after entries sealed") == true)
        }
        try await withCatalog { catalog in
            // A whole chain recomputed without the key, checked by a verifier that has it.
            _ = try await catalog.appendAudit(Self.entry("one"), seal: AuditSeal.sha256)
            #expect(
                try await AuditCommands.verify(catalog, keyring: AuditKeyring(current: Self.first)).failure?.contains("no entry is sealed with a key")
                    == true
            )
        }
    }

    @Test func checkpointsCatchTruncationAndRewrites() async throws {
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first)
            let log = AuditLog(catalog: catalog, keyring: keyring)
            for index in 0..<5 { try await log.append(Self.entry("entry.\(index)")) }
            let head = try #require(try await catalog.latestAuditEntry())
            let checkpoint = AuditCheckpoint(sequence: head.sequence, head: head.hash, at: 5_000)
            #expect(try await AuditCommands.verify(catalog, keyring: keyring, checkpoints: [checkpoint]).failure == nil)
            let other = AuditCheckpoint(sequence: head.sequence, head: "hmac-sha256:0:00", at: 5_000)
            #expect(
                try await AuditCommands.verify(catalog, keyring: keyring, checkpoints: [other]).failure?.contains("it was removed or rewritten")
                    == true
            )
            _ = try await catalog.driver.query("DELETE FROM audit_log WHERE sequence = $1", [.int(head.sequence)])
            #expect(
                try await AuditCommands.verify(catalog, keyring: keyring, checkpoints: [checkpoint]).failure?.contains("entries were removed") == true
            )
            // Without the checkpoint the shortened chain itself still holds: what the checkpoint is for.
            #expect(try await AuditCommands.verify(catalog, keyring: keyring).failure == nil)
        }
    }

    /// Finding A of the second round: a checkpointed entry removed, the log grown past it again and checkpointed anew.
    @Test func everyCheckpointIsComparedAfterTheLogRegrows() async throws {
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first)
            let log = AuditLog(catalog: catalog, keyring: keyring)
            for index in 0..<5 { try await log.append(Self.entry("entry.\(index)")) }
            let fifth = try #require(try await catalog.latestAuditEntry())
            let old = AuditCheckpoint(sequence: fifth.sequence, head: fifth.hash, at: 5_000)
            _ = try await catalog.driver.query("DELETE FROM audit_log WHERE sequence = $1", [.int(fifth.sequence)])
            for index in 0..<2 { try await log.append(Self.entry("regrown.\(index)")) }
            let head = try #require(try await catalog.latestAuditEntry())
            #expect(head.sequence == 6)
            let new = AuditCheckpoint(sequence: head.sequence, head: head.hash, at: 6_000)
            let result = try await AuditCommands.verify(catalog, keyring: keyring, checkpoints: [old, new])
            #expect(
                result.failures == ["entry 5 is not the entry checkpointed at \(Timestamp.iso8601(5_000)): it was removed or rewritten"],
                "\(result.line)"
            )
            // The newest checkpoint alone (what verify compared before) does not see it.
            #expect(try await AuditCommands.verify(catalog, keyring: keyring, checkpoints: [new]).failure == nil)
        }
    }

    /// Finding A: the checkpointer refuses to checkpoint a chain that lost the entry of its last checkpoint.
    @Test func theCheckpointerRefusesAChainThatLostItsLastCheckpoint() async throws {
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first)
            let log = AuditLog(catalog: catalog, keyring: keyring)
            for index in 0..<5 { try await log.append(Self.entry("entry.\(index)")) }
            let store = MemoryObjectStore()
            let place = BucketPrefix(bucket: "quarantine", prefix: "airlock-audit/")
            let checkpointer = AuditCheckpointer(
                catalog: catalog,
                store: store,
                settings: AuditCheckpointSettings(place: place, interval: .seconds(60)),
                temporaryDirectory: FileManager.default.temporaryDirectory.path,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            let first = try #require(await checkpointer.checkpoint(after: nil))
            #expect(first.sequence == 5)
            try await log.append(Self.entry("entry.5"))
            let second = try #require(await checkpointer.checkpoint(after: first))
            #expect(second.sequence == 6)
            _ = try await catalog.driver.query("DELETE FROM audit_log WHERE sequence >= 6", [])
            for index in 0..<3 { try await log.append(Self.entry("regrown.\(index)")) }
            // Sequence 6 exists again, but it is not the checkpointed entry: nothing more is written.
            #expect(await checkpointer.checkpoint(after: second) == second)
            let keys = try await AuditCheckpoint.keys(in: store, place: place)
            #expect(keys.count == 2)
            let all = try await AuditCheckpoint.all(in: store, place: place, temporaryDirectory: FileManager.default.temporaryDirectory.path)
            #expect(all.map(\.sequence) == [5, 6] && all.map(\.head) == [first.head, second.head])
            #expect(
                try await AuditCommands.verify(catalog, keyring: keyring, checkpoints: all).failure?.hasPrefix(
                    "entry 6 is not the entry checkpointed"
                ) == true
            )
        }
    }

    /// Finding B: a rotation back to a retired key (which may have leaked) is refused, and so is what it sealed.
    @Test func aRotationBackToARetiredKeyIsRefused() async throws {
        try await withCatalog { catalog in
            let firstLog = AuditLog(catalog: catalog, keyring: AuditKeyring(current: Self.first))
            try await firstLog.append(Self.entry("under.first"))
            let keyring = AuditKeyring(current: Self.second, retired: [Self.first])
            let secondLog = AuditLog(catalog: catalog, keyring: keyring)
            try await secondLog.recordRotation(now: 2_000)
            try await secondLog.append(Self.entry("under.second"))
            #expect(try await AuditCommands.verify(catalog, keyring: keyring).failure == nil)
            // The attacker holds only the retired first key: a rotation "back" to it, then a forged entry.
            let leaked = AuditKeyring.makeKey(Self.first)
            let second = AuditKeyring.makeKey(Self.second)
            _ = try await catalog.appendAudit(
                AuditEntry(
                    at: 3_000,
                    actor: "system",
                    action: AuditKeyring.rotationAction,
                    detail: #"{"from":"\#(second.id)","to":"\#(leaked.id)"}"#
                ),
                seal: { previous, entry in AuditKeyring.mac(leaked, previous: previous, entry: entry) }
            )
            _ = try await catalog.appendAudit(
                Self.entry("forged"),
                seal: { previous, entry in AuditKeyring.mac(leaked, previous: previous, entry: entry) }
            )
            let result = try await AuditCommands.verify(catalog, keyring: keyring)
            #expect(result.failure?.hasPrefix("entry 4 rotates back to key \(leaked.id)") == true, "\(result.line)")
        }
    }

    /// Finding E: a process still configured with a key the log rotated away from writes nothing (no rotation back).
    @Test func aProcessWithARetiredKeyRefusesToWrite() async throws {
        try await withCatalog { catalog in
            let old = AuditLog(catalog: catalog, keyring: AuditKeyring(current: Self.first))
            try await old.append(Self.entry("under.first"))
            let new = AuditLog(catalog: catalog, keyring: AuditKeyring(current: Self.second, retired: [Self.first]))
            try await new.recordRotation(now: 2_000)
            try await new.append(Self.entry("under.second"))
            let before = try #require(try await catalog.latestAuditEntry())
            // A replica started with the old configuration: refuses at start, writing no rotation back.
            await #expect(throws: AirlockError.self) { try await old.recordRotation(now: 3_000) }
            // One that was running when the key changed: its next entry is refused.
            await #expect(throws: AirlockError.self) { try await old.append(Self.entry("stale")) }
            // Nor may a process without audit.key write on a keyed log.
            await #expect(throws: AirlockError.self) {
                try await AuditLog(catalog: catalog, keyring: AuditKeyring(current: nil)).append(Self.entry("unkeyed"))
            }
            await #expect(throws: AirlockError.self) {
                try await AuditLog(catalog: catalog, keyring: AuditKeyring(current: nil)).recordRotation(now: 3_000)
            }
            #expect(try await catalog.latestAuditEntry() == before)
            #expect(try await AuditCommands.verify(catalog, keyring: new.keyring).failure == nil)
        }
    }

    /// Finding D: verify reports every broken entry, not only the first; and the catalog refuses a NUL it could not keep.
    @Test func verifyReportsEveryBrokenEntry() async throws {
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first)
            let log = AuditLog(catalog: catalog, keyring: keyring)
            for index in 0..<30 { try await log.append(AuditEntry(at: 1_000, actor: "key:alice", action: "entry.\(index)", note: "note \(index)")) }
            _ = try await catalog.driver.query("UPDATE audit_log SET note = 'altered' WHERE sequence = 2 OR sequence > 6", [])
            let result = try await AuditCommands.verify(catalog, keyring: keyring)
            #expect(result.entries == 30)
            #expect(result.failureCount == 25)
            #expect(result.failures.first == "entry 2 was altered (its MAC does not hold)")
            #expect(result.failures.dropFirst().first == "entry 7 was altered (its MAC does not hold)")
            let lines = result.line.split(separator: "\n")
            #expect(lines.first == "audit log broken: 25 problems in 30 entries")
            #expect(lines.count == 1 + AuditCommands.Verification.printedFailures + 1)
            #expect(lines.last == "  ... and 5 more")

            await #expect(throws: (any Error).self) {
                try await log.append(AuditEntry(at: 1_000, actor: "key:alice", action: "quarantine.release", note: "\u{0}"))
            }
            #expect(try await catalog.latestAuditEntry()?.sequence == 30)
        }
    }
}
