public import AirlockCore

/// What reviewers do to the quarantine, shared by the JSON API (`/v1/quarantine`) and the review page (`/review`):
/// each action checks the upload's state, acts, and lands in the audit log under the reviewer's identity.
/// `airlock quarantine` uses them too, as the operator.
public struct ReviewActions: Sendable {
    let environment: ReviewEnvironment
    /// `uploads.quarantineDownloadExpires`.
    let quarantineDownloadSeconds: Int

    /// - Parameters:
    ///   - environment: The ports, the audit log and the review settings.
    ///   - quarantineDownloadSeconds: How long download links of quarantined objects are valid.
    public init(environment: ReviewEnvironment, quarantineDownloadSeconds: Int) {
        self.environment = environment
        self.quarantineDownloadSeconds = quarantineDownloadSeconds
    }

    /// Filters of the quarantine list.
    public struct Filter: Sendable {
        public var reason: ReasonCode?
        public var flag: UploadFlag?
        /// Entered quarantine at or after.
        public var since: EpochMillis?
        /// Entered quarantine before.
        public var until: EpochMillis?
        public var cursor: UploadID?
        public var limit: Int = 50

        public init() {}
    }

    /// What a release did: moved the object, or (with `review.requireSecondReviewer`) recorded the first approval.
    public enum ReleaseOutcome: Sendable, Equatable {
        case released
        case awaitingSecondReviewer
    }

    /// Records a download the operator made to a local file (`airlock quarantine download --output`).
    public func recordDownload(_ upload: Upload, by principal: Principal, zip: Bool) async throws {
        try await environment.audit(
            AuditEntry(
                at: environment.clock.now(),
                actor: principal.actor,
                action: "quarantine.download",
                uploadID: upload.id.rawValue,
                detail: JSONText.object([("zip", .bool(zip)), ("to", .string("file"))]).rendered
            )
        )
    }

    package static let releaseRequestedFlag = UploadFlag.releaseRequested

    public func quarantined(_ text: String?) async throws -> Upload {
        guard let text, let id = UploadID(text), let upload = try await environment.catalog.upload(id: id), upload.state == .quarantined else {
            throw ReviewError.notFound
        }
        return upload
    }

    /// Newest first, every filter applied by the catalog; `next` is the cursor of the following page when this one is full.
    public func list(_ filter: Filter) async throws -> (items: [Upload], next: UploadID?) {
        let limit = min(max(filter.limit, 1), 200)
        let items = try await environment.catalog.quarantined(
            QuarantineQuery(
                reason: filter.reason,
                flag: filter.flag,
                since: filter.since,
                until: filter.until,
                before: filter.cursor,
                limit: limit
            )
        )
        return (items, items.count == limit ? items.last?.id : nil)
    }

