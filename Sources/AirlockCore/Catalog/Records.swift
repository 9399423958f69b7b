/// One line of the audit log: who did what to which upload, chained by hashes so that an edited or removed line is
/// detected (`airlock audit verify`).
public struct AuditEntry: Sendable, Hashable {
    /// Position in the log (assigned by the catalog).
    public var sequence: Int64
    public var at: EpochMillis
    /// `key:<name>`, a JWT subject, `operator` (CLI) or `system` (retention).
    public var actor: String
    /// E.g. `quarantine.release`, `quarantine.purge`, `upload.deleted`, `retention.purge`, `hashlist.add`.
    public var action: String
    public var uploadID: String?
    public var note: String?
    /// Further facts as JSON text.
    public var detail: String
    /// The previous entry's hash (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 (hex) of `previousHash` and this entry's canonical text.
    public var hash: String

    public init(
        sequence: Int64 = 0,
        at: EpochMillis,
        actor: String,
        action: String,
        uploadID: String? = nil,
        note: String? = nil,
        detail: String = "{}",
        previousHash: String = "",
        hash: String = ""
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.uploadID = uploadID
        self.note = note
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }

    public static let genesisHash = String(repeating: "0", count: 64)

    /// The bytes the hash covers: the previous hash and every field, as one JSON array.
    public func canonicalText(previousHash: String) -> String {
        JSONText.array([
            .string(previousHash), .string(String(sequence)), .string(String(at)), .string(actor), .string(action),
            uploadID.map(JSONText.string) ?? .null,
            note.map(JSONText.string) ?? .null, .string(detail),
        ]).rendered
    }
}

/// Which hash list a SHA-256 is on.
public enum HashListKind: String, Sendable, Hashable, CaseIterable {
    /// Malware whatever the scanner says.
    case deny
    /// Trusted by a reviewer: no malware scan, every other check still runs.
    case allow
}

public struct HashListEntry: Sendable, Hashable {
    /// Lowercase hex.
    public var sha256: String
    public var list: HashListKind
    public var note: String?
    public var actor: String
    public var createdAt: EpochMillis

    public init(sha256: String, list: HashListKind, note: String?, actor: String, createdAt: EpochMillis) {
        self.sha256 = sha256
        self.list = list
        self.note = note
        self.actor = actor
        self.createdAt = createdAt
    }
}

/// A webhook delivery waiting, delivered or failed.
public struct EventDelivery: Sendable, Hashable {
    public var id: String
    public var uploadID: String
    /// `upload.processed` or `upload.quarantined`.
    public var type: String
    /// The webhook's reference (`Webhook.reference`: masked URL and fingerprint), never its URL; rows queued by an
    /// older airlock hold the URL.
    public var webhook: String
    /// The JSON body, exactly as signed.
    public var body: String
    public var attempts: Int
    public var nextAttemptAt: EpochMillis
    public var deliveredAt: EpochMillis?
    public var lastError: String?
    public var createdAt: EpochMillis

    public init(
        id: String,
        uploadID: String,
        type: String,
        webhook: String,
        body: String,
        attempts: Int = 0,
        nextAttemptAt: EpochMillis,
        deliveredAt: EpochMillis? = nil,
        lastError: String? = nil,
        createdAt: EpochMillis
    ) {
        self.id = id
        self.uploadID = uploadID
        self.type = type
        self.webhook = webhook
        self.body = body
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
        self.createdAt = createdAt
    }
}

/// An API key as the catalog keeps it: never the key itself, only its hash.
public struct APIKeyRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    /// `uploader`, `reviewer`, `admin`.
    public var role: String
    /// `key:<name>` unless created with `--owner`.
    public var owner: String
    /// Service keys may act for an `owner` named in a request body.
    public var service: Bool
    /// Profiles the key may use (empty: all).
    public var profiles: [String]
    /// Lowercase hex SHA-256 of the key.
    public var keyHash: String
    public var createdAt: EpochMillis
    public var expiresAt: EpochMillis?
    public var revokedAt: EpochMillis?

    public init(
        id: String,
        name: String,
        role: String,
        owner: String,
        service: Bool,
        profiles: [String],
        keyHash: String,
        createdAt: EpochMillis,
        expiresAt: EpochMillis? = nil,
        revokedAt: EpochMillis? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.owner = owner
        self.service = service
        self.profiles = profiles
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Usable at `now`: not revoked, not expired.
    public func isActive(at now: EpochMillis) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}

/// A signed-in reviewer on the review page. The browser holds the token in an HttpOnly cookie; the catalog keeps only
/// its SHA-256, so a copy of the catalog signs nobody in.
public struct ReviewSession: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the cookie's token.
    public var tokenHash: String
    /// `key:<name>` or `jwt:<issuer>#<sub>`: what the audit log records for this session's actions.
    public var actor: String
    public var owner: String
    /// `reviewer` or `admin`.
    public var role: String
    /// The token every form of this session carries (CSRF).
    public var csrfToken: String
    /// What is checked on every request: for sessions opened with an API key, the key's hash (a revoked key ends the
    /// session); for a JWT, `jwt-signing-key:<kid>` (the session ends when that key leaves the configuration).
    public var keyHash: String?
    public var createdAt: EpochMillis
    public var expiresAt: EpochMillis

    public init(
        tokenHash: String,
        actor: String,
        owner: String,
        role: String,
        csrfToken: String,
        keyHash: String?,
        createdAt: EpochMillis,
        expiresAt: EpochMillis
    ) {
        self.tokenHash = tokenHash
        self.actor = actor
        self.owner = owner
        self.role = role
        self.csrfToken = csrfToken
        self.keyHash = keyHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
