/// Uploads and the leases on them: intents, the worker's claims and verdicts, rescans, retention's listings, and the
/// reconciler's leadership. Every state change is a compare-and-set: it names the state (and for workers, the lease)
/// it expects, and returns whether it applied, so two processes never both win.
public protocol UploadCatalog: Sendable {
    /// Records a new intent. With an idempotency key already used by the same owner, returns the upload that key
    /// created (the caller compares the declarations) instead of creating another.
    func createUpload(_ upload: Upload) async throws -> Upload

    func upload(id: UploadID) async throws -> Upload?

    func upload(incomingKey: String) async throws -> Upload?

    /// Every upload recorded at an incoming key (its intent and any unsolicited records), oldest first.
    func uploads(incomingKey: String) async throws -> [Upload]

    /// `pending` → `uploaded` (the object is in incoming).
    func markUploaded(id: UploadID, now: EpochMillis) async throws -> Bool

    /// Leases up to `limit` uploads that are `uploaded`, or `inspecting` with an expired lease, whose retry time has
    /// come; each attempt counts. Oldest first.
    func claim(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload]

    /// Extends a lease the holder still has (a worker's on an upload it inspects, a rescan's or a review action's on a
    /// quarantined upload).
    func renewLease(id: UploadID, worker: String, until: EpochMillis, now: EpochMillis) async throws -> Bool

    /// Records what inspection found (the step before the move), under the worker's lease.
    func recordScan(id: UploadID, worker: String, scan: ScanRecord, now: EpochMillis) async throws -> Bool

    /// `inspecting` → `processed` or `quarantined` once the object is at its destination; ends the lease. The events
    /// are queued in the same transaction: a finished upload always has its deliveries.
    func finish(id: UploadID, worker: String, state: UploadState, now: EpochMillis, events: [EventDelivery]) async throws -> Bool

    /// Records the SHA-256 and size of the bytes a worker took custody of (its first complete download), once: every
    /// later attempt compares what it reads with it. False when the lease is lost or custody was already recorded.
    func recordCustody(id: UploadID, worker: String, sha256: String, size: Int64, now: EpochMillis) async throws -> Bool

    /// `inspecting` → `expired` (the object vanished) or `quarantined` (it could not be moved out of incoming) with no
    /// object placed: records the verdict (keeping a recorded custody SHA-256 when the verdict has none), clears the
    /// destination and ends the lease.
    func end(id: UploadID, worker: String, state: UploadState, verdict: Verdict, now: EpochMillis) async throws -> Bool

    /// Ends the lease after a failed attempt; the upload is claimable again at `retryAt`.
    func retryLater(id: UploadID, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool

    /// Gives leases back (graceful shutdown): the uploads are claimable at once, the attempt is not counted. Covers the
    /// worker's own name and every claim token made from it (`<worker>#<nonce>`).
    func releaseLeases(worker: String, now: EpochMillis) async throws -> Int

    /// Records an object that arrived with no intent (or at a consumed key) as a quarantined upload being moved. The
    /// record's idempotency key names the object version: the same version is never recorded twice, whatever state
    /// its first record reached (reconciler passes can overlap, and a worker can finish one in between).
    func createUnsolicited(_ upload: Upload) async throws -> Upload

    /// `pending` intents whose URLs expired: → `expired`; returns them (their multipart uploads are aborted).
    func expirePending(now: EpochMillis, limit: Int) async throws -> [Upload]

    /// Uploads in a state, oldest first, after an id (cursor paging), optionally for one owner.
    func uploads(state: UploadState, owner: String?, after: UploadID?, limit: Int) async throws -> [Upload]

    /// Uploads in a state, newest first, before an id (cursor paging), optionally for one owner.
    func uploads(state: UploadState, owner: String?, before: UploadID?, limit: Int) async throws -> [Upload]

    /// Uploads in a final state whose last change is older than `before`, oldest first (retention).
    func uploads(state: UploadState, updatedBefore before: EpochMillis, limit: Int) async throws -> [Upload]

    /// A compare-and-set move between states outside the worker (retention, reviewers, owners): applies only from
    /// `from`, and only along the state machine.
    func transition(id: UploadID, from: UploadState, to: UploadState, now: EpochMillis) async throws -> Bool

    /// Leases quarantined uploads waiting for a rescan (their state stays `quarantined`).
    func claimRescans(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload]

    /// Records a rescan's verdict and ends its lease: the upload stays quarantined, flagged `rescanned_clean` when
    /// the new verdict is clean (a reviewer decides). `destinationKey`, when given, is where the rescan placed the
    /// object (an upload that ended before its object left incoming).
    func finishRescan(id: UploadID, worker: String, verdict: Verdict, destinationKey: String?, now: EpochMillis) async throws -> Bool

    /// Records why a rescan attempt failed; the rescan is claimable again at `retryAt` (its lease runs until then).
    func noteRescanFailure(id: UploadID, worker: String, error: String, retryAt: EpochMillis) async throws -> Bool

    /// How many uploads are in each state.
    func countByState() async throws -> [UploadState: Int]

    /// A named lease among processes (the reconciler): taken when free, expired or already held by `holder`.
    func acquireLeadership(role: String, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool

    /// Gives a leadership lease back.
    func releaseLeadership(role: String, holder: String) async throws
}
