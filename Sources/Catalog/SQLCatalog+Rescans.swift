public import AirlockCore

// Rescans of quarantined uploads: requested by reviewers or a signature update, leased and finished by workers.
extension SQLCatalog {
    public func noteRescanFailure(id: UploadID, worker: String, error: String, retryAt: EpochMillis) async throws -> Bool {
        try await changed(
            "UPDATE uploads SET last_error = $3, lease_expires_at = $4 WHERE id = $1 AND lease_owner = $2 AND state = 'quarantined' RETURNING id",
            [.text(id.rawValue), .text(worker), .text(error), .int(retryAt)]
        )
    }

    // Rescans leave `updated_at` alone: it is when the upload entered quarantine, which retention and the review
    // page's date filter count from.
    public func requestRescan(id: UploadID, now: EpochMillis) async throws -> Bool {
        if try await flagRescans(" AND id = $1", [.text(id.rawValue)]) > 0 { return true }
        // Already requested: the same answer.
        return try await upload(id: id)?.state == .quarantined
    }

    public func requestRescans(now: EpochMillis) async throws -> Int {
        try await flagRescans("", [])
    }

    /// Adds `rescan_requested` to quarantined uploads that do not have it yet (narrowed by `narrowing`), in the
    /// column and in `upload_flags`; how many were newly flagged.
    private func flagRescans(_ narrowing: String, _ binds: [SQLValue]) async throws -> Int {
        try await driver.transaction { executor in
            let flagged = try await executor.query(
                """
                UPDATE uploads SET flags = CASE WHEN flags = '' THEN 'rescan_requested' ELSE flags || ',rescan_requested' END
                WHERE state = 'quarantined' AND (',' || flags || ',') NOT LIKE '%,rescan_requested,%'\(narrowing) RETURNING id
                """,
                binds
            )
            guard !flagged.isEmpty else { return 0 }
            _ = try await executor.query(
                "INSERT INTO upload_flags (upload_id, flag) SELECT id, 'rescan_requested' FROM uploads WHERE state = 'quarantined'\(narrowing) ON CONFLICT DO NOTHING",
                binds
            )
            return flagged.count
        }
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
            var flags = current.flags.filter { $0 != .rescanRequested && $0 != .rescannedClean }
            if verdict.outcome == .clean { flags.append(.rescannedClean) }
            let finished = try await !executor.query(
                """
                UPDATE uploads SET flags = $3, outcome = $4, reasons = $5, detected_type = $6, sha256 = $7, lease_owner = NULL, lease_expires_at = NULL,
                    rescan_attempts = 0, destination_key = COALESCE(CAST($8 AS TEXT), destination_key), size = $9
                WHERE id = $1 AND lease_owner = $2 AND state = 'quarantined' RETURNING id
                """,
                [
                    .text(id.rawValue), .text(worker), .text(UploadFlag.column(flags)), .text(verdict.outcome.rawValue),
                    .text(ReasonList.json(verdict.reasons)), SQLValue(verdict.detectedType), SQLValue(verdict.sha256), SQLValue(destinationKey),
                    .int(verdict.size),
                ]
            ).isEmpty
            guard finished else { return false }
            try await Self.writeFlags(flags, of: id, on: executor)
            try await Self.writeReasons(verdict.reasons, of: id, on: executor)
            return true
        }
    }
}
