public import AirlockCore

// The hash-chained audit log.
extension SQLCatalog {
    public func appendAudit(_ entry: AuditEntry, seal: @escaping @Sendable (String, AuditEntry) throws -> String) async throws -> AuditEntry {
        // SQLite reads text back only up to a NUL and PostgreSQL refuses it: an entry sealed over one could never be
        // verified. Callers refuse such input earlier (400); this is the last line.
        for field in [entry.actor, entry.action, entry.uploadID ?? "", entry.note ?? "", entry.detail] where field.utf8.contains(0) {
            throw CatalogError(.query, "an audit entry cannot hold a NUL character")
        }
        let dialect = self.dialect
        return try await driver.transaction { executor in
            if dialect == .postgres { _ = try await executor.query("SELECT pg_advisory_xact_lock(7340034)", []) }
            let last = try await executor.query("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1", []).first
            var sealed = entry
            sealed.sequence = (last?.int("sequence") ?? 0) + 1
            sealed.previousHash = last?.text("hash") ?? AuditEntry.genesisHash
            sealed.hash = try seal(sealed.previousHash, sealed)
            _ = try await executor.query(
                """
                INSERT INTO audit_log (sequence, at, actor, action, upload_id, note, detail, previous_hash, hash)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """,
                [
                    .int(sealed.sequence), .int(sealed.at), .text(sealed.actor), .text(sealed.action), SQLValue(sealed.uploadID),
                    SQLValue(sealed.note),
                    .text(sealed.detail), .text(sealed.previousHash), .text(sealed.hash),
                ]
            )
            return sealed
        }
    }

    public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await driver.query("SELECT * FROM audit_log WHERE sequence > $1 ORDER BY sequence LIMIT $2", [.int(sequence), .int(Int64(limit))]).map(
            Self.auditEntry(from:)
        )
    }

    public func latestAuditEntry() async throws -> AuditEntry? {
        try await driver.query("SELECT * FROM audit_log ORDER BY sequence DESC LIMIT 1", []).first.map(Self.auditEntry(from:))
    }

    public func auditEntries(uploadID: String) async throws -> [AuditEntry] {
        try await driver.query("SELECT * FROM audit_log WHERE upload_id = $1 ORDER BY sequence", [.text(uploadID)]).map(Self.auditEntry(from:))
    }

    static func auditEntry(from row: SQLRow) throws(CatalogError) -> AuditEntry {
        AuditEntry(
            sequence: try row.requireInt("sequence"),
            at: try row.requireInt("at"),
            actor: try row.requireText("actor"),
            action: try row.requireText("action"),
            uploadID: row.text("upload_id"),
            note: row.text("note"),
            detail: try row.requireText("detail"),
            previousHash: try row.requireText("previous_hash"),
            hash: try row.requireText("hash")
        )
    }
}
