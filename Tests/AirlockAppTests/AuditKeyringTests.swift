import AirlockApp
import AirlockCore
@testable import Catalog
import Foundation
import Logging
import Pipeline
import Testing

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
            #expect(entries.map(\.action) == ["before.keys", AuditKeyring.rotationAction, "under.first", AuditKeyring.rotationAction, "under.second"])
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
            _ = try await catalog.appendAudit(Self.entry("sneaked"), seal: AuditKeyring(current: Self.second).seal)
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
            #expect(try await AuditCommands.verify(catalog, keyring: AuditKeyring(current: Self.first)).failure?.contains("no entry is sealed with a key") == true)
        }
    }

    @Test func checkpointsCatchTruncationAndRewrites() async throws {
        try await withCatalog { catalog in
            let keyring = AuditKeyring(current: Self.first)
            let log = AuditLog(catalog: catalog, keyring: keyring)
            for index in 0..<5 { try await log.append(Self.entry("entry.\(index)")) }
            let head = try #require(try await catalog.latestAuditEntry())
            let checkpoint = AuditCheckpoint(sequence: head.sequence, head: head.hash, at: 5_000)
            #expect(try await AuditCommands.verify(catalog, keyring: keyring, checkpoint: checkpoint).failure == nil)
            let other = AuditCheckpoint(sequence: head.sequence, head: "hmac-sha256:0:00", at: 5_000)
            #expect(try await AuditCommands.verify(catalog, keyring: keyring, checkpoint: other).failure?.contains("the chain was rewritten") == true)
            _ = try await catalog.driver.query("DELETE FROM audit_log WHERE sequence = $1", [.int(head.sequence)])
            #expect(try await AuditCommands.verify(catalog, keyring: keyring, checkpoint: checkpoint).failure?.contains("entries were removed") == true)
            // Without the checkpoint the shortened chain itself still holds: what the checkpoint is for.
            #expect(try await AuditCommands.verify(catalog, keyring: keyring).failure == nil)
        }
    }
}
