public import AirlockCore
public import Configuration
import Crypto
import Pipeline

/// The audit chain's keys (`audit.key`, `audit.retiredKeys`): new entries are sealed with HMAC-SHA256 under the
/// current key, so nobody who can write the catalog but does not hold the key can recompute the chain.
///
/// A sealed entry's hash reads `hmac-sha256:<key id>:<hex>`; the key id is derived from the key (never the key
/// itself). Entries written before a key was configured keep their plain SHA-256 (64 hex digits). A change of key is
/// an entry of its own (`audit.key_rotated`, sealed with the new key, naming the old and new ids), so verification knows
/// where each key begins; retired keys stay configured for as long as their entries are to be verified.
public struct AuditKeyring: Sendable {
    public struct Key: Sendable {
        public var id: String
        let secret: SymmetricKey
    }

    static let prefix = "hmac-sha256:"
    public static let rotationAction = "audit.key_rotated"

    public var current: Key?
    public var retired: [Key]

    /// - Parameters:
    ///   - current: The key new entries are sealed with; `nil` leaves them unkeyed (plain SHA-256).
    ///   - retired: Earlier keys, to verify the entries they sealed.
    public init(current: String?, retired: [String] = []) {
        self.current = current.map(Self.makeKey)
        self.retired = retired.map(Self.makeKey)
    }

    /// Reads the section from a reader scoped to `audit`.
    ///
    /// - Configuration keys:
    ///   - `key` (string, secret, at least 32 bytes; `AIRLOCK_AUDIT_KEY_FILE` works): seals new entries.
    ///   - `retiredKeys` (list, secret): earlier keys, comma-separated in the environment, to verify older entries.
    public init(reader: ConfigReader) throws(AirlockError) {
        let current = reader.string(forKey: "key", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        let retired =
            (reader.stringArray(forKey: "retiredKeys", isSecret: true)
            ?? reader.string(forKey: "retiredKeys", isSecret: true).map { $0.split(separator: ",").map(String.init) } ?? [])
            .map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        for secret in (current.map { [$0] } ?? []) + retired where secret.utf8.count < 32 {
            throw AirlockError(.invalidConfig, "audit.key and audit.retiredKeys entries must be at least 32 bytes (the value is not shown)")
        }
        self.init(current: current, retired: retired)
    }

    static func makeKey(_ secret: String) -> Key {
        let symmetric = SymmetricKey(data: Array(secret.utf8))
        let id = Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Array("airlock audit key id v1".utf8), using: symmetric)).prefix(16)
        return Key(id: String(id), secret: symmetric)
    }

    /// The key with this id (current or retired).
    public func key(id: String) -> Key? {
        if let current, current.id == id { return current }
        return retired.first { $0.id == id }
    }

    /// The key id a stored hash names, or `nil` for an unkeyed (plain SHA-256) entry.
    public static func keyID(of hash: String) -> String? {
        guard hash.hasPrefix(prefix) else { return nil }
        return hash.dropFirst(prefix.count).split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    /// The hash of `entry` after `previous` under `key`.
    public static func mac(_ key: Key, previous: String, entry: AuditEntry) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(entry.canonicalText(previousHash: previous).utf8), using: key.secret)
        return "\(prefix)\(key.id):\(Hex.lowercase(code))"
    }

    /// What `Catalog.appendAudit` seals new entries with. It refuses (writing nothing) when the head is sealed with
    /// another key than this process's `audit.key` (or with any key when this process has none): another process rotated
    /// the key, and this one must not write on with a key the chain left behind (nor rotate back to it).
    public var seal: @Sendable (String, AuditEntry) throws -> String {
        let current = self.current
        return { previous, entry in
            if let sealedWith = Self.keyID(of: previous), sealedWith != current?.id {
                throw Self.staleKey(current: current?.id, head: sealedWith)
            }
            guard let current else { return AuditSeal.sha256(previous, entry) }
            return Self.mac(current, previous: previous, entry: entry)
        }
    }

    /// The seal of the `audit.key_rotated` entry itself: follows whatever key sealed the head.
    var rotationSeal: @Sendable (String, AuditEntry) throws -> String {
        guard let current else { return AuditSeal.sha256 }
        return { previous, entry in Self.mac(current, previous: previous, entry: entry) }
    }

    static func staleKey(current: String?, head: String, rotatedAwayAt: Int64? = nil) -> AirlockError {
        let mine = current.map { "this process's audit.key is key \($0)" } ?? "this process has no audit.key"
        let away = rotatedAwayAt.map { ", which the log rotated away from after entry \($0)" } ?? ""
        return AirlockError(
            .invalidConfig,
            "the audit log is sealed with key \(head), but \(mine)\(away): audit entries are not written. Give this process the "
                + "current audit.key (with the old one in audit.retiredKeys), as every process that writes the log must have"
        )
    }

    /// Whether `entry.hash` is its true seal: under the key it names, or plain SHA-256 when it names none.
    /// - Returns: `nil` when it holds, else why not.
    public func check(_ entry: AuditEntry, previous: String) -> String? {
        guard let id = Self.keyID(of: entry.hash) else {
            return entry.hash == AuditSeal.sha256(previous, entry) ? nil : "entry \(entry.sequence) was altered"
        }
        guard let key = key(id: id) else {
            return "entry \(entry.sequence) is sealed with key \(id), which is neither audit.key nor in audit.retiredKeys"
        }
        let expected = Array(Self.mac(key, previous: previous, entry: entry).utf8)
        var difference: UInt8 = expected.count == entry.hash.utf8.count ? 0 : 1
        for (left, right) in zip(expected, entry.hash.utf8) { difference |= left ^ right }
        return difference == 0 ? nil : "entry \(entry.sequence) was altered (its MAC does not hold)"
    }
}