    /// Quarantined uploads per reason code (an upload with two reasons counts for both), most first.
    public func reasonCounts() async throws -> [(code: ReasonCode, count: Int)] {
        try await environment.catalog.quarantineReasonCounts().map { ($0.key, $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.code.rawValue < $1.code.rawValue }
    }

    /// A short-lived presigned GET forced to an attachment of type application/octet-stream.
    public func download(_ upload: Upload, by principal: Principal) async throws -> (url: String, expiresAt: String) {
        let now = environment.clock.now()
        let signed: (url: String, expiresAt: String)
        do {
            signed = try environment.downloads.download(
                environment.layout.quarantine(upload.id),
                filename: upload.safeName + ".quarantined",
                contentType: "application/octet-stream",
                expiresSeconds: quarantineDownloadSeconds,
                now: now
            )
        } catch {
            throw ReviewError.internalError
        }
        try await environment.audit(AuditEntry(at: now, actor: principal.actor, action: "quarantine.download", uploadID: upload.id.rawValue))
        return signed
    }

    package var archive: AnalysisArchive { AnalysisArchive(environment: environment, expiresSeconds: quarantineDownloadSeconds) }

    /// A link to the sample as a zip with the password `infected` (served by Airlock, see `AnalysisArchive`).
    public func zipDownload(_ upload: Upload, by principal: Principal) async throws -> (url: String, expiresAt: String) {
        guard (upload.size ?? upload.declaredSize) <= AnalysisZip.maxSize else {
            throw ReviewError.tooLargeForZip
        }
        let link = archive.link(for: upload)
        try await environment.audit(
            AuditEntry(
                at: environment.clock.now(),
                actor: principal.actor,
                action: "quarantine.download",
                uploadID: upload.id.rawValue,
                detail: #"{"zip":true}"#
            )
        )
        return link
    }

    /// Queues a new inspection of the quarantined bytes (a worker does it).
    public func rescan(_ upload: Upload, by principal: Principal) async throws {
        guard try await environment.catalog.requestRescan(id: upload.id, now: environment.clock.now()) else { throw ReviewError.notFound }
        try await environment.audit(
            AuditEntry(at: environment.clock.now(), actor: principal.actor, action: "quarantine.rescan", uploadID: upload.id.rawValue)
        )
        environment.wake()
    }

    /// Moves the object to processed (copy pinned to its ETag, verified, source deleted) and records who and why.
    /// With `review.requireSecondReviewer`, the first reviewer's release is recorded as a request and a different
    /// reviewer's release carries it out.
    public func release(_ upload: Upload, note: String, trust: Bool, by principal: Principal) async throws -> ReleaseOutcome {
        guard !note.trimmingSpaces(newlines: true).isEmpty else { throw ReviewError.invalid("note_required", "a release needs a note") }
        try Self.checkNote(note)
        guard upload.originalKey == nil else { throw ReviewError.conflict("unsolicited", "an unsolicited object has no owner to release it to") }
        guard upload.destinationKey != nil, upload.sha256 != nil else {
            throw ReviewError.conflict("not_placed", "the object never left incoming (the store refused it): rescan it first")
        }
        var requestedBy: String?
        if environment.requireSecondReviewer {
            let pending =
                upload.flags.contains(Self.releaseRequestedFlag)
                ? try await environment.catalog.auditEntries(uploadID: upload.id.rawValue).last { $0.action == "quarantine.release_requested" } : nil
            guard let pending else {
                guard try await environment.catalog.updateFlags(id: upload.id, adding: [Self.releaseRequestedFlag], removing: []) else {
                    throw ReviewError.conflict("state_conflict", "the upload changed state meanwhile")
                }
                try await environment.audit(
                    AuditEntry(
                        at: environment.clock.now(),
                        actor: principal.actor,
                        action: "quarantine.release_requested",
                        uploadID: upload.id.rawValue,
                        note: note,
                        detail: JSONText.object([("trust", .bool(trust))]).rendered
                    )
                )
                return .awaitingSecondReviewer
            }
            guard pending.actor != principal.actor else {
                throw ReviewError.conflict("second_reviewer_required", "another reviewer must confirm this release")
            }
            requestedBy = pending.actor
        }
        let detail = requestedBy.map { JSONText.object([("requestedBy", .string($0))]).rendered } ?? "{}"
        let sha256 = upload.sha256 ?? ""
        try await underReviewLease(upload) { holder in
            let source = environment.layout.quarantine(upload.id)
            let destination = environment.layout.processed(upload.id, safeName: upload.safeName)
            do {
                if let head = try await environment.store.head(source) {
                    // Quarantine is written only by Airlock and named by no URL that writes: a copy of it is the
                    // quarantined bytes, which must be the ones the reviewer was shown (their recorded SHA-256).
                    guard head.metadata["airlock-sha256"] == sha256 else {
                        throw ReviewError.conflict("object_changed", "the quarantined object is not the one this upload records")
                    }
                    let copied = try await environment.store.copy(
                        from: source,
                        ifMatch: head.etag,
                        size: head.size,
                        to: destination,
                        contentType: upload.detectedType ?? "application/octet-stream",
                        metadata: [("airlock-id", upload.id.rawValue), ("airlock-outcome", "released"), ("airlock-sha256", upload.sha256 ?? "")]
                    )
                    if copied.partSize == nil, !copied.etag.isEmpty, ETagText.normalized(copied.etag) != ETagText.normalized(head.etag) {
                        try await environment.store.delete(destination)
                        throw ReviewError.conflict("object_changed", "the quarantined object changed during the release")
                    }
                    try await environment.store.delete(source)
                } else {
                    // An earlier release of this upload copied and deleted, then stopped before recording it.
                    guard let placed = try await environment.store.head(destination), placed.metadata["airlock-id"] == upload.id.rawValue,
                        placed.metadata["airlock-outcome"] == "released", placed.metadata["airlock-sha256"] == sha256
                    else {
                        throw ReviewError.conflict("object_missing", "the quarantined object is gone")
                    }
                }
            } catch let error as ReviewError {
                throw error
            } catch {
                throw ReviewError.unavailable
            }
            do {
                try await conclude(
                    upload,
                    holder: holder,
                    to: .processed,
                    destinationKey: destination.key,
                    action: "quarantine.release",
                    principal: principal,
                    note: note,
                    detail: detail,
                    list: trust ? .allow : nil
                )
            } catch let error as ReviewError where error.code == "state_conflict" {
                // Another action owns the upload now: the copy this release made is not the upload's.
                try? await environment.store.delete(destination)
                throw error
            }
        }
        return .released
    }

    /// Deletes the quarantined object; with `block`, its SHA-256 goes on the deny list.
    public func purge(_ upload: Upload, note: String, block: Bool, by principal: Principal) async throws {
        guard !note.trimmingSpaces(newlines: true).isEmpty else { throw ReviewError.invalid("note_required", "a purge needs a note") }
        try Self.checkNote(note)
        guard !block || upload.sha256 != nil else {
            throw ReviewError.invalid("no_sha256", "nothing was read of this upload, so there is no SHA-256 to block; purge it without block")
        }
        try await underReviewLease(upload) { holder in
            do {
                try await environment.store.delete(environment.layout.quarantine(upload.id))
            } catch {
                throw ReviewError.unavailable
            }
            try await conclude(
                upload,
                holder: holder,
                to: .purged,
                destinationKey: nil,
                action: "quarantine.purge",
                principal: principal,
                note: note,
                detail: "{}",
                list: block ? .deny : nil
            )
        }
    }

    /// How long one release or purge may hold an upload before another action may take it over (a crashed action is
    /// redone by the next one: each step is idempotent). Long enough for a server-side copy of a large object.
    static let reviewLeaseMillis: EpochMillis = 600_000

    /// Runs a release or purge holding the upload's review lease: a concurrent release, purge or rescan of the same
    /// upload gets 409 `state_conflict` instead of racing it in the store. The lease is given back when the action
    /// fails; on success the conclusion ends it.
    private func underReviewLease(_ upload: Upload, _ action: @escaping @Sendable (String) async throws -> Void) async throws {
        let now = environment.clock.now()
        let holder = "review:" + UploadID.generate(at: now).rawValue
        let catalog = environment.catalog
        let clock = environment.clock
        guard try await catalog.leaseQuarantined(id: upload.id, holder: holder, until: now + Self.reviewLeaseMillis, now: now) else {
            throw ReviewError.conflict("state_conflict", "another action on this upload is in progress, or it left quarantine")
        }
        do {
            // The lease is renewed while the action runs (a large copy takes long); should it be lost, the action is
            // cancelled and its conclusion fails.
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await action(holder)
                    return true
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .milliseconds(Self.reviewLeaseMillis / 3))
                        let now = clock.now()
                        if try await !catalog.renewLease(id: upload.id, worker: holder, until: now + Self.reviewLeaseMillis, now: now) {
                            return false
                        }
                    }
                }
                defer { group.cancelAll() }
                guard let finished = try await group.next(), finished else {
                    throw ReviewError.conflict("state_conflict", "the upload was taken by another action meanwhile")
                }
            }
        } catch {
            try? await catalog.releaseQuarantinedLease(id: upload.id, holder: holder)
            throw error
        }
    }

    /// Moves a reviewed upload out of quarantine, audits the decision and, when asked, lists its SHA-256.
    private func conclude(
        _ upload: Upload,
        holder: String,
        to state: UploadState,
        destinationKey: String?,
        action: String,
        principal: Principal,
        note: String,
        detail: String,
        list: HashListKind?
    ) async throws {
        guard
            try await environment.catalog.concludeQuarantined(
                id: upload.id,
                holder: holder,
                to: state,
                destinationKey: destinationKey,
                now: environment.clock.now()
            )
        else {
            throw ReviewError.conflict("state_conflict", "the upload changed state meanwhile")
        }
        let now = environment.clock.now()
        try await environment.audit(
            AuditEntry(at: now, actor: principal.actor, action: action, uploadID: upload.id.rawValue, note: note, detail: detail)
        )
        if let list, let sha256 = upload.sha256 {
            try await environment.catalog.setHashListEntry(
                HashListEntry(sha256: sha256, list: list, note: note, actor: principal.actor, createdAt: now)
            )
            try await environment.audit(
                AuditEntry(
                    at: now,
                    actor: principal.actor,
                    action: "hashlist.\(list.rawValue)",
                    uploadID: upload.id.rawValue,
                    note: note,
                    detail: "{\"sha256\":\"\(sha256)\"}"
                )
            )
        }
    }

    /// 400 `note_invalid` for a note holding a control character other than tab and line breaks (see `FreeText`):
    /// checked before anything changes, since the audit entry must keep the note exactly as sealed.
    package static func checkNote(_ note: String?) throws {
        guard let note, let scalar = FreeText.forbiddenControl(in: note) else { return }
        throw ReviewError.invalid(
            "note_invalid",
            "the note contains the control character \(FreeText.describe(scalar)); only tab and line breaks are allowed"
        )
    }

    // MARK: Hash lists

    /// Lowercase 64-hex SHA-256, or 400.
    package static func sha256(_ text: String) throws -> String {
        let sha256 = text.trimmingSpaces(newlines: true).lowercased()
        guard Hex.isSHA256(sha256) else {
            throw ReviewError.invalid("invalid_request", "sha256 must be 64 hex digits")
        }
        return sha256
    }

    package func addHash(_ text: String, to kind: HashListKind, note: String?, by principal: Principal) async throws -> String {
        let sha256 = try Self.sha256(text)
        try Self.checkNote(note)
        let now = environment.clock.now()
        try await environment.catalog.setHashListEntry(HashListEntry(sha256: sha256, list: kind, note: note, actor: principal.actor, createdAt: now))
        try await environment.audit(
            AuditEntry(at: now, actor: principal.actor, action: "hashlist.\(kind.rawValue)", note: note, detail: "{\"sha256\":\"\(sha256)\"}")
        )
        return sha256
    }

    package func removeHash(_ text: String, from kind: HashListKind, by principal: Principal) async throws {
        let sha256 = text.lowercased()
        guard try await environment.catalog.removeHashListEntry(sha256: sha256, list: kind) else { throw ReviewError.notFound }
        try await environment.audit(
            AuditEntry(
                at: environment.clock.now(),
                actor: principal.actor,
                action: "hashlist.remove",
                detail: "{\"sha256\":\"\(sha256)\",\"list\":\"\(kind.rawValue)\"}"
            )
        )
    }
}
