/// The audit log: appended in one chain (each entry sealed over the previous entry's hash), read in order.
public protocol AuditCatalog: Sendable {
    /// Appends to the audit log: `seal` computes the entry's hash from the previous entry's hash and the entry (with
    /// its sequence number assigned), or throws to write nothing; appends are serialized so the chain never forks. An
    /// entry with a NUL in any field is refused (the catalog could not keep it as sealed).
    func appendAudit(
        _ entry: AuditEntry,
        seal: @escaping @Sendable (_ previousHash: String, _ entry: AuditEntry) throws -> String
    ) async throws -> AuditEntry

    /// Entries after a sequence number, in order.
    func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry]

    /// One upload's audit trail, oldest first.
    func auditEntries(uploadID: String) async throws -> [AuditEntry]

    /// The newest entry (the chain's head), if any.
    func latestAuditEntry() async throws -> AuditEntry?
}
