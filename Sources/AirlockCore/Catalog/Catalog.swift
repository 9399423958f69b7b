/// The catalog: upload intents, leases and verdicts (and, in later parts, audit, keys, hash lists and event
/// deliveries). SQLite and PostgreSQL implement it and pass one shared test suite.
///
/// Every state change is a compare-and-set: it names the state (and for workers, the lease) it expects, and returns
/// whether it applied, so two processes never both win.
public protocol Catalog: Sendable {
    /// Applies pending schema migrations; returns how many ran.
    @discardableResult
    func migrate() async throws -> Int

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

    /// Asks for a quarantined upload to be inspected again (flag `rescan_requested`); false unless it is quarantined.
    func requestRescan(id: UploadID, now: EpochMillis) async throws -> Bool

    /// Queues every quarantined upload for a rescan (after a signature update); how many were newly queued.
    func requestRescans(now: EpochMillis) async throws -> Int

    /// Leases quarantined uploads waiting for a rescan (their state stays `quarantined`).
    func claimRescans(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload]

    /// Records a rescan's verdict and ends its lease: the upload stays quarantined, flagged `rescanned_clean` when
    /// the new verdict is clean (a reviewer decides). `destinationKey`, when given, is where the rescan placed the
    /// object (an upload that ended before its object left incoming).
    func finishRescan(id: UploadID, worker: String, verdict: Verdict, destinationKey: String?, now: EpochMillis) async throws -> Bool

    /// Records why a rescan attempt failed; the rescan is claimable again at `retryAt` (its lease runs until then).
    func noteRescanFailure(id: UploadID, worker: String, error: String, retryAt: EpochMillis) async throws -> Bool

    /// Takes a quarantined upload for one review action (release, purge, retention) with a lease, unless a rescan or
    /// another action holds it: two conflicting actions on one upload never both proceed.
    func leaseQuarantined(id: UploadID, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool

    /// `quarantined` → `to` (`processed` or `purged`) by the holder of the review lease; ends the lease and, when given,
    /// records where the object now is (a release's processed key).
    func concludeQuarantined(id: UploadID, holder: String, to state: UploadState, destinationKey: String?, now: EpochMillis) async throws -> Bool

    /// Gives a review lease back (the action failed before it changed anything it cannot redo).
    func releaseQuarantinedLease(id: UploadID, holder: String) async throws

    /// How many uploads are in each state.
    func countByState() async throws -> [UploadState: Int]

    /// A named lease among processes (the reconciler): taken when free, expired or already held by `holder`.
    func acquireLeadership(role: String, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool

    /// Gives a leadership lease back.
    func releaseLeadership(role: String, holder: String) async throws

    // MARK: Audit

    /// Appends to the audit log: `seal` computes the entry's hash from the previous entry's hash and the entry (with
    /// its sequence number assigned), or throws to write nothing; appends are serialized so the chain never forks. An
    /// entry with a NUL in any field is refused (the catalog could not keep it as sealed).
    func appendAudit(_ entry: AuditEntry, seal: @escaping @Sendable (_ previousHash: String, _ entry: AuditEntry) throws -> String) async throws -> AuditEntry

    /// Entries after a sequence number, in order.
    func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry]

    /// One upload's audit trail, oldest first.
    func auditEntries(uploadID: String) async throws -> [AuditEntry]

    /// The newest entry (the chain's head), if any.
    func latestAuditEntry() async throws -> AuditEntry?

    // MARK: Hash lists

    /// Puts a SHA-256 on a list (replacing its previous list).
    func setHashListEntry(_ entry: HashListEntry) async throws

    /// Takes a SHA-256 off `list`; false when it is not on that list.
    func removeHashListEntry(sha256: String, list: HashListKind) async throws -> Bool

    func hashListEntries() async throws -> [HashListEntry]

    // MARK: API keys

    /// Stores a new key (names and key hashes are unique: `.conflict`).
    func createAPIKey(_ key: APIKeyRecord) async throws

    /// The key with this hash, revoked or not (the caller checks ``APIKeyRecord/isActive(at:)``).
    func apiKey(hash: String) async throws -> APIKeyRecord?

    func apiKeys() async throws -> [APIKeyRecord]

    /// Revokes a key by id (or name); false when none is active under it.
    func revokeAPIKey(_ idOrName: String, now: EpochMillis) async throws -> Bool

    // MARK: Events

    /// Deliveries due at `now` or earlier, leased to `worker`, oldest first.
    func claimEvents(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [EventDelivery]

    func markDelivered(id: String, worker: String, now: EpochMillis) async throws -> Bool

    func retryEvent(id: String, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool

    /// Deliveries of one upload (for the API and tests).
    func events(uploadID: String) async throws -> [EventDelivery]

    // MARK: Review

    /// Adds and removes flags of a quarantined upload in one transaction; false unless it is quarantined.
    func updateFlags(id: UploadID, adding: [String], removing: [String]) async throws -> Bool

    /// Stores a new review session (and forgets expired ones).
    func createSession(_ session: ReviewSession) async throws

    /// The session with this token hash, unless it expired.
    func session(tokenHash: String, now: EpochMillis) async throws -> ReviewSession?

    /// Signs a session out.
    func deleteSession(tokenHash: String) async throws
}

extension Catalog {
    /// Finishes without events.
    public func finish(id: UploadID, worker: String, state: UploadState, now: EpochMillis) async throws -> Bool {
        try await finish(id: id, worker: worker, state: state, now: now, events: [])
    }

    /// The deny and allow sets the inspection takes.
    public func hashLists() async throws -> (deny: Set<String>, allow: Set<String>) {
        var deny: Set<String> = []
        var allow: Set<String> = []
        for entry in try await hashListEntries() {
            if entry.list == .deny { deny.insert(entry.sha256) } else { allow.insert(entry.sha256) }
        }
        return (deny, allow)
    }
}

/// A catalog failure, with a stable code.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The database cannot be reached or opened.
        case unavailable
        /// A statement failed.
        case query
        /// A row could not be read back (a schema or data problem).
        case corrupt
        /// A unique key is taken (e.g. an incoming key).
        case conflict
        /// The database's schema is newer than this program.
        case schemaTooNew = "schema_too_new"
        /// The schema is not there yet (PostgreSQL: `airlock migrate` was not run).
        case notMigrated = "not_migrated"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

}
