/// One upload as the catalog holds it: the client's declaration, where the object is, its state and lease, and what
/// inspection found.
public struct Upload: Sendable, Hashable {
    public var id: UploadID
    /// `key:<name>`, a JWT subject, or the owner a service key named.
    public var owner: String
    public var profile: String
    /// As the client sent it.
    public var filename: String
    /// NFC, trimmed: the name used for downloads and processed keys.
    public var safeName: String
    public var declaredSize: Int64
    public var declaredType: String
    /// Lowercase hex.
    public var declaredSHA256: String?
    /// The object's key in the incoming bucket.
    public var incomingKey: String
    public var multipartUploadID: String?
    public var state: UploadState
    /// E.g. `rescanned_clean`.
    public var flags: [UploadFlag]
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: EpochMillis?
    /// A failed attempt is retried no earlier than this.
    public var notBefore: EpochMillis
    /// The incoming object's ETag that inspection read (the copy is pinned to it).
    public var scannedETag: String?
    public var outcome: Outcome?
    public var reasons: [Reason]
    public var detectedType: String?
    /// Lowercase hex of the scanned bytes.
    public var sha256: String?
    public var size: Int64?
    /// Where the object was (or is being) moved: a processed or quarantine key.
    public var destinationKey: String?
    /// For unsolicited objects: the incoming key it was found at.
    public var originalKey: String?
    public var idempotencyKey: String?
    /// The last pipeline error (for operators), without secrets.
    public var lastError: String?
    public var createdAt: EpochMillis
    public var updatedAt: EpochMillis
    /// The intent (its upload URLs) expires at this time.
    public var expiresAt: EpochMillis
    /// Claims of the rescan in progress (reset when a rescan ends): a rescan that keeps failing ends after
    /// `worker.maxAttempts`.
    public var rescanAttempts: Int

    public init(
        id: UploadID,
        owner: String,
        profile: String,
        filename: String,
        safeName: String,
        declaredSize: Int64,
        declaredType: String,
        declaredSHA256: String? = nil,
        incomingKey: String,
        multipartUploadID: String? = nil,
        state: UploadState = .pending,
        flags: [UploadFlag] = [],
        attempts: Int = 0,
        leaseOwner: String? = nil,
        leaseExpiresAt: EpochMillis? = nil,
        notBefore: EpochMillis = 0,
        scannedETag: String? = nil,
        outcome: Outcome? = nil,
        reasons: [Reason] = [],
        detectedType: String? = nil,
        sha256: String? = nil,
        size: Int64? = nil,
        destinationKey: String? = nil,
        originalKey: String? = nil,
        idempotencyKey: String? = nil,
        lastError: String? = nil,
        createdAt: EpochMillis,
        updatedAt: EpochMillis? = nil,
        expiresAt: EpochMillis,
        rescanAttempts: Int = 0
    ) {
        self.rescanAttempts = rescanAttempts
        self.id = id
        self.owner = owner
        self.profile = profile
        self.filename = filename
        self.safeName = safeName
        self.declaredSize = declaredSize
        self.declaredType = declaredType
        self.declaredSHA256 = declaredSHA256
        self.incomingKey = incomingKey
        self.multipartUploadID = multipartUploadID
        self.state = state
        self.flags = flags
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.notBefore = notBefore
        self.scannedETag = scannedETag
        self.outcome = outcome
        self.reasons = reasons
        self.detectedType = detectedType
        self.sha256 = sha256
        self.size = size
        self.destinationKey = destinationKey
        self.originalKey = originalKey
        self.idempotencyKey = idempotencyKey
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.expiresAt = expiresAt
    }
}

/// What a worker records once it has inspected an object, before moving it.
public struct ScanRecord: Sendable, Hashable {
    public var etag: String
    public var verdict: Verdict
    /// The key the object will be copied to.
    public var destinationKey: String

    public init(etag: String, verdict: Verdict, destinationKey: String) {
        self.etag = etag
        self.verdict = verdict
        self.destinationKey = destinationKey
    }
}
