public import AirlockCore

/// The catalog's logic, written once over a SQL driver (SQLite or PostgreSQL). Every change of state is one
/// compare-and-set statement; what needs several statements runs in a transaction.
public final class SQLCatalog: Catalog {
    let driver: any SQLDriver
    /// New intents from concurrent requests are inserted together (one statement, one commit).
    private let intents: GroupCommit<Upload>

    init(driver: any SQLDriver) {
        self.driver = driver
        self.intents = GroupCommit(maxBatch: Self.maxInsertBatch) { uploads in await Self.insert(uploads, into: driver) }
    }

    /// Closes the database (SQLite); the PostgreSQL pool ends with its service.
    public func close() async {
        await driver.close()
    }

    private var dialect: SQLDialect { driver.dialect }

    // MARK: Migrations

    @discardableResult
    public func migrate() async throws -> Int {
        let integer = dialect == .sqlite ? "INTEGER" : "BIGINT"
        _ = try await driver.query(
            "CREATE TABLE IF NOT EXISTS airlock_migrations (version \(integer) PRIMARY KEY, name TEXT NOT NULL, applied_at \(integer) NOT NULL)", []
        )
        let dialect = self.dialect
        return try await driver.transaction { executor in
            if dialect == .postgres {
                // Replicas starting together migrate one at a time.
                _ = try await executor.query("SELECT pg_advisory_xact_lock(7340033)", [])
            }
            let current = try await executor.query("SELECT COALESCE(MAX(version), 0) AS version FROM airlock_migrations", []).first?.int("version") ?? 0
            let newest = Migrations.all.last?.version ?? 0
            guard current <= newest else {
                throw CatalogError(.schemaTooNew, "the catalog's schema is at version \(current); this airlock knows up to \(newest): upgrade airlock")
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

    // MARK: Uploads

    public func createUpload(_ upload: Upload) async throws -> Upload {
        do {
            try await intents.submit(upload)
            return upload
        } catch let error as CatalogError where error.code == .conflict {
            if let key = upload.idempotencyKey,
                let existing = try await driver.query("SELECT * FROM uploads WHERE owner = $1 AND idempotency_key = $2", [.text(upload.owner), .text(key)]).first
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
                let existing = try await driver.query("SELECT * FROM uploads WHERE owner = $1 AND idempotency_key = $2", [.text(upload.owner), .text(version)]).first
            {
                return try Self.upload(from: existing)
            }
            if let key = upload.originalKey,
                let existing = try await driver.query(
                    "SELECT * FROM uploads WHERE original_key = $1 AND state IN ('uploaded', 'inspecting')", [.text(key)]
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
        _ = try await driver.query(Self.insertStatement, Self.values(of: upload))
        return upload
    }

    /// Rows per multi-row insert (binds well under both engines' limits).
    static let maxInsertBatch = 64
    /// `INSERT INTO uploads (…) VALUES ($1, …), ($31, …), …`: element `n - 1` inserts `n` rows.
    private static let insertStatements: [String] = (1...maxInsertBatch).map { rows in
        let tuples = (0..<rows).map { row in "(" + (1...columns.count).map { "$\(row * columns.count + $0)" }.joined(separator: ", ") + ")" }
        return "INSERT INTO uploads (\(columns.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", ")
    }
    static var insertStatement: String { insertStatements[0] }

    /// Inserts a group of intents in one statement (atomic: all or none). When that fails on a constraint (a
    /// retried Idempotency-Key, say) each is inserted alone, so each gets its own answer.
    static func insert(_ uploads: [Upload], into driver: any SQLDriver) async -> [Result<Void, any Error>] {
        if uploads.count > 1 {
            do {
                _ = try await driver.query(insertStatements[uploads.count - 1], uploads.flatMap(values(of:)))
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
                _ = try await driver.query(insertStatement, values(of: upload))
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
        try await driver.query("SELECT * FROM uploads WHERE incoming_key = $1 AND original_key IS NULL", [.text(incomingKey)]).first.map(Self.upload(from:))
    }

    public func uploads(incomingKey: String) async throws -> [Upload] {
        try await driver.query("SELECT * FROM uploads WHERE incoming_key = $1 ORDER BY id", [.text(incomingKey)]).map(Self.upload(from:))
    }

    public func markUploaded(id: UploadID, now: EpochMillis) async throws -> Bool {
        let update = "UPDATE uploads SET state = 'uploaded', updated_at = $2 WHERE id = $1 AND state = 'pending' RETURNING id"
        guard dialect == .postgres else { return try await changed(update, [.text(id.rawValue), .int(now)]) }
        // Wakes a worker on any replica at once (LISTEN airlock_uploads).
        return try await changed("WITH marked AS (\(update)) SELECT id, pg_notify('\(Self.uploadsChannel)', id) FROM marked", [.text(id.rawValue), .int(now)])
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

    public func noteRescanFailure(id: UploadID, worker: String, error: String, retryAt: EpochMillis) async throws -> Bool {
        try await changed(
            "UPDATE uploads SET last_error = $3, lease_expires_at = $4 WHERE id = $1 AND lease_owner = $2 AND state = 'quarantined' RETURNING id",
            [.text(id.rawValue), .text(worker), .text(error), .int(retryAt)]
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
            ]
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
                    [.text(event.id), .text(event.uploadID), .text(event.type), .text(event.webhook), .text(event.body), .int(event.nextAttemptAt), .int(event.createdAt)]
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
            ]
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
            "SELECT * FROM uploads WHERE state = $1 AND updated_at < $2 ORDER BY updated_at, id LIMIT $3", [.text(state.rawValue), .int(before), .int(Int64(limit))]
        ).map(Self.upload(from:))
    }

    public func transition(id: UploadID, from: UploadState, to: UploadState, now: EpochMillis) async throws -> Bool {
        guard from.canMove(to: to) else { throw CatalogError(.query, "an upload does not move from \(from.rawValue) to \(to.rawValue)") }
        return try await changed(
            "UPDATE uploads SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2 RETURNING id",
            [.text(id.rawValue), .text(from.rawValue), .text(to.rawValue), .int(now)]
        )
    }

    public func leaseQuarantined(id: UploadID, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE uploads SET lease_owner = $2, lease_expires_at = $3
            WHERE id = $1 AND state = 'quarantined' AND (lease_owner IS NULL OR lease_expires_at < $4) RETURNING id
            """,
            [.text(id.rawValue), .text(holder), .int(until), .int(now)]
        )
    }

    public func concludeQuarantined(id: UploadID, holder: String, to state: UploadState, destinationKey: String?, now: EpochMillis) async throws -> Bool {
        guard state == UploadLifecycle.next(.quarantined, on: .released) || state == UploadLifecycle.next(.quarantined, on: .purged) else {
            throw CatalogError(.query, "a reviewed upload does not move from quarantined to \(state.rawValue)")
        }
        return try await changed(
            """
            UPDATE uploads SET state = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $4, destination_key = COALESCE(CAST($5 AS TEXT), destination_key)
            WHERE id = $1 AND state = 'quarantined' AND lease_owner = $2 RETURNING id
            """,
            [.text(id.rawValue), .text(holder), .text(state.rawValue), .int(now), SQLValue(destinationKey)]
        )
    }

    public func releaseQuarantinedLease(id: UploadID, holder: String) async throws {
        _ = try await driver.query(
            "UPDATE uploads SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND state = 'quarantined' AND lease_owner = $2", [.text(id.rawValue), .text(holder)]
        )
    }

    // Rescans leave `updated_at` alone: it is when the upload entered quarantine, which retention and the review
    // page's date filter count from.
    public func requestRescan(id: UploadID, now: EpochMillis) async throws -> Bool {
        let flagged = try await changed(Self.flagRescan + " AND id = $1 RETURNING id", [.text(id.rawValue)])
        if flagged { return true }
        // Already requested: the same answer.
        return try await upload(id: id)?.state == .quarantined
    }

    /// Adds `rescan_requested` to quarantined uploads that do not have it yet (narrowed by the caller).
    static let flagRescan = """
        UPDATE uploads SET flags = CASE WHEN flags = '' THEN 'rescan_requested' ELSE flags || ',rescan_requested' END
        WHERE state = 'quarantined' AND (',' || flags || ',') NOT LIKE '%,rescan_requested,%'
        """

    public func requestRescans(now: EpochMillis) async throws -> Int {
        try await driver.query(Self.flagRescan + " RETURNING id", []).count
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
            var flags = current.flags.filter { $0 != "rescan_requested" && $0 != "rescanned_clean" }
            if verdict.outcome == .clean { flags.append("rescanned_clean") }
            return try await !executor.query(
                """
                UPDATE uploads SET flags = $3, outcome = $4, reasons = $5, detected_type = $6, sha256 = $7, lease_owner = NULL, lease_expires_at = NULL,
                    rescan_attempts = 0, destination_key = COALESCE(CAST($8 AS TEXT), destination_key), size = $9
                WHERE id = $1 AND lease_owner = $2 AND state = 'quarantined' RETURNING id
                """,
                [
                    .text(id.rawValue), .text(worker), .text(flags.joined(separator: ",")), .text(verdict.outcome.rawValue),
                    .text(ReasonList.json(verdict.reasons)), SQLValue(verdict.detectedType), SQLValue(verdict.sha256), SQLValue(destinationKey), .int(verdict.size),
                ]
            ).isEmpty
        }
    }

    public func countByState() async throws -> [UploadState: Int] {
        var counts: [UploadState: Int] = [:]
        for row in try await driver.query("SELECT state, COUNT(*) AS n FROM uploads GROUP BY state", []) {
            if let state = row.text("state").flatMap(UploadState.init(rawValue:)) { counts[state] = Int(row.int("n") ?? 0) }
        }
        return counts
    }

    // MARK: Leadership

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

    // MARK: Audit

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
                    .int(sealed.sequence), .int(sealed.at), .text(sealed.actor), .text(sealed.action), SQLValue(sealed.uploadID), SQLValue(sealed.note),
                    .text(sealed.detail), .text(sealed.previousHash), .text(sealed.hash),
                ]
            )
            return sealed
        }
    }

    public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await driver.query("SELECT * FROM audit_log WHERE sequence > $1 ORDER BY sequence LIMIT $2", [.int(sequence), .int(Int64(limit))]).map(Self.auditEntry(from:))
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

    public func latestAuditEntry() async throws -> AuditEntry? {
        try await driver.query("SELECT * FROM audit_log ORDER BY sequence DESC LIMIT 1", []).first.map(Self.auditEntry(from:))
    }

    public func auditEntries(uploadID: String) async throws -> [AuditEntry] {
        try await driver.query("SELECT * FROM audit_log WHERE upload_id = $1 ORDER BY sequence", [.text(uploadID)]).map(Self.auditEntry(from:))
    }

    static func auditEntry(from row: SQLRow) throws(CatalogError) -> AuditEntry {
        AuditEntry(
            sequence: try row.requireInt("sequence"), at: try row.requireInt("at"), actor: try row.requireText("actor"), action: try row.requireText("action"),
            uploadID: row.text("upload_id"), note: row.text("note"), detail: try row.requireText("detail"), previousHash: try row.requireText("previous_hash"),
            hash: try row.requireText("hash")
        )
    }

    // MARK: Hash lists

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
        try await changed("DELETE FROM hash_list WHERE sha256 = $1 AND list = $2 RETURNING sha256", [.text(sha256.lowercased()), .text(list.rawValue)])
    }

    public func hashListEntries() async throws -> [HashListEntry] {
        try await driver.query("SELECT * FROM hash_list ORDER BY created_at, sha256", []).map { row in
            guard let list = HashListKind(rawValue: try row.requireText("list")) else { throw CatalogError(.corrupt, "a hash list entry names no list") }
            return HashListEntry(
                sha256: try row.requireText("sha256"), list: list, note: row.text("note"), actor: try row.requireText("actor"), createdAt: try row.requireInt("created_at")
            )
        }
    }

    // MARK: API keys

    public func createAPIKey(_ key: APIKeyRecord) async throws {
        _ = try await driver.query(
            """
            INSERT INTO api_keys (id, name, role, owner, service, profiles, key_hash, created_at, expires_at, revoked_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            [
                .text(key.id), .text(key.name), .text(key.role), .text(key.owner), .int(key.service ? 1 : 0), .text(key.profiles.joined(separator: ",")),
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
            "UPDATE api_keys SET revoked_at = $2 WHERE (id = $1 OR name = $1) AND revoked_at IS NULL RETURNING id", [.text(idOrName), .int(now)]
        )
    }

    static func apiKey(from row: SQLRow) throws(CatalogError) -> APIKeyRecord {
        APIKeyRecord(
            id: try row.requireText("id"), name: try row.requireText("name"), role: try row.requireText("role"), owner: try row.requireText("owner"),
            service: (row.int("service") ?? 0) != 0, profiles: (row.text("profiles") ?? "").split(separator: ",").map(String.init),
            keyHash: try row.requireText("key_hash"), createdAt: try row.requireInt("created_at"), expiresAt: row.int("expires_at"), revokedAt: row.int("revoked_at")
        )
    }

    // MARK: Review

    public func updateFlags(id: UploadID, adding: [String], removing: [String]) async throws -> Bool {
        try await driver.transaction { executor in
            let lock = executor.dialect == .postgres ? " FOR UPDATE" : ""
            guard let row = try await executor.query("SELECT * FROM uploads WHERE id = $1\(lock)", [.text(id.rawValue)]).first else { return false }
            let current = try Self.upload(from: row)
            guard current.state == .quarantined else { return false }
            var flags = current.flags.filter { !removing.contains($0) }
            for flag in adding where !flags.contains(flag) { flags.append(flag) }
            return try await !executor.query(
                "UPDATE uploads SET flags = $2 WHERE id = $1 AND state = 'quarantined' RETURNING id", [.text(id.rawValue), .text(flags.joined(separator: ","))]
            ).isEmpty
        }
    }

    public func createSession(_ session: ReviewSession) async throws {
        _ = try await driver.query("DELETE FROM review_sessions WHERE expires_at <= $1", [.int(session.createdAt)])
        _ = try await driver.query(
            """
            INSERT INTO review_sessions (token_hash, actor, owner, role, csrf_token, key_hash, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .text(session.tokenHash), .text(session.actor), .text(session.owner), .text(session.role), .text(session.csrfToken), SQLValue(session.keyHash),
                .int(session.createdAt), .int(session.expiresAt),
            ]
        )
    }

    public func session(tokenHash: String, now: EpochMillis) async throws -> ReviewSession? {
        try await driver.query("SELECT * FROM review_sessions WHERE token_hash = $1 AND expires_at > $2", [.text(tokenHash), .int(now)]).first.map { row in
            ReviewSession(
                tokenHash: try row.requireText("token_hash"), actor: try row.requireText("actor"), owner: try row.requireText("owner"),
                role: try row.requireText("role"), csrfToken: try row.requireText("csrf_token"), keyHash: row.text("key_hash"),
                createdAt: try row.requireInt("created_at"), expiresAt: try row.requireInt("expires_at")
            )
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await driver.query("DELETE FROM review_sessions WHERE token_hash = $1", [.text(tokenHash)])
    }

    // MARK: Events

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
        try await driver.query("SELECT * FROM event_deliveries WHERE upload_id = $1 ORDER BY created_at, id", [.text(uploadID)]).map(Self.event(from:))
    }

    static func event(from row: SQLRow) throws(CatalogError) -> EventDelivery {
        EventDelivery(
            id: try row.requireText("id"), uploadID: try row.requireText("upload_id"), type: try row.requireText("type"), webhook: try row.requireText("webhook"),
            body: try row.requireText("body"), attempts: Int(row.int("attempts") ?? 0), nextAttemptAt: try row.requireInt("next_attempt_at"),
            deliveredAt: row.int("delivered_at"), lastError: row.text("last_error"), createdAt: try row.requireInt("created_at")
        )
    }

    // MARK: Rows

    private func changed(_ sql: String, _ binds: [SQLValue]) async throws -> Bool {
        try await !driver.query(sql, binds).isEmpty
    }

    static let columns = [
        "id", "owner", "profile", "filename", "safe_name", "declared_size", "declared_type", "declared_sha256", "incoming_key", "multipart_upload_id",
        "state", "flags", "attempts", "lease_owner", "lease_expires_at", "not_before", "scanned_etag", "outcome", "reasons", "detected_type", "sha256",
        "size", "destination_key", "original_key", "idempotency_key", "last_error", "created_at", "updated_at", "expires_at", "rescan_attempts",
    ]

    static func values(of upload: Upload) -> [SQLValue] {
        [
            .text(upload.id.rawValue), .text(upload.owner), .text(upload.profile), .text(upload.filename), .text(upload.safeName), .int(upload.declaredSize),
            .text(upload.declaredType), SQLValue(upload.declaredSHA256), .text(upload.incomingKey), SQLValue(upload.multipartUploadID),
            .text(upload.state.rawValue), .text(upload.flags.joined(separator: ",")), .int(Int64(upload.attempts)), SQLValue(upload.leaseOwner),
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
        guard let reasons = ReasonList.parse(row.text("reasons") ?? "[]") else { throw CatalogError(.corrupt, "upload \(idText) has unreadable reasons") }
        let flags = (row.text("flags") ?? "").split(separator: ",").map(String.init)
        return Upload(
            id: id, owner: try row.requireText("owner"), profile: try row.requireText("profile"), filename: try row.requireText("filename"),
            safeName: try row.requireText("safe_name"), declaredSize: try row.requireInt("declared_size"), declaredType: try row.requireText("declared_type"),
            declaredSHA256: row.text("declared_sha256"), incomingKey: try row.requireText("incoming_key"), multipartUploadID: row.text("multipart_upload_id"),
            state: state, flags: flags, attempts: Int(row.int("attempts") ?? 0), leaseOwner: row.text("lease_owner"), leaseExpiresAt: row.int("lease_expires_at"),
            notBefore: row.int("not_before") ?? 0, scannedETag: row.text("scanned_etag"), outcome: outcome, reasons: reasons,
            detectedType: row.text("detected_type"), sha256: row.text("sha256"), size: row.int("size"), destinationKey: row.text("destination_key"),
            originalKey: row.text("original_key"), idempotencyKey: row.text("idempotency_key"), lastError: row.text("last_error"),
            createdAt: try row.requireInt("created_at"), updatedAt: try row.requireInt("updated_at"), expiresAt: try row.requireInt("expires_at"),
            rescanAttempts: Int(row.int("rescan_attempts") ?? 0)
        )
    }
}
