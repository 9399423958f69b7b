public import AirlockCore

// Uploads and leases (``UploadCatalog``).
extension InMemoryCatalog {
    public func createUpload(_ upload: Upload) async throws -> Upload {
        guard let clash = insert(upload) else { return upload }
        if let key = upload.idempotencyKey, let existing = uploads.values.first(where: { $0.owner == upload.owner && $0.idempotencyKey == key }) {
            return existing
        }
        throw clash
    }

    public func createUnsolicited(_ upload: Upload) async throws -> Upload {
        guard let clash = insert(upload) else { return upload }
        // The same object version (its idempotency key), in any state, or any version of the key still waiting.
        if let version = upload.idempotencyKey, let existing = uploadsByID.first(where: { $0.owner == upload.owner && $0.idempotencyKey == version })
        {
            return existing
        }
        if let key = upload.originalKey, let existing = uploadsByID.first(where: { $0.originalKey == key && Self.waiting($0.state) }) {
            return existing
        }
        throw clash
    }

    /// Stores `upload` unless it breaks a unique key of the `uploads` table; the conflict when it does.
    private func insert(_ upload: Upload) -> CatalogError? {
        for other in uploads.values {
            let clash =
                other.id == upload.id
                || (upload.originalKey == nil && other.originalKey == nil && other.incomingKey == upload.incomingKey)
                || (upload.idempotencyKey != nil && other.owner == upload.owner && other.idempotencyKey == upload.idempotencyKey)
                || (upload.originalKey != nil && Self.waiting(upload.state) && Self.waiting(other.state) && other.originalKey == upload.originalKey)
            if clash { return CatalogError(.conflict, "upload \(upload.id) clashes with \(other.id)") }
        }
        uploads[upload.id] = Self.stored(upload)
        return nil
    }

    private static func waiting(_ state: UploadState) -> Bool { state == .uploaded || state == .inspecting }

    public func upload(id: UploadID) async throws -> Upload? { uploads[id] }

    public func upload(incomingKey: String) async throws -> Upload? {
        uploads.values.first { $0.incomingKey == incomingKey && $0.originalKey == nil }
    }

    public func uploads(incomingKey: String) async throws -> [Upload] {
        uploadsByID.filter { $0.incomingKey == incomingKey }
    }

