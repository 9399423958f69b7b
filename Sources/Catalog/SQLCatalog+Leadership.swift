public import AirlockCore

// Named leases among processes.
extension SQLCatalog {
    public func acquireLeadership(role: String, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            INSERT INTO leadership (role, holder, until_at) VALUES ($1, $2, $3)
            ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
            WHERE leadership.holder = excluded.holder OR leadership.until_at < $4
            RETURNING role
            """,
            [.text(role), .text(holder), .int(until), .int(now)]
        )
    }

    public func releaseLeadership(role: String, holder: String) async throws {
        _ = try await driver.query("DELETE FROM leadership WHERE role = $1 AND holder = $2", [.text(role), .text(holder)])
    }
}
