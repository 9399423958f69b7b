public import AirlockCore

// The webhook event outbox.
extension SQLCatalog {
    public func claimEvents(worker: String, limit: Int, leaseMillis: Int64, now: EpochMillis) async throws -> [EventDelivery] {
        let lock = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await driver.query(
            """
            UPDATE event_deliveries SET lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM event_deliveries
                WHERE delivered_at IS NULL AND next_attempt_at <= $3 AND (lease_expires_at IS NULL OR lease_expires_at < $3)
                ORDER BY next_attempt_at, id LIMIT $4\(lock)
            )
            RETURNING *
            """,
            [.text(worker), .int(now + leaseMillis), .int(now), .int(Int64(limit))]
        ).map(Self.event(from:)).sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
    }

    public func markDelivered(id: String, worker: String, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE event_deliveries SET delivered_at = $3, lease_owner = NULL, lease_expires_at = NULL, last_error = NULL
            WHERE id = $1 AND lease_owner = $2 AND delivered_at IS NULL RETURNING id
            """,
            [.text(id), .text(worker), .int(now)]
        )
    }

    public func retryEvent(id: String, worker: String, retryAt: EpochMillis, error: String, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE event_deliveries SET next_attempt_at = $3, last_error = $4, lease_owner = NULL, lease_expires_at = NULL
            WHERE id = $1 AND lease_owner = $2 AND delivered_at IS NULL RETURNING id
            """,
            [.text(id), .text(worker), .int(retryAt), .text(String(error.prefix(500)))]
        )
    }

    public func events(uploadID: String) async throws -> [EventDelivery] {
        try await driver.query("SELECT * FROM event_deliveries WHERE upload_id = $1 ORDER BY created_at, id", [.text(uploadID)]).map(
            Self.event(from:)
        )
    }

    static func event(from row: SQLRow) throws(CatalogError) -> EventDelivery {
        EventDelivery(
            id: try row.requireText("id"),
            uploadID: try row.requireText("upload_id"),
            type: try row.requireText("type"),
            webhook: try row.requireText("webhook"),
            body: try row.requireText("body"),
            attempts: Int(row.int("attempts") ?? 0),
            nextAttemptAt: try row.requireInt("next_attempt_at"),
            deliveredAt: row.int("delivered_at"),
            lastError: row.text("last_error"),
            createdAt: try row.requireInt("created_at")
        )
    }
}
