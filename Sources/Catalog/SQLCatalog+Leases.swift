public import AirlockCore

// A worker's leases on uploads.
extension SQLCatalog {
    public func markUploaded(id: UploadID, now: EpochMillis) async throws -> Bool {
        let update = "UPDATE uploads SET state = 'uploaded', updated_at = $2 WHERE id = $1 AND state = 'pending' RETURNING id"
        guard dialect == .postgres else { return try await changed(update, [.text(id.rawValue), .int(now)]) }
        // Wakes a worker on any replica at once (LISTEN airlock_uploads).
        return try await changed(
            "WITH marked AS (\(update)) SELECT id, pg_notify('\(Self.uploadsChannel)', id) FROM marked",
            [.text(id.rawValue), .int(now)]
        )
    }

    /// The PostgreSQL channel `markUploaded` notifies.
    public static let uploadsChannel = "airlock_uploads"

    /// Calls `onNotify` whenever any process marks an upload uploaded (PostgreSQL); waits forever on SQLite, where
    /// the in-process wake-up is the only one.
    public func listenForUploads(_ onNotify: @escaping @Sendable () -> Void) async throws {
        try await driver.listen(channel: Self.uploadsChannel, onNotify)
    }

    public func claim(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [Upload] {
        let lock = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await driver.query(
            """
            UPDATE uploads SET state = 'inspecting', lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1, updated_at = $3
            WHERE id IN (
                SELECT id FROM uploads
                WHERE (state = 'uploaded' OR (state = 'inspecting' AND lease_expires_at < $3)) AND not_before <= $3
                ORDER BY created_at, id LIMIT $4\(lock)
            )
            RETURNING *
            """,
            [.text(worker), .int(now + leaseMillis), .int(now), .int(Int64(limit))]
        )
        return try rows.map(Self.upload(from:)).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func renewLease(id: UploadID, worker: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE uploads SET lease_expires_at = $3, updated_at = CASE WHEN state = 'inspecting' THEN $4 ELSE updated_at END
            WHERE id = $1 AND lease_owner = $2 AND state IN ('inspecting', 'quarantined') RETURNING id
            """,
            [.text(id.rawValue), .text(worker), .int(until), .int(now)]
        )
    }

    public func recordScan(id: UploadID, worker: String, scan: ScanRecord, now: EpochMillis) async throws -> Bool {
        let verdict = scan.verdict
        return try await changed(
            """
            UPDATE uploads SET scanned_etag = $3, outcome = $4, reasons = $5, detected_type = $6, sha256 = COALESCE(CAST($7 AS TEXT), sha256), size = $8,
                destination_key = $9,
                updated_at = $10
            WHERE id = $1 AND lease_owner = $2 AND state = 'inspecting' RETURNING id
            """,
            [
                .text(id.rawValue), .text(worker), .text(scan.etag), .text(verdict.outcome.rawValue), .text(ReasonList.json(verdict.reasons)),
                SQLValue(verdict.detectedType), SQLValue(verdict.sha256), .int(verdict.size), .text(scan.destinationKey), .int(now),
            ],
            reasons: verdict.reasons,
            of: id
        )
    }

    public func finish(id: UploadID, worker: String, state: UploadState, now: EpochMillis, events: [EventDelivery]) async throws -> Bool {
        guard state == .processed || state == .quarantined else {
            throw CatalogError(.query, "a worker finishes an upload as processed or quarantined, not \(state.rawValue)")
        }
        let update = """
            UPDATE uploads SET state = $3, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = $4
            WHERE id = $1 AND lease_owner = $2 AND state = 'inspecting' RETURNING id
            """
        let binds: [SQLValue] = [.text(id.rawValue), .text(worker), .text(state.rawValue), .int(now)]
        // No events to record: one statement, no transaction around it.
        if events.isEmpty { return try await !driver.query(update, binds).isEmpty }
        return try await driver.transaction { executor in
            let changed = try await executor.query(update, binds)
            guard !changed.isEmpty else { return false }
            for event in events {
                _ = try await executor.query(
                    """
                    INSERT INTO event_deliveries (id, upload_id, type, webhook, body, attempts, next_attempt_at, created_at)
                    VALUES ($1, $2, $3, $4, $5, 0, $6, $7)
                    """,
                    [
                        .text(event.id), .text(event.uploadID), .text(event.type), .text(event.webhook), .text(event.body), .int(event.nextAttemptAt),
                        .int(event.createdAt),
                    ]
                )
            }
            return true
        }
    }

    public func recordCustody(id: UploadID, worker: String, sha256: String, size: Int64, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE uploads SET sha256 = $3, size = $4, updated_at = CASE WHEN state = 'inspecting' THEN $5 ELSE updated_at END
            WHERE id = $1 AND lease_owner = $2 AND state IN ('inspecting', 'quarantined') AND sha256 IS NULL RETURNING id
            """,
            [.text(id.rawValue), .text(worker), .text(sha256), .int(size), .int(now)]
        )
    }

    public func end(id: UploadID, worker: String, state: UploadState, verdict: Verdict, now: EpochMillis) async throws -> Bool {
        guard state == .expired || state == .quarantined else {
            throw CatalogError(.query, "an upload ends unplaced as expired or quarantined, not \(state.rawValue)")
        }
        return try await changed(
            """
            UPDATE uploads SET state = $3, outcome = $4, reasons = $5, detected_type = $6, sha256 = COALESCE(CAST($7 AS TEXT), sha256), size = $8,
                destination_key = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = $9
            WHERE id = $1 AND lease_owner = $2 AND state = 'inspecting' RETURNING id
            """,
            [
                .text(id.rawValue), .text(worker), .text(state.rawValue), .text(verdict.outcome.rawValue), .text(ReasonList.json(verdict.reasons)),
                SQLValue(verdict.detectedType), SQLValue(verdict.sha256), .int(verdict.size), .int(now),
            ],
            reasons: verdict.reasons,
            of: id
        )
    }

    public func retryLater(id: UploadID, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE uploads SET state = 'uploaded', lease_owner = NULL, lease_expires_at = NULL, not_before = $3, last_error = $4, updated_at = $5
            WHERE id = $1 AND lease_owner = $2 AND state = 'inspecting' RETURNING id
            """,
            [.text(id.rawValue), .text(worker), .int(retryAt), .text(String(error.prefix(1000))), .int(now)]
        )
    }

    public func releaseLeases(worker: String, now: EpochMillis) async throws -> Int {
        try await driver.query(
            """
            UPDATE uploads SET state = 'uploaded', lease_owner = NULL, lease_expires_at = NULL, attempts = attempts - 1, updated_at = $2
            WHERE (lease_owner = $1 OR substr(lease_owner, 1, length(CAST($1 AS TEXT)) + 1) = $1 || '#') AND state = 'inspecting' RETURNING id
            """,
            [.text(worker), .int(now)]
        ).count
    }
}
