public import AirlockCore

// Quarantine review: rescans, review leases, flags.
extension SQLCatalog {
    public func noteRescanFailure(id: UploadID, worker: String, error: String, retryAt: EpochMillis) async throws -> Bool {
        try await changed(
            "UPDATE uploads SET last_error = $3, lease_expires_at = $4 WHERE id = $1 AND lease_owner = $2 AND state = 'quarantined' RETURNING id",
            [.text(id.rawValue), .text(worker), .text(error), .int(retryAt)]
        )
    }

    public func leaseQuarantined(id: UploadID, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE uploads SET lease_owner = $2, lease_expires_at = $3
            WHERE id = $1 AND state = 'quarantined' AND (lease_owner IS NULL OR lease_expires_at < $4) RETURNING id
            """,
            [.text(id.rawValue), .text(holder), .int(until), .int(now)]
        )
    }

    public func concludeQuarantined(id: UploadID, holder: String, to state: UploadState, destinationKey: String?, now: EpochMillis) async throws -> Bool {
        guard state == UploadLifecycle.next(.quarantined, on: .released) || state == UploadLifecycle.next(.quarantined, on: .purged) else {
            throw CatalogError(.query, "a reviewed upload does not move from quarantined to \(state.rawValue)")
        }
        return try await changed(
            """
            UPDATE uploads SET state = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $4, destination_key = COALESCE(CAST($5 AS TEXT), destination_key)
            WHERE id = $1 AND state = 'quarantined' AND lease_owner = $2 RETURNING id
            """,
            [.text(id.rawValue), .text(holder), .text(state.rawValue), .int(now), SQLValue(destinationKey)]
        )
    }

    public func releaseQuarantinedLease(id: UploadID, holder: String) async throws {
        _ = try await driver.query(
            "UPDATE uploads SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND state = 'quarantined' AND lease_owner = $2", [.text(id.rawValue), .text(holder)]
        )
    }

    // Rescans leave `updated_at` alone: it is when the upload entered quarantine, which retention and the review
    // page's date filter count from.
    public func requestRescan(id: UploadID, now: EpochMillis) async throws -> Bool {
        let flagged = try await changed(Self.flagRescan + " AND id = $1 RETURNING id", [.text(id.rawValue)])
        if flagged { return true }
        // Already requested: the same answer.
        return try await upload(id: id)?.state == .quarantined
    }

    /// Adds `rescan_requested` to quarantined uploads that do not have it yet (narrowed by the caller).
    static let flagRescan = """
        UPDATE uploads SET flags = CASE WHEN flags = '' THEN 'rescan_requested' ELSE flags || ',rescan_requested' END
        WHERE state = 'quarantined' AND (',' || flags || ',') NOT LIKE '%,rescan_requested,%'
        """

    public func requestRescans(now: EpochMillis) async throws -> Int {
        try await driver.query(Self.flagRescan + " RETURNING id", []).count
    }

    public func claimRescans(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload] {
        let lock = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await driver.query(
            """
            UPDATE uploads SET lease_owner = $1, lease_expires_at = $2, rescan_attempts = rescan_attempts + 1
            WHERE id IN (
                SELECT id FROM uploads
                WHERE state = 'quarantined' AND (',' || flags || ',') LIKE '%,rescan_requested,%' AND (lease_expires_at IS NULL OR lease_expires_at < $3)
                ORDER BY updated_at, id LIMIT $4\(lock)
            )
            RETURNING *
            """,
            [.text(worker), .int(now + leaseMillis), .int(now), .int(Int64(limit))]
        ).map(Self.upload(from:))
    }

    public func finishRescan(id: UploadID, worker: String, verdict: Verdict, destinationKey: String?, now: EpochMillis) async throws -> Bool {
        // Read the flags and write them back in one transaction: flags set meanwhile are not overwritten.
        try await driver.transaction { executor in
            let lock = executor.dialect == .postgres ? " FOR UPDATE" : ""
            guard let row = try await executor.query("SELECT * FROM uploads WHERE id = $1\(lock)", [.text(id.rawValue)]).first else { return false }
            let current = try Self.upload(from: row)
            guard current.state == .quarantined, current.leaseOwner == worker else { return false }
            var flags = current.flags.filter { $0 != "rescan_requested" && $0 != "rescanned_clean" }
            if verdict.outcome == .clean { flags.append("rescanned_clean") }
            return try await !executor.query(
                """
                UPDATE uploads SET flags = $3, outcome = $4, reasons = $5, detected_type = $6, sha256 = $7, lease_owner = NULL, lease_expires_at = NULL,
                    rescan_attempts = 0, destination_key = COALESCE(CAST($8 AS TEXT), destination_key), size = $9
                WHERE id = $1 AND lease_owner = $2 AND state = 'quarantined' RETURNING id
                """,
                [
                    .text(id.rawValue), .text(worker), .text(flags.joined(separator: ",")), .text(verdict.outcome.rawValue),
                    .text(ReasonList.json(verdict.reasons)), SQLValue(verdict.detectedType), SQLValue(verdict.sha256), SQLValue(destinationKey), .int(verdict.size),
                ]
            ).isEmpty
        }
    }

    public func updateFlags(id: UploadID, adding: [String], removing: [String]) async throws -> Bool {
        try await driver.transaction { executor in
            let lock = executor.dialect == .postgres ? " FOR UPDATE" : ""
            guard let row = try await executor.query("SELECT * FROM uploads WHERE id = $1\(lock)", [.text(id.rawValue)]).first else { return false }
            let current = try Self.upload(from: row)
            guard current.state == .quarantined else { return false }
            var flags = current.flags.filter { !removing.contains($0) }
            for flag in adding where !flags.contains(flag) { flags.append(flag) }
            return try await !executor.query(
                "UPDATE uploads SET flags = $2 WHERE id = $1 AND state = 'quarantined' RETURNING id", [.text(id.rawValue), .text(flags.joined(separator: ","))]
            ).isEmpty
        }
    }
}
