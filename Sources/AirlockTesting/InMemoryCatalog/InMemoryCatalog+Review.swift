public import AirlockCore

// Quarantine review (``ReviewCatalog``).
extension InMemoryCatalog {
    public func requestRescan(id: UploadID, now: EpochMillis) async throws -> Bool {
        if flagRescan(id) { return true }
        return uploads[id]?.state == .quarantined
    }

    public func requestRescans(now: EpochMillis) async throws -> Int {
        uploads.keys.filter { flagRescan($0) }.count
    }

    private func flagRescan(_ id: UploadID) -> Bool {
        update(id, if: { $0.state == .quarantined && !$0.flags.contains(.rescanRequested) }) {
            $0.flags.append(.rescanRequested)
        }
    }

    public func leaseQuarantined(id: UploadID, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        update(id, if: { $0.state == .quarantined && ($0.leaseOwner == nil || Self.expired($0.leaseExpiresAt, before: now)) }) {
            $0.leaseOwner = holder
            $0.leaseExpiresAt = until
        }
    }

    public func concludeQuarantined(
        id: UploadID,
        holder: String,
        to state: UploadState,
        destinationKey: String?,
        now: EpochMillis
    ) async throws -> Bool {
        guard state == UploadLifecycle.next(.quarantined, on: .released) || state == UploadLifecycle.next(.quarantined, on: .purged) else {
            throw CatalogError(.query, "a reviewed upload does not move from quarantined to \(state.rawValue)")
        }
        return update(id, if: { $0.state == .quarantined && $0.leaseOwner == holder }) {
            $0.state = state
            $0.leaseOwner = nil
            $0.leaseExpiresAt = nil
            $0.updatedAt = now
            $0.destinationKey = destinationKey ?? $0.destinationKey
        }
    }

    public func releaseQuarantinedLease(id: UploadID, holder: String) async throws {
        _ = update(id, if: { $0.state == .quarantined && $0.leaseOwner == holder }) {
            $0.leaseOwner = nil
            $0.leaseExpiresAt = nil
        }
    }

    public func updateFlags(id: UploadID, adding: [UploadFlag], removing: [UploadFlag]) async throws -> Bool {
        update(id, if: { $0.state == .quarantined }) { upload in
            upload.flags.removeAll { removing.contains($0) }
            for flag in adding where !upload.flags.contains(flag) { upload.flags.append(flag) }
        }
    }

    public func quarantined(_ query: QuarantineQuery) async throws -> [Upload] {
        let matching = uploadsByID.reversed().filter { upload in
            upload.state == .quarantined && (query.before.map { upload.id < $0 } ?? true) && query.matches(upload)
        }
        return Array(matching.prefix(max(query.limit, 0)))
    }

    public func quarantineReasonCounts() async throws -> [ReasonCode: Int] {
        var counts: [ReasonCode: Int] = [:]
        for upload in uploads.values where upload.state == .quarantined {
            for code in Set(upload.reasons.map(\.code)) { counts[code, default: 0] += 1 }
        }
        return counts
    }
}
