public import AirlockCore

// Intents, reads and listings of uploads.
extension SQLCatalog {
    public func createUpload(_ upload: Upload) async throws -> Upload {
        do {
            try await intents.submit(upload)
            return upload
        } catch let error as CatalogError where error.code == .conflict {
            if let key = upload.idempotencyKey,
                let existing = try await driver.query(
                    "SELECT * FROM uploads WHERE owner = $1 AND idempotency_key = $2",
                    [.text(upload.owner), .text(key)]
                ).first
            {
                return try Self.upload(from: existing)
            }
            throw error
        }
    }

    public func createUnsolicited(_ upload: Upload) async throws -> Upload {
        do {
            return try await insert(upload)
        } catch let error as CatalogError where error.code == .conflict {
            // The same object version (its idempotency key), in any state, or any version of the key still waiting.
            if let version = upload.idempotencyKey,
                let existing = try await driver.query(
                    "SELECT * FROM uploads WHERE owner = $1 AND idempotency_key = $2",
                    [.text(upload.owner), .text(version)]
                ).first
            {
                return try Self.upload(from: existing)
            }
            if let key = upload.originalKey,
                let existing = try await driver.query(
                    "SELECT * FROM uploads WHERE original_key = $1 AND state IN ('uploaded', 'inspecting')",
                    [.text(key)]
                ).first
            {
                return try Self.upload(from: existing)
            }
            throw error
        }
    }

    /// Every column is written from `upload`, so the stored row is `upload` itself (the catalog suite checks the
    /// round trip); no row is read back.
    private func insert(_ upload: Upload) async throws -> Upload {
        try await Self.insertRows([upload], into: driver)
        return upload
    }

    /// Inserts rows in one statement; rows with flags or reasons get their `upload_flags` and `upload_reasons` rows in
    /// the same transaction (intents have none: one statement, no transaction).
    static func insertRows(_ uploads: [Upload], into driver: any SQLDriver) async throws {
        let statement = insertStatements[uploads.count - 1]
        let binds = uploads.flatMap(values(of:))
        guard uploads.contains(where: { !$0.flags.isEmpty || !$0.reasons.isEmpty }) else {
            _ = try await driver.query(statement, binds)
            return
        }
        try await driver.transaction { executor in
            _ = try await executor.query(statement, binds)
            for upload in uploads {
                try await writeFlags(upload.flags, of: upload.id, on: executor)
                try await writeReasons(upload.reasons, of: upload.id, on: executor)
            }
        }
    }

    /// Rows per multi-row insert (binds well under both engines' limits).
    static let maxInsertBatch = 64
    /// `INSERT INTO uploads (…) VALUES ($1, …), ($31, …), …`: element `n - 1` inserts `n` rows.
    private static let insertStatements: [String] = (1...maxInsertBatch).map { rows in
        let tuples = (0..<rows).map { row in "(" + (1...columns.count).map { "$\(row * columns.count + $0)" }.joined(separator: ", ") + ")" }
        return "INSERT INTO uploads (\(columns.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", ")
    }

