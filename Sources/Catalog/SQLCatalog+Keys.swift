public import AirlockCore

// API keys (hashes only).
extension SQLCatalog {
    public func createAPIKey(_ key: APIKeyRecord) async throws {
        _ = try await driver.query(
            """
            INSERT INTO api_keys (id, name, role, owner, service, profiles, key_hash, created_at, expires_at, revoked_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            [
                .text(key.id), .text(key.name), .text(key.role), .text(key.owner), .int(key.service ? 1 : 0),
                .text(key.profiles.joined(separator: ",")),
                .text(key.keyHash), .int(key.createdAt), SQLValue(key.expiresAt), SQLValue(key.revokedAt),
            ]
        )
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await driver.query("SELECT * FROM api_keys WHERE key_hash = $1", [.text(hash)]).first.map(Self.apiKey(from:))
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await driver.query("SELECT * FROM api_keys ORDER BY created_at, name", []).map(Self.apiKey(from:))
    }

    public func revokeAPIKey(_ idOrName: String, now: EpochMillis) async throws -> Bool {
        try await changed(
            "UPDATE api_keys SET revoked_at = $2 WHERE (id = $1 OR name = $1) AND revoked_at IS NULL RETURNING id",
            [.text(idOrName), .int(now)]
        )
    }

    static func apiKey(from row: SQLRow) throws(CatalogError) -> APIKeyRecord {
        APIKeyRecord(
            id: try row.requireText("id"),
            name: try row.requireText("name"),
            role: try row.requireText("role"),
            owner: try row.requireText("owner"),
            service: (row.int("service") ?? 0) != 0,
            profiles: (row.text("profiles") ?? "").split(separator: ",").map(String.init),
            keyHash: try row.requireText("key_hash"),
            createdAt: try row.requireInt("created_at"),
            expiresAt: row.int("expires_at"),
            revokedAt: row.int("revoked_at")
        )
    }
}
