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
    func updateFlags(id: UploadID, adding: [String], removing: [String]) async throws -> Bool
}
