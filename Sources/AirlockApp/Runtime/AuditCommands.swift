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
        /// Every entry that does not hold, and why, oldest first (the first `keptFailures` of them).
        public var failures: [String] = []
        /// How many problems were found (`failures` keeps at most `keptFailures`).
        public var failureCount = 0
        /// What the checkpoints said, when any were compared.
        public var checkpoint: String?

        /// How many problems are kept, and how many of them `line` prints.
        public static let keptFailures = 1000
        public static let printedFailures = 20

        /// The first problem, if any.
        public var failure: String? { failures.first }

        mutating func fail(_ problem: String) {
            failureCount += 1
            if failures.count < Self.keptFailures { failures.append(problem) }
        }

        public var line: String {
            guard failureCount > 0 else {
                return "audit log verified: \(entries) entries, head \(head)\(checkpoint.map { "; \($0)" } ?? "")"
            }
            var text = "audit log broken: \(failureCount) problem\(failureCount == 1 ? "" : "s") in \(entries) entries"
            for problem in failures.prefix(Self.printedFailures) { text += "\n  \(problem)" }
            if failureCount > Self.printedFailures { text += "\n  ... and \(failureCount - Self.printedFailures) more" }
            return text
        }
    }

    /// Re-computes the chain from the first entry: sequence, links, and each entry's seal (an HMAC under the key it
    /// names, or plain SHA-256 for entries from before `audit.key`). Once an entry is keyed, every later one must be,
    /// and the key may change only at an `audit.key_rotated` entry naming the new key, never back to a key that sealed
    /// earlier entries (a retired key that leaked must not forge new ones). With a key configured, the head must be
    /// keyed (a chain recomputed without the key is not). The entry each checkpoint names must be there, with the hash
    /// the checkpoint recorded. A problem does not stop it: every broken entry is reported.
    public static func verify(
        _ catalog: any AuditCatalog,
        keyring: AuditKeyring = AuditKeyring(current: nil),
        checkpoints: [AuditCheckpoint] = []
    ) async throws -> Verification {
        var result = Verification(entries: 0, head: AuditEntry.genesisHash)
        var expectedSequence: Int64 = 1
        var keyInForce: String?
        var keysSeen: [String: Int64] = [:]  // key id → the first entry it sealed
        let checkpointed = Dictionary(grouping: checkpoints, by: \.sequence)
        var after: Int64 = 0
        while true {
            let page = try await catalog.auditEntries(after: after, limit: 1000)
            guard let last = page.last else { break }
            after = last.sequence
            for entry in page {
                if entry.sequence != expectedSequence {
                    let gap =
                        entry.sequence - 1 == expectedSequence
                        ? "entry \(expectedSequence) is" : "entries \(expectedSequence)-\(entry.sequence - 1) are"
                    result.fail("\(gap) missing (next is \(entry.sequence))")
                } else if entry.previousHash != result.head {
                    result.fail("entry \(entry.sequence) does not follow entry \(entry.sequence - 1)")
                }
                // Each entry's seal over the link it records (the link itself was checked above).
                if let problem = keyring.check(entry, previous: entry.previousHash) { result.fail(problem) }
                let keyID = AuditKeyring.keyID(of: entry.hash)
                if let keyInForce, keyID == nil {
                    result.fail("entry \(entry.sequence) is unkeyed after entries sealed with key \(keyInForce)")
                } else if let keyID, keyID != keyInForce, result.entries > 0 {
                    if !isRotation(entry, to: keyID) {
                        result.fail("entry \(entry.sequence) changes the key to \(keyID) without a recorded rotation")
                    } else if let first = keysSeen[keyID] {
                        result.fail(
                            "entry \(entry.sequence) rotates back to key \(keyID), which sealed entries from entry \(first) on and was rotated away from: a key never comes back"
                        )
                    }
                }
                if let keyID, keysSeen[keyID] == nil { keysSeen[keyID] = entry.sequence }
                for checkpoint in checkpointed[entry.sequence] ?? [] where entry.hash != checkpoint.head {
                    result.fail(
                        "entry \(entry.sequence) is not the entry checkpointed at \(Timestamp.iso8601(checkpoint.at)): it was removed or rewritten"
                    )
                }
                keyInForce = keyID ?? keyInForce
                result.head = entry.hash
                expectedSequence = entry.sequence + 1
                result.entries += 1
            }
        }
        if keyring.current != nil, result.entries > 0, keyInForce == nil {
            result.fail("no entry is sealed with a key although audit.key is set: the chain may have been recomputed")
        }
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) where checkpoint.sequence >= expectedSequence {
            result.fail(
                "the log ends at entry \(expectedSequence - 1), but entry \(checkpoint.sequence) was checkpointed at \(Timestamp.iso8601(checkpoint.at)): entries were removed"
            )
        }
        if result.failureCount == 0, let newest = checkpoints.max(by: { $0.sequence < $1.sequence }) {
            result.checkpoint =
                checkpoints.count == 1
                ? "checkpoint at entry \(newest.sequence) matches" : "\(checkpoints.count) checkpoints match (the newest at entry \(newest.sequence))"
        }
        return result
    }

    static func isRotation(_ entry: AuditEntry, to keyID: String) -> Bool {
        entry.action == AuditKeyring.rotationAction && entry.actor == "system" && entry.detail.contains(#""to":"\#(keyID)""#)
    }

    /// One JSON object per entry, oldest first (for a SIEM).
    public static func export(_ catalog: any AuditCatalog, line: (String) -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await catalog.auditEntries(after: after, limit: 1000)
            guard let last = page.last else { return }
            for entry in page {
                line(
                    JSONText.object([
                        ("sequence", .int(Int(entry.sequence))), ("at", .string(Timestamp.iso8601(entry.at))), ("actor", .string(entry.actor)),
                        ("action", .string(entry.action)), ("uploadId", entry.uploadID.map(JSONText.string) ?? .null),
                        ("note", entry.note.map(JSONText.string) ?? .null), ("detail", .string(entry.detail)),
                        ("previousHash", .string(entry.previousHash)),
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
        var checkpoints: [AuditCheckpoint] = []
        var place: BucketPrefix?
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        var unchecked: String?
        if !exporting, store.accessKeyId == nil || store.secretAccessKey == nil {
            unchecked = "checkpoints not compared: no store credentials configured"
        } else if !exporting {
            // Every checkpoint, from the store: what the log must still contain.
            let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
            let checkpointSettings = try AuditCheckpointSettings(reader: config.scoped(to: "audit"), layout: buckets.layout)
            let temporaryDirectory = try ScannerSettings(reader: config.scoped(to: "scanner")).temporaryDirectory
            let clients = try StoreClients(store: store, logger: logger)
            defer { clients.shutdown() }
            do {
                checkpoints = try await AuditCheckpoint.all(
                    in: S3ObjectStore(client: clients.s3),
                    place: checkpointSettings.place,
                    temporaryDirectory: temporaryDirectory
                )
            } catch {
                throw AirlockError(
                    .storage,
                    "the audit checkpoints in \(checkpointSettings.place.bucket)/\(checkpointSettings.place.prefix) cannot be read",
                    cause: error
                )
            }
            place = checkpointSettings.place
        }
        let opened = try await CatalogRuntime.open(settings, logger: logger)
        do {
            let held = try await opened.withPool { [checkpoints, place, unchecked] catalog -> Bool in
                if exporting {
                    try await export(catalog) { print($0) }
                    return true
                }
                var result = try await verify(catalog, keyring: keyring, checkpoints: checkpoints)
                if result.failure == nil, checkpoints.isEmpty {
                    result.checkpoint = place.map { "no checkpoint in \($0.bucket)/\($0.prefix) to compare" } ?? unchecked
                }
                print(result.line)
                return result.failure == nil
            }
            await opened.close()
            return held
        } catch {
            await opened.close()
            throw AirlockError(.storage, "reading the audit log failed", cause: error)
        }
    }
}
