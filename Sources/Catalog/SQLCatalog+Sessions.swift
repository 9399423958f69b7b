public import AirlockCore

// Review page sessions.
extension SQLCatalog {
    public func createSession(_ session: ReviewSession) async throws {
        _ = try await driver.query("DELETE FROM review_sessions WHERE expires_at <= $1", [.int(session.createdAt)])
        _ = try await driver.query(
            """
            INSERT INTO review_sessions (token_hash, actor, owner, role, csrf_token, key_hash, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .text(session.tokenHash), .text(session.actor), .text(session.owner), .text(session.role), .text(session.csrfToken),
                SQLValue(session.keyHash),
                .int(session.createdAt), .int(session.expiresAt),
            ]
        )
    }

    public func session(tokenHash: String, now: EpochMillis) async throws -> ReviewSession? {
        try await driver.query("SELECT * FROM review_sessions WHERE token_hash = $1 AND expires_at > $2", [.text(tokenHash), .int(now)]).first.map {
            row in
            ReviewSession(
                tokenHash: try row.requireText("token_hash"),
                actor: try row.requireText("actor"),
                owner: try row.requireText("owner"),
                role: try row.requireText("role"),
                csrfToken: try row.requireText("csrf_token"),
                keyHash: row.text("key_hash"),
                createdAt: try row.requireInt("created_at"),
                expiresAt: try row.requireInt("expires_at")
            )
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await driver.query("DELETE FROM review_sessions WHERE token_hash = $1", [.text(tokenHash)])
    }
}
