public import AirlockCore

// Quarantine review: review leases, flags, the filtered listing and its counts.
extension SQLCatalog {
    public func leaseQuarantined(id: UploadID, holder: String, until: EpochMillis, now: EpochMillis) async throws -> Bool {
        try await changed(
            """
            UPDATE uploads SET lease_owner = $2, lease_expires_at = $3
            WHERE id = $1 AND state = 'quarantined' AND (lease_owner IS NULL OR lease_expires_at < $4) RETURNING id
            """,
            [.text(id.rawValue), .text(holder), .int(until), .int(now)]
        )
    }

    public func concludeQuarantined(
        id: UploadID,
        holder: String,
        to state: UploadState,
        destinationKey: String?,
        now: EpochMillis
    ) async throws -> Bool {
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
            "UPDATE uploads SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND state = 'quarantined' AND lease_owner = $2",
            [.text(id.rawValue), .text(holder)]
        )
    }

    public func updateFlags(id: UploadID, adding: [UploadFlag], removing: [UploadFlag]) async throws -> Bool {
        try await driver.transaction { executor in
            let lock = executor.dialect == .postgres ? " FOR UPDATE" : ""
            guard let row = try await executor.query("SELECT * FROM uploads WHERE id = $1\(lock)", [.text(id.rawValue)]).first else { return false }
            let current = try Self.upload(from: row)
            guard current.state == .quarantined else { return false }
            var flags = current.flags.filter { !removing.contains($0) }
            for flag in adding where !flags.contains(flag) { flags.append(flag) }
            let updated = try await !executor.query(
                "UPDATE uploads SET flags = $2 WHERE id = $1 AND state = 'quarantined' RETURNING id",
                [.text(id.rawValue), .text(UploadFlag.column(flags))]
            ).isEmpty
            guard updated else { return false }
            try await Self.writeFlags(flags, of: id, on: executor)
            return true
        }
    }

    public func quarantined(_ query: QuarantineQuery) async throws -> [Upload] {
        var sql = "SELECT * FROM uploads WHERE state = 'quarantined'"
        var binds: [SQLValue] = []
        func bind(_ value: SQLValue) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let before = query.before { sql += " AND id < \(bind(.text(before.rawValue)))" }
        if let reason = query.reason {
            sql +=
                " AND EXISTS (SELECT 1 FROM upload_reasons WHERE upload_reasons.upload_id = uploads.id AND upload_reasons.code = \(bind(.text(reason.rawValue))))"
        }
        if let flag = query.flag {
            sql +=
                " AND EXISTS (SELECT 1 FROM upload_flags WHERE upload_flags.upload_id = uploads.id AND upload_flags.flag = \(bind(.text(flag.rawValue))))"
        }
        if let since = query.since { sql += " AND updated_at >= \(bind(.int(since)))" }
        if let until = query.until { sql += " AND updated_at < \(bind(.int(until)))" }
        sql += " ORDER BY id DESC LIMIT \(bind(.int(Int64(max(query.limit, 0)))))"
        return try await driver.query(sql, binds).map(Self.upload(from:))
    }

    public func quarantineReasonCounts() async throws -> [ReasonCode: Int] {
        let rows = try await driver.query(
            """
            SELECT upload_reasons.code AS code, COUNT(*) AS n FROM upload_reasons JOIN uploads ON uploads.id = upload_reasons.upload_id
            WHERE uploads.state = 'quarantined' GROUP BY upload_reasons.code
            """,
            []
        )
        var counts: [ReasonCode: Int] = [:]
        for row in rows {
            // A code a newer airlock wrote is counted as it is (unrecognized), not an error.
            if let code = row.text("code").map(ReasonCode.init(stored:)) { counts[code] = Int(row.int("n") ?? 0) }
        }
        return counts
    }
}
