public import AirlockCore
import Catalog
import Configuration
import Logging
import Pipeline

/// `airlock audit verify|export`.
public enum AuditCommands {
    public struct Verification: Sendable, Equatable {
        public var entries: Int
        /// The newest entry's hash (the chain's head), or the genesis hash for an empty log.
        public var head: String
        /// The first entry that does not hold, and why.
        public var failure: String?
        /// What the newest checkpoint said, when one was compared.
        public var checkpoint: String?

        public var line: String {
            failure.map { "audit log broken: \($0)" } ?? "audit log verified: \(entries) entries, head \(head)\(checkpoint.map { "; \($0)" } ?? "")"
        }
    }

    /// Re-computes the chain from the first entry: sequence, links, and each entry's seal (an HMAC under the key it
    /// names, or plain SHA-256 for entries from before `audit.key`). Once an entry is keyed, every later one must be,
    /// and the key may change only at an `audit.key_rotated` entry naming the new key. With a key configured, the head
    /// must be keyed (a chain recomputed without the key is not). The entry a checkpoint names must be there, with the
    /// hash the checkpoint recorded.
    public static func verify(
        _ catalog: any Catalog, keyring: AuditKeyring = AuditKeyring(current: nil), checkpoint: AuditCheckpoint? = nil
    ) async throws -> Verification {
        var previous = AuditEntry.genesisHash
        var expectedSequence: Int64 = 1
        var count = 0
        var keyInForce: String?
        while true {
            let page = try await catalog.auditEntries(after: expectedSequence - 1, limit: 1000)
            if page.isEmpty { break }
            for entry in page {
                if entry.sequence != expectedSequence {
                    return Verification(entries: count, head: previous, failure: "entry \(expectedSequence) is missing (next is \(entry.sequence))")
                }
                if entry.previousHash != previous {
                    return Verification(entries: count, head: previous, failure: "entry \(entry.sequence) does not follow entry \(entry.sequence - 1)")
                }
                if let problem = keyring.check(entry, previous: previous) {
                    return Verification(entries: count, head: previous, failure: problem)
                }
                let keyID = AuditKeyring.keyID(of: entry.hash)
                if let keyInForce, keyID == nil {
                    return Verification(entries: count, head: previous, failure: "entry \(entry.sequence) is unkeyed after entries sealed with key \(keyInForce)")
                }
                if let keyID, keyID != keyInForce, count > 0, !isRotation(entry, to: keyID) {
                    return Verification(entries: count, head: previous, failure: "entry \(entry.sequence) changes the key to \(keyID) without a recorded rotation")
                }
                if let checkpoint, entry.sequence == checkpoint.sequence, entry.hash != checkpoint.head {
                    return Verification(
                        entries: count, head: previous,
                        failure: "entry \(entry.sequence) is not the entry checkpointed at \(Timestamp.iso8601(checkpoint.at)): the chain was rewritten"
                    )
                }
                keyInForce = keyID ?? keyInForce
                previous = entry.hash
                expectedSequence += 1
                count += 1
            }
        }
        if keyring.current != nil, count > 0, keyInForce == nil {
            return Verification(entries: count, head: previous, failure: "no entry is sealed with a key although audit.key is set: the chain may have been recomputed")
        }
        if let checkpoint, Int64(count) < checkpoint.sequence {
            return Verification(
                entries: count, head: previous,
                failure: "the log ends at entry \(count), but entry \(checkpoint.sequence) was checkpointed at \(Timestamp.iso8601(checkpoint.at)): entries were removed"
            )
        }
        return Verification(entries: count, head: previous, failure: nil, checkpoint: checkpoint.map { "checkpoint at entry \($0.sequence) matches" })
    }

    static func isRotation(_ entry: AuditEntry, to keyID: String) -> Bool {
        entry.action == AuditKeyring.rotationAction && entry.actor == "system" && entry.detail.contains(#""to":"\#(keyID)""#)
    }

    /// One JSON object per entry, oldest first (for a SIEM).
    public static func export(_ catalog: any Catalog, line: (String) -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await catalog.auditEntries(after: after, limit: 1000)
            guard let last = page.last else { return }
            for entry in page {
                line(
                    JSONText.object([
                        ("sequence", .int(Int(entry.sequence))), ("at", .string(Timestamp.iso8601(entry.at))), ("actor", .string(entry.actor)),
                        ("action", .string(entry.action)), ("uploadId", entry.uploadID.map(JSONText.string) ?? .null),
                        ("note", entry.note.map(JSONText.string) ?? .null), ("detail", .string(entry.detail)), ("previousHash", .string(entry.previousHash)),
                        ("hash", .string(entry.hash)),
                    ]).rendered
                )
            }
            after = last.sequence
        }
    }

    /// The CLI entry point: prints, returns whether the chain held.
    public static func command(configPath: String?, export exporting: Bool) async throws(AirlockError) -> Bool {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let settings = try CatalogSettings(reader: config.scoped(to: "catalog"))
        let keyring = try AuditKeyring(reader: config.scoped(to: "audit"))
        let logger = StorageCommands.commandLogger(environment: environment)
        var checkpoint: AuditCheckpoint?
        var place: BucketPrefix?
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        var unchecked: String?
        if !exporting, store.accessKeyId == nil || store.secretAccessKey == nil {
            unchecked = "checkpoints not compared: no store credentials configured"
        } else if !exporting {
            // The newest checkpoint, from the store: what the log must still contain.
            let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
            let checkpoints = try AuditCheckpointSettings(reader: config.scoped(to: "audit"), layout: buckets.layout)
            let temporaryDirectory = try ScannerSettings(reader: config.scoped(to: "scanner")).temporaryDirectory
            let clients = try StoreClients(store: store, logger: logger)
            defer { clients.shutdown() }
            do {
                checkpoint = try await AuditCheckpoint.latest(in: S3ObjectStore(client: clients.s3), place: checkpoints.place, temporaryDirectory: temporaryDirectory)
            } catch {
                throw AirlockError(.storage, "the audit checkpoints in \(checkpoints.place.bucket)/\(checkpoints.place.prefix) cannot be read: \(error)")
            }
            place = checkpoints.place
        }
        let opened = try await CatalogRuntime.open(settings, logger: logger)
        do {
            let held = try await opened.withPool { [checkpoint, place, unchecked] catalog -> Bool in
                if exporting {
                    try await export(catalog) { print($0) }
                    return true
                }
                var result = try await verify(catalog, keyring: keyring, checkpoint: checkpoint)
                if result.failure == nil, checkpoint == nil {
                    result.checkpoint = place.map { "no checkpoint in \($0.bucket)/\($0.prefix) to compare" } ?? unchecked
                }
                print(result.line)
                return result.failure == nil
            }
            await opened.close()
            return held
        } catch {
            await opened.close()
            throw AirlockError(.storage, "reading the audit log failed: \(error)")
        }
    }
}
