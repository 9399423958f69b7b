/// The whole catalog: every role below, on one database. SQLite and PostgreSQL implement it (`SQLCatalog`) and pass one
/// shared test suite, as does the in-memory fake the unit tests use (`AirlockTesting.InMemoryCatalog`). Assembly code
/// holds a `Catalog`; each consumer keeps only the roles it uses.
public protocol Catalog: UploadCatalog, ReviewCatalog, AuditCatalog, HashListCatalog, CredentialCatalog, EventOutbox {
    /// Applies pending schema migrations; returns how many ran.
    @discardableResult
    func migrate() async throws -> Int
}

extension UploadCatalog {
    /// Finishes without events.
    public func finish(id: UploadID, worker: String, state: UploadState, now: EpochMillis) async throws -> Bool {
        try await finish(id: id, worker: worker, state: state, now: now, events: [])
    }
}

extension HashListCatalog {
    /// The deny and allow sets the inspection takes.
    public func hashLists() async throws -> (deny: Set<String>, allow: Set<String>) {
        var deny: Set<String> = []
        var allow: Set<String> = []
        for entry in try await hashListEntries() {
            if entry.list == .deny { deny.insert(entry.sha256) } else { allow.insert(entry.sha256) }
        }
        return (deny, allow)
    }
}

/// A catalog failure, with a stable code.
public struct CatalogError: AirlockFailure {
    public enum Code: String, Sendable {
        /// The database cannot be reached or opened.
        case unavailable
        /// A statement failed.
        case query
        /// A row could not be read back (a schema or data problem).
        case corrupt
        /// A unique key is taken (e.g. an incoming key).
        case conflict
        /// The database's schema is newer than this program.
        case schemaTooNew = "schema_too_new"
        /// The schema is not there yet (PostgreSQL: `airlock migrate` was not run).
        case notMigrated = "not_migrated"
    }

    public var code: Code
    public var message: String
    /// The driver's error (SQLite or PostgreSQL), for logs.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var codeName: String { code.rawValue }
    public var description: String { "\(code.rawValue): \(messageWithCause)" }

}
