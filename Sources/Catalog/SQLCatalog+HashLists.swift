public import AirlockCore

// Deny and allow lists of SHA-256s.
extension SQLCatalog {
    public func setHashListEntry(_ entry: HashListEntry) async throws {
        _ = try await driver.query(
            """
            INSERT INTO hash_list (sha256, list, note, actor, created_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (sha256) DO UPDATE SET list = excluded.list, note = excluded.note, actor = excluded.actor, created_at = excluded.created_at
            """,
            [.text(entry.sha256.lowercased()), .text(entry.list.rawValue), SQLValue(entry.note), .text(entry.actor), .int(entry.createdAt)]
        )
    }

    public func removeHashListEntry(sha256: String, list: HashListKind) async throws -> Bool {
        try await changed(
            "DELETE FROM hash_list WHERE sha256 = $1 AND list = $2 RETURNING sha256",
            [.text(sha256.lowercased()), .text(list.rawValue)]
        )
    }

    public func hashListEntries() async throws -> [HashListEntry] {
        try await driver.query("SELECT * FROM hash_list ORDER BY created_at, sha256", []).map { row in
            guard let list = HashListKind(rawValue: try row.requireText("list")) else {
                throw CatalogError(.corrupt, "a hash list entry names no list")
            }
            return HashListEntry(
                sha256: try row.requireText("sha256"),
                list: list,
                note: row.text("note"),
                actor: try row.requireText("actor"),
                createdAt: try row.requireInt("created_at")
            )
        }
    }
}
