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

        public var line: String {
            failure.map { "audit log broken: \($0)" } ?? "audit log verified: \(entries) entries, head \(head)"
        }
    }

    /// Re-computes the hash chain from the first entry.
    public static func verify(_ catalog: any Catalog) async throws -> Verification {
        var previous = AuditEntry.genesisHash
        var expectedSequence: Int64 = 1
        var count = 0
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
                if entry.hash != AuditSeal.sha256(previous, entry) {
                    return Verification(entries: count, head: previous, failure: "entry \(entry.sequence) was altered")
                }
                previous = entry.hash
                expectedSequence += 1
                count += 1
            }
        }
        return Verification(entries: count, head: previous, failure: nil)
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
        let opened = try await CatalogRuntime.open(settings, logger: StorageCommands.commandLogger(environment: environment))
        do {
            let held = try await opened.withPool { catalog -> Bool in
                if exporting {
                    try await export(catalog) { print($0) }
                    return true
                }
                let result = try await verify(catalog)
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
