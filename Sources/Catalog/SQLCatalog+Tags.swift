import AirlockCore

// Flags and reason codes in their indexed tables (migration 6), kept in step with the `flags` and `reasons` columns
// in the transaction that writes those.
extension SQLCatalog {
    /// Runs a compare-and-set statement (with `RETURNING`) and, when it applied, rewrites the upload's reason codes,
    /// in one transaction; whether it applied.
    func changed(_ sql: String, _ binds: [SQLValue], reasons: [Reason], of id: UploadID) async throws -> Bool {
        try await driver.transaction { executor in
            guard try await !executor.query(sql, binds).isEmpty else { return false }
            try await Self.writeReasons(reasons, of: id, on: executor)
            return true
        }
    }

    /// Replaces the upload's rows in `upload_flags` with `flags` as the `flags` column reads back.
    static func writeFlags(_ flags: [UploadFlag], of id: UploadID, on executor: any SQLExecutor) async throws {
        _ = try await executor.query("DELETE FROM upload_flags WHERE upload_id = $1", [.text(id.rawValue)])
        try await insertTags(table: "upload_flags", column: "flag", of: id, storedFlags(flags), on: executor)
    }

    /// Replaces the upload's rows in `upload_reasons` with the codes of `reasons`, each once.
    static func writeReasons(_ reasons: [Reason], of id: UploadID, on executor: any SQLExecutor) async throws {
        _ = try await executor.query("DELETE FROM upload_reasons WHERE upload_id = $1", [.text(id.rawValue)])
        try await insertTags(table: "upload_reasons", column: "code", of: id, unique(reasons.map(\.code.rawValue)), on: executor)
    }

    /// Flags as the comma-separated column reads them back: no empty ones, each once.
    static func storedFlags(_ flags: [UploadFlag]) -> [String] {
        unique(UploadFlag.column(flags).split(separator: ",").map(String.init))
    }

    private static func insertTags(table: String, column: String, of id: UploadID, _ values: [String], on executor: any SQLExecutor) async throws {
        guard !values.isEmpty else { return }
        let tuples = values.indices.map { "($1, $\($0 + 2))" }.joined(separator: ", ")
        _ = try await executor.query("INSERT INTO \(table) (upload_id, \(column)) VALUES \(tuples)", [.text(id.rawValue)] + values.map(SQLValue.text))
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
