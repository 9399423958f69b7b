import AirlockCore

/// A value bound to or read from a statement: the catalog stores only text, integers and NULL.
enum SQLValue: Sendable, Hashable {
    case text(String)
    case int(Int64)
    case null

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ int: Int64?) { self = int.map(SQLValue.int) ?? .null }
}

/// One result row by column name.
struct SQLRow: Sendable {
    var values: [String: SQLValue]

    func text(_ column: String) -> String? {
        if case .text(let value) = values[column] { return value }
        return nil
    }

    func int(_ column: String) -> Int64? {
        switch values[column] {
        case .int(let value): value
        case .text(let value): Int64(value)
        default: nil
        }
    }

    func requireText(_ column: String) throws(CatalogError) -> String {
        guard let value = text(column) else { throw CatalogError(.corrupt, "column \(column) is missing") }
        return value
    }

    func requireInt(_ column: String) throws(CatalogError) -> Int64 {
        guard let value = int(column) else { throw CatalogError(.corrupt, "column \(column) is missing") }
        return value
    }
}

/// Where SQLite and PostgreSQL differ in the statements the catalog sends.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The n-th (1-based) bind placeholder.
    func placeholder(_ index: Int) -> String {
        switch self {
        case .sqlite: "?\(index)"
        case .postgres: "$\(index)"
        }
    }
}

/// Runs statements; the catalog's logic is written once over this.
protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one statement; `$1`, `$2`… in `sql` are rewritten to the dialect's placeholders.
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

/// A database the catalog can open transactions on.
protocol SQLDriver: SQLExecutor {
    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws). On SQLite the
    /// transaction takes the write lock at once (`BEGIN IMMEDIATE`).
    func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result
    func close() async
    /// Calls `onNotify` for each notification on `channel` until cancelled (PostgreSQL LISTEN); SQLite has no
    /// notifications between processes and just waits.
    func listen(channel: String, _ onNotify: @escaping @Sendable () -> Void) async throws
}
