public import AirlockCore

/// The catalog's logic, written once over a SQL driver (SQLite or PostgreSQL). Every change of state is one
/// compare-and-set statement; what needs several statements runs in a transaction.
public final class SQLCatalog: Catalog {
    let driver: any SQLDriver
    /// New intents from concurrent requests are inserted together (one statement, one commit).
    let intents: GroupCommit<Upload>

    init(driver: any SQLDriver) {
        self.driver = driver
        self.intents = GroupCommit(maxBatch: Self.maxInsertBatch) { uploads in await Self.insert(uploads, into: driver) }
    }

    /// Closes the database (SQLite); the PostgreSQL pool ends with its service.
    public func close() async {
        await driver.close()
    }

    var dialect: SQLDialect { driver.dialect }

    // MARK: Migrations

    @discardableResult
    public func migrate() async throws -> Int {
        let integer = dialect == .sqlite ? "INTEGER" : "BIGINT"
        _ = try await driver.query(
            "CREATE TABLE IF NOT EXISTS airlock_migrations (version \(integer) PRIMARY KEY, name TEXT NOT NULL, applied_at \(integer) NOT NULL)",
            []
        )
        let dialect = self.dialect
        return try await driver.transaction { executor in
            if dialect == .postgres {
                // Replicas starting together migrate one at a time.
                _ = try await executor.query("SELECT pg_advisory_xact_lock(7340033)", [])
            }
            let current =
                try await executor.query("SELECT COALESCE(MAX(version), 0) AS version FROM airlock_migrations", []).first?.int("version") ?? 0
            let newest = Migrations.all.last?.version ?? 0
            guard current <= newest else {
                throw CatalogError(
                    .schemaTooNew,
                    "the catalog's schema is at version \(current); this airlock knows up to \(newest): upgrade airlock"
                )
            }
            var applied = 0
            for migration in Migrations.all where migration.version > current {
                for statement in dialect == .sqlite ? migration.sqlite : migration.postgres {
                    _ = try await executor.query(statement, [])
                }
                _ = try await executor.query(
                    "INSERT INTO airlock_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    [.int(Int64(migration.version)), .text(migration.name), .int(SystemWallClock().now())]
                )
                applied += 1
            }
            return applied
        }
    }

    /// The schema version the database is at.
    public func schemaVersion() async throws -> Int {
        let rows = try await driver.query("SELECT COALESCE(MAX(version), 0) AS version FROM airlock_migrations", [])
        return Int(rows.first?.int("version") ?? 0)
    }

    // MARK: Rows

    /// Runs a statement with `RETURNING`; whether it touched a row.
    func changed(_ sql: String, _ binds: [SQLValue]) async throws -> Bool {
        try await !driver.query(sql, binds).isEmpty
    }

    static let columns = [
        "id", "owner", "profile", "filename", "safe_name", "declared_size", "declared_type", "declared_sha256", "incoming_key", "multipart_upload_id",
        "state", "flags", "attempts", "lease_owner", "lease_expires_at", "not_before", "scanned_etag", "outcome", "reasons", "detected_type",
        "sha256",
        "size", "destination_key", "original_key", "idempotency_key", "last_error", "created_at", "updated_at", "expires_at", "rescan_attempts",
    ]

    static func values(of upload: Upload) -> [SQLValue] {
        [
            .text(upload.id.rawValue), .text(upload.owner), .text(upload.profile), .text(upload.filename), .text(upload.safeName),
            .int(upload.declaredSize),
            .text(upload.declaredType), SQLValue(upload.declaredSHA256), .text(upload.incomingKey), SQLValue(upload.multipartUploadID),
            .text(upload.state.rawValue), .text(UploadFlag.column(upload.flags)), .int(Int64(upload.attempts)), SQLValue(upload.leaseOwner),
            SQLValue(upload.leaseExpiresAt), .int(upload.notBefore), SQLValue(upload.scannedETag), SQLValue(upload.outcome?.rawValue),
            .text(ReasonList.json(upload.reasons)), SQLValue(upload.detectedType), SQLValue(upload.sha256), SQLValue(upload.size),
            SQLValue(upload.destinationKey), SQLValue(upload.originalKey), SQLValue(upload.idempotencyKey), SQLValue(upload.lastError),
            .int(upload.createdAt), .int(upload.updatedAt), .int(upload.expiresAt), .int(Int64(upload.rescanAttempts)),
        ]
    }

    static func upload(from row: SQLRow) throws(CatalogError) -> Upload {
        let idText = try row.requireText("id")
        guard let id = UploadID(idText) else { throw CatalogError(.corrupt, "upload id '\(idText)' is not an id") }
        let stateText = try row.requireText("state")
        guard let state = UploadState(rawValue: stateText) else { throw CatalogError(.corrupt, "upload \(idText) has state '\(stateText)'") }
        var outcome: Outcome?
        if let text = row.text("outcome") {
            guard let value = Outcome(rawValue: text) else { throw CatalogError(.corrupt, "upload \(idText) has outcome '\(text)'") }
            outcome = value
        }
        guard let reasons = ReasonList.parse(row.text("reasons") ?? "[]") else {
            throw CatalogError(.corrupt, "upload \(idText) has unreadable reasons")
        }
        let flags = UploadFlag.parse(column: row.text("flags") ?? "")
        return Upload(
            id: id,
            owner: try row.requireText("owner"),
            profile: try row.requireText("profile"),
            filename: try row.requireText("filename"),
            safeName: try row.requireText("safe_name"),
            declaredSize: try row.requireInt("declared_size"),
            declaredType: try row.requireText("declared_type"),
            declaredSHA256: row.text("declared_sha256"),
            incomingKey: try row.requireText("incoming_key"),
            multipartUploadID: row.text("multipart_upload_id"),
            state: state,
            flags: flags,
            attempts: Int(row.int("attempts") ?? 0),
            leaseOwner: row.text("lease_owner"),
            leaseExpiresAt: row.int("lease_expires_at"),
            notBefore: row.int("not_before") ?? 0,
            scannedETag: row.text("scanned_etag"),
            outcome: outcome,
            reasons: reasons,
            detectedType: row.text("detected_type"),
            sha256: row.text("sha256"),
            size: row.int("size"),
            destinationKey: row.text("destination_key"),
            originalKey: row.text("original_key"),
            idempotencyKey: row.text("idempotency_key"),
            lastError: row.text("last_error"),
            createdAt: try row.requireInt("created_at"),
            updatedAt: try row.requireInt("updated_at"),
            expiresAt: try row.requireInt("expires_at"),
            rescanAttempts: Int(row.int("rescan_attempts") ?? 0)
        )
    }
}