    /// Inserts a group of intents in one statement (atomic: all or none). When that fails on a constraint (a
    /// retried Idempotency-Key, say) each is inserted alone, so each gets its own answer.
    static func insert(_ uploads: [Upload], into driver: any SQLDriver) async -> [Result<Void, any Error>] {
        if uploads.count > 1 {
            do {
                try await insertRows(uploads, into: driver)
                return Array(repeating: .success(()), count: uploads.count)
            } catch let error as CatalogError where error.code == .conflict {
                // One of them clashes: each alone below.
            } catch {
                return Array(repeating: .failure(error), count: uploads.count)
            }
        }
        var results: [Result<Void, any Error>] = []
        for upload in uploads {
            do {
                try await insertRows([upload], into: driver)
                results.append(.success(()))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    public func upload(id: UploadID) async throws -> Upload? {
        try await driver.query("SELECT * FROM uploads WHERE id = $1", [.text(id.rawValue)]).first.map(Self.upload(from:))
    }

    public func upload(incomingKey: String) async throws -> Upload? {
        try await driver.query("SELECT * FROM uploads WHERE incoming_key = $1 AND original_key IS NULL", [.text(incomingKey)]).first.map(
            Self.upload(from:)
        )
    }

    public func uploads(incomingKey: String) async throws -> [Upload] {
        try await driver.query("SELECT * FROM uploads WHERE incoming_key = $1 ORDER BY id", [.text(incomingKey)]).map(Self.upload(from:))
    }

    public func expirePending(now: EpochMillis, limit: Int) async throws -> [Upload] {
        try await driver.query(
            """
            UPDATE uploads SET state = 'expired', updated_at = $1
            WHERE id IN (SELECT id FROM uploads WHERE state = 'pending' AND expires_at < $1 ORDER BY expires_at LIMIT $2)
            RETURNING *
            """,
            [.int(now), .int(Int64(limit))]
        ).map(Self.upload(from:))
    }

    public func uploads(state: UploadState, owner: String?, after: UploadID?, limit: Int) async throws -> [Upload] {
        try await uploads(state: state, owner: owner, from: after, newestFirst: false, limit: limit)
    }

    public func uploads(state: UploadState, owner: String?, before: UploadID?, limit: Int) async throws -> [Upload] {
        try await uploads(state: state, owner: owner, from: before, newestFirst: true, limit: limit)
    }

    private func uploads(state: UploadState, owner: String?, from cursor: UploadID?, newestFirst: Bool, limit: Int) async throws -> [Upload] {
        var sql = "SELECT * FROM uploads WHERE state = $1"
        var binds: [SQLValue] = [.text(state.rawValue)]
        if let owner {
            binds.append(.text(owner))
            sql += " AND owner = $\(binds.count)"
        }
        if let cursor {
            binds.append(.text(cursor.rawValue))
            sql += " AND id \(newestFirst ? "<" : ">") $\(binds.count)"
        }
        binds.append(.int(Int64(limit)))
        sql += " ORDER BY id\(newestFirst ? " DESC" : "") LIMIT $\(binds.count)"
        return try await driver.query(sql, binds).map(Self.upload(from:))
    }

    public func uploads(state: UploadState, updatedBefore before: EpochMillis, limit: Int) async throws -> [Upload] {
        try await driver.query(
            "SELECT * FROM uploads WHERE state = $1 AND updated_at < $2 ORDER BY updated_at, id LIMIT $3",
            [.text(state.rawValue), .int(before), .int(Int64(limit))]
        ).map(Self.upload(from:))
    }

    public func transition(id: UploadID, from: UploadState, to: UploadState, now: EpochMillis) async throws -> Bool {
        guard from.canMove(to: to) else { throw CatalogError(.query, "an upload does not move from \(from.rawValue) to \(to.rawValue)") }
        return try await changed(
            "UPDATE uploads SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2 RETURNING id",
            [.text(id.rawValue), .text(from.rawValue), .text(to.rawValue), .int(now)]
        )
    }

    public func countByState() async throws -> [UploadState: Int] {
        var counts: [UploadState: Int] = [:]
        for row in try await driver.query("SELECT state, COUNT(*) AS n FROM uploads GROUP BY state", []) {
            if let state = row.text("state").flatMap(UploadState.init(rawValue:)) { counts[state] = Int(row.int("n") ?? 0) }
        }
        return counts
    }

    /// Moves owners the owner-namespace migration set aside (`legacy-jwt:<sub>`, bare JWT subjects of old) to
    /// `jwt:<issuer>#<sub>`; returns how many uploads moved.
    @discardableResult
    public func adoptLegacyJWTOwners(issuer: String) async throws -> Int {
        let prefix = Migrations.legacyJWTOwnerPrefix
        let rows = try await driver.query(
            // The prefix compared exactly (SQLite's LIKE ignores case: a key's owner `LEGACY-JWT:x` is not one).
            "UPDATE uploads SET owner = $1 || substr(owner, \(prefix.count + 1)) WHERE substr(owner, 1, \(prefix.count)) = $2 RETURNING id",
            [.text("jwt:\(issuer)#"), .text(prefix)]
        )
        return rows.count
    }
}