/// Appends to the audit log with the configured seal, recording a change of key in the chain first.
public struct AuditLog: Sendable {
    public let catalog: any AuditCatalog
    public let keyring: AuditKeyring

    public init(catalog: any AuditCatalog, keyring: AuditKeyring) {
        self.catalog = catalog
        self.keyring = keyring
    }

    /// When the head was sealed by another key (or none) than the current one, appends `audit.key_rotated`, sealed with
    /// the current key. Every process that writes the log calls this before its first entry.
    ///
    /// A key never comes back: when the current key already sealed entries earlier in the chain (the log was rotated
    /// away from it: this process still has the old configuration), nothing is written and this throws, as it does for
    /// a process without `audit.key` once the log is keyed. Looking for the key reads the chain, but only when the head
    /// is under another key (at a rotation, or in such a stale process).
    public func recordRotation(now: EpochMillis) async throws {
        guard let head = try await catalog.latestAuditEntry() else { return }
        let previous = AuditKeyring.keyID(of: head.hash)
        guard previous != keyring.current?.id else { return }
        guard let current = keyring.current else { throw AuditKeyring.staleKey(current: nil, head: previous ?? "") }
        if let used = try await lastEntry(sealedWith: current.id) {
            throw AuditKeyring.staleKey(current: current.id, head: previous ?? "none", rotatedAwayAt: used)
        }
        _ = try await catalog.appendAudit(
            AuditEntry(
                at: now,
                actor: "system",
                action: AuditKeyring.rotationAction,
                detail: JSONText.object([("from", previous.map(JSONText.string) ?? .null), ("to", .string(current.id))]).rendered
            ),
            seal: keyring.rotationSeal
        )
    }

    /// The sequence of the last entry sealed with `keyID`, if any.
    func lastEntry(sealedWith keyID: String) async throws -> Int64? {
        var after: Int64 = 0
        var found: Int64?
        while true {
            let page = try await catalog.auditEntries(after: after, limit: 1000)
            guard let last = page.last else { return found }
            if let entry = page.last(where: { AuditKeyring.keyID(of: $0.hash) == keyID }) { found = entry.sequence }
            after = last.sequence
        }
    }

    /// Appends one entry.
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> AuditEntry {
        try await catalog.appendAudit(entry, seal: keyring.seal)
    }
}
