/// What reviewers do to quarantined uploads: rescans, review leases (two conflicting actions never both proceed),
/// flags, and the quarantine's filtered listing and counts.
public protocol ReviewCatalog: Sendable {
    /// Asks for a quarantined upload to be inspected again (flag `rescan_requested`); false unless it is quarantined.
    func requestRescan(id: UploadID, now: EpochMillis) async throws -> Bool

    /// Queues every quarantined upload for a rescan (after a signature update); how many were newly queued.
    func requestRescans(now: EpochMillis) async throws -> Int

    /// Takes a quarantined upload for one review action (release, purge, retention) with a lease, unless a rescan or
    /// another action holds it: two conflicting actions on one upload never both proceed.
    func leaseQuarantined(id: UploadID, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool

    /// `quarantined` → `to` (`processed` or `purged`) by the holder of the review lease; ends the lease and, when given,
    /// records where the object now is (a release's processed key).
    func concludeQuarantined(id: UploadID, holder: String, to state: UploadState, destinationKey: String?, now: EpochMillis) async throws -> Bool

    /// Gives a review lease back (the action failed before it changed anything it cannot redo).
    func releaseQuarantinedLease(id: UploadID, holder: String) async throws

    /// Adds and removes flags of a quarantined upload in one transaction; false unless it is quarantined.
    func updateFlags(id: UploadID, adding: [UploadFlag], removing: [UploadFlag]) async throws -> Bool

    /// Quarantined uploads that match `query`, newest first (by id), before its cursor, at most `query.limit`. Every
    /// filter is the catalog's (flags and reason codes are indexed), so a rare filter finds every match.
    func quarantined(_ query: QuarantineQuery) async throws -> [Upload]

    /// How many quarantined uploads carry each reason code (an upload with two reasons counts for both). Codes this
    /// airlock does not know (written by a newer one) are counted as ``ReasonCode/unrecognized(_:)``.
    func quarantineReasonCounts() async throws -> [ReasonCode: Int]
}

/// What ``ReviewCatalog/quarantined(_:)`` lists.
public struct QuarantineQuery: Sendable, Hashable {
    /// Only uploads with a reason of this code.
    public var reason: ReasonCode?
    /// Only uploads with this flag.
    public var flag: UploadFlag?
    /// Entered quarantine (its last change, `updatedAt`) at or after.
    public var since: EpochMillis?
    /// Entered quarantine before.
    public var until: EpochMillis?
    /// The cursor: only ids below it (the last id of the previous page).
    public var before: UploadID?
    public var limit: Int

    /// Creates a query.
    /// - Parameters:
    ///   - limit: The most uploads to return.
    public init(
        reason: ReasonCode? = nil,
        flag: UploadFlag? = nil,
        since: EpochMillis? = nil,
        until: EpochMillis? = nil,
        before: UploadID? = nil,
        limit: Int
    ) {
        self.reason = reason
        self.flag = flag
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }

    /// Whether `upload` passes the filters (the cursor and the state aside): the semantics every catalog implements.
    public func matches(_ upload: Upload) -> Bool {
        if let reason, !upload.reasons.contains(where: { $0.code == reason }) { return false }
        if let flag, !upload.flags.contains(flag) { return false }
        if let since, upload.updatedAt < since { return false }
        if let until, upload.updatedAt >= until { return false }
        return true
    }
}