    public func markUploaded(id: UploadID, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.state == .pending }) {
            $0.state = .uploaded
            $0.updatedAt = now
        }
    }

    public func claim(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload] {
        let due = uploads.values.filter { upload in
            (upload.state == .uploaded || (upload.state == .inspecting && Self.expired(upload.leaseExpiresAt, before: now)))
                && upload.notBefore <= now
        }
        let chosen = due.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.prefix(max(limit, 0))
        for upload in chosen {
            _ = update(upload.id, if: { _ in true }) {
                $0.state = .inspecting
                $0.leaseOwner = worker
                $0.leaseExpiresAt = now + leaseMillis
                $0.attempts += 1
                $0.updatedAt = now
            }
        }
        return chosen.compactMap { uploads[$0.id] }
    }

    public func renewLease(id: UploadID, worker: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.leaseOwner == worker && ($0.state == .inspecting || $0.state == .quarantined) }) {
            $0.leaseExpiresAt = until
            if $0.state == .inspecting { $0.updatedAt = now }
        }
    }

    public func recordScan(id: UploadID, worker: String, scan: ScanRecord, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.leaseOwner == worker && $0.state == .inspecting }) {
            $0.scannedETag = scan.etag
            Self.apply(scan.verdict, to: &$0)
            $0.destinationKey = scan.destinationKey
            $0.updatedAt = now
        }
    }

    /// Outcome, reasons, type, size and (unless the verdict has none) the SHA-256.
    private static func apply(_ verdict: Verdict, to upload: inout Upload) {
        upload.outcome = verdict.outcome
        upload.reasons = verdict.reasons
        upload.detectedType = verdict.detectedType
        upload.sha256 = verdict.sha256 ?? upload.sha256
        upload.size = verdict.size
    }

    public func finish(id: UploadID, worker: String, state: UploadState, now: EpochMillis, events: [EventDelivery]) async throws -> Bool {
        guard state == .processed || state == .quarantined else {
            throw CatalogError(.query, "a worker finishes an upload as processed or quarantined, not \(state.rawValue)")
        }
        guard let upload = uploads[id], upload.leaseOwner == worker, upload.state == .inspecting else { return false }
        try enqueue(events)
        return update(id, if: { _ in true }) {
            $0.state = state
            $0.leaseOwner = nil
            $0.leaseExpiresAt = nil
            $0.lastError = nil
            $0.updatedAt = now
        }
    }

    public func recordCustody(id: UploadID, worker: String, sha256: String, size: Int64, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.leaseOwner == worker && ($0.state == .inspecting || $0.state == .quarantined) && $0.sha256 == nil }) {
            $0.sha256 = sha256
            $0.size = size
            if $0.state == .inspecting { $0.updatedAt = now }
        }
    }

    public func end(id: UploadID, worker: String, state: UploadState, verdict: Verdict, now: EpochMillis) async throws -> Bool {
        guard state == .expired || state == .quarantined else {
            throw CatalogError(.query, "an upload ends unplaced as expired or quarantined, not \(state.rawValue)")
        }
        return update(id, if: { $0.leaseOwner == worker && $0.state == .inspecting }) {
            $0.state = state
            Self.apply(verdict, to: &$0)
            $0.destinationKey = nil
            $0.leaseOwner = nil
            $0.leaseExpiresAt = nil
            $0.updatedAt = now
        }
    }

    public func retryLater(id: UploadID, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.leaseOwner == worker && $0.state == .inspecting }) {
            $0.state = .uploaded
            $0.leaseOwner = nil
            $0.leaseExpiresAt = nil
            $0.notBefore = retryAt
            $0.lastError = String(error.prefix(1000))
            $0.updatedAt = now
        }
    }

    public func releaseLeases(worker: String, now: EpochMillis) async throws -> Int {
        var released = 0
        for id in uploads.keys {
            let applied = update(id, if: { ($0.leaseOwner == worker || $0.leaseOwner?.hasPrefix(worker + "#") == true) && $0.state == .inspecting }) {
                $0.state = .uploaded
                $0.leaseOwner = nil
                $0.leaseExpiresAt = nil
                $0.attempts -= 1
                $0.updatedAt = now
            }
            if applied { released += 1 }
        }
        return released
    }

    public func expirePending(now: EpochMillis, limit: Int) async throws -> [Upload] {
        let due = uploads.values.filter { $0.state == .pending && $0.expiresAt < now }.sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
        return due.prefix(max(limit, 0)).compactMap { upload in
            _ = update(upload.id, if: { _ in true }) {
                $0.state = .expired
                $0.updatedAt = now
            }
            return uploads[upload.id]
        }
    }

    public func uploads(state: UploadState, owner: String?, after: UploadID?, limit: Int) async throws -> [Upload] {
        let page = uploadsByID.filter { upload in
            upload.state == state && (owner == nil || upload.owner == owner) && (after.map { upload.id > $0 } ?? true)
        }
        return Array(page.prefix(max(limit, 0)))
    }

    public func uploads(state: UploadState, owner: String?, before: UploadID?, limit: Int) async throws -> [Upload] {
        let page = uploadsByID.reversed().filter { upload in
            upload.state == state && (owner == nil || upload.owner == owner) && (before.map { upload.id < $0 } ?? true)
        }
        return Array(page.prefix(max(limit, 0)))
    }

    public func uploads(state: UploadState, updatedBefore before: EpochMillis, limit: Int) async throws -> [Upload] {
        Array(
            uploads.values.filter { $0.state == state && $0.updatedAt < before }.sorted { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }.prefix(
                max(limit, 0)
            )
        )
    }

    public func transition(id: UploadID, from: UploadState, to: UploadState, now: EpochMillis) async throws -> Bool {
        guard from.canMove(to: to) else { throw CatalogError(.query, "an upload does not move from \(from.rawValue) to \(to.rawValue)") }
        return update(id, if: { $0.state == from }) {
            $0.state = to
            $0.updatedAt = now
        }
    }

    public func claimRescans(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload] {
        let due = uploads.values.filter {
            $0.state == .quarantined && $0.flags.contains(.rescanRequested)
                && ($0.leaseExpiresAt == nil || Self.expired($0.leaseExpiresAt, before: now))
        }
        let chosen = due.sorted { ($0.updatedAt, $0.id) < ($1.updatedAt, $1.id) }.prefix(max(limit, 0))
        return chosen.compactMap { upload in
            _ = update(upload.id, if: { _ in true }) {
                $0.leaseOwner = worker
                $0.leaseExpiresAt = now + leaseMillis
                $0.rescanAttempts += 1
            }
            return uploads[upload.id]
        }
    }

    public func finishRescan(id: UploadID, worker: String, verdict: Verdict, destinationKey: String?, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.state == .quarantined && $0.leaseOwner == worker }) {
            $0.flags.removeAll { $0 == .rescanRequested || $0 == .rescannedClean }
            if verdict.outcome == .clean { $0.flags.append(.rescannedClean) }
            $0.outcome = verdict.outcome
            $0.reasons = verdict.reasons
            $0.detectedType = verdict.detectedType
            $0.sha256 = verdict.sha256
            $0.leaseOwner = nil
            $0.leaseExpiresAt = nil
            $0.rescanAttempts = 0
            $0.destinationKey = destinationKey ?? $0.destinationKey
            $0.size = verdict.size
        }
    }

    public func noteRescanFailure(id: UploadID, worker: String, error: String, retryAt: EpochMillis) async throws -> Bool {
        update(id, if: { $0.leaseOwner == worker && $0.state == .quarantined }) {
            $0.lastError = error
            $0.leaseExpiresAt = retryAt
        }
    }

    public func countByState() async throws -> [UploadState: Int] {
        uploads.values.reduce(into: [:]) { counts, upload in counts[upload.state, default: 0] += 1 }
    }

    public func acquireLeadership(role: String, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        if let current = leaders[role], current.holder != holder, !(current.until < now) { return false }
        leaders[role] = (holder, until)
        return true
    }

    public func releaseLeadership(role: String, holder: String) async throws {
        if leaders[role]?.holder == holder { leaders[role] = nil }
    }
}
