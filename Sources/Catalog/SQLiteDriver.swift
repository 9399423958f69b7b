import AirlockCore
import Logging
import SQLiteNIO
import Synchronization

/// The embedded catalog database: one SQLite file in WAL mode, one connection; statements and transactions from
/// this process are serialized, other processes (the CLI beside `serve`) wait on SQLite's busy timeout.
final class SQLiteDriver: SQLDriver {
    let dialect = SQLDialect.sqlite
    private let connection: SQLiteConnection
    private let mutex = AsyncMutex()

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Opens (creating) the database file; `":memory:"` for a private in-memory database.
    static func open(path: String, logger: Logger) async throws(CatalogError) -> SQLiteDriver {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: path == ":memory:" ? .memory : .file(path: path), logger: logger)
        } catch {
            throw CatalogError(.unavailable, "the SQLite catalog '\(path)' cannot be opened", cause: error)
        }
        let driver = SQLiteDriver(connection: connection)
        do {
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON"] {
                _ = try await connection.query(pragma, [])
            }
        } catch {
            try? await connection.close()
            throw CatalogError(.unavailable, "the SQLite catalog '\(path)' cannot be configured", cause: error)
        }
        return driver
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await mutex.withLock { try await self.run(sql, binds) }
    }

    func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        await mutex.lock()
        defer { mutex.unlock() }
        _ = try await run("BEGIN IMMEDIATE", [])
        do {
            let result = try await body(Locked(driver: self))
            _ = try await run("COMMIT", [])
            return result
        } catch {
            _ = try? await run("ROLLBACK", [])
            throw error
        }
    }

    func close() async {
        try? await connection.close()
    }

    func listen(channel: String, _ onNotify: @escaping @Sendable () -> Void) async throws {
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }

    /// Runs a statement on the connection; the caller holds the mutex.
    fileprivate func run(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let data = binds.map { value -> SQLiteData in
            switch value {
            case .text(let text): .text(text)
            case .int(let int): .integer(Int(int))
            case .null: .null
            }
        }
        do {
            let rows = try await connection.query(Self.placeholders.numbered(sql), data)
            return rows.map { row in
                var values: [String: SQLValue] = [:]
                for column in row.columns {
                    switch column.data {
                    case .text(let text): values[column.name] = .text(text)
                    case .integer(let int): values[column.name] = .int(Int64(int))
                    case .float(let double): values[column.name] = .int(Int64(double))
                    default: values[column.name] = .null
                    }
                }
                return SQLRow(values: values)
            }
        } catch let error as SQLiteError
            where error.reason == .constraint || error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed
        {
            throw CatalogError(.conflict, error.message, cause: error)
        } catch let error as SQLiteError {
            throw CatalogError(.query, error.message, cause: error)
        }
    }

    /// The catalog's statements are a fixed set: each is rewritten once.
    static let placeholders = PlaceholderCache()

    final class PlaceholderCache: Sendable {
        private let rewritten = Mutex<[String: String]>([:])

        func numbered(_ sql: String) -> String {
            if let cached = rewritten.withLock({ $0[sql] }) { return cached }
            let result = SQLiteDriver.numberedPlaceholders(sql)
            rewritten.withLock { cache in
                if cache.count > 1000 { cache.removeAll() }  // bounded, should the set ever grow
                cache[sql] = result
            }
            return result
        }
    }

    /// `$1` → `?1` outside string literals (SQLite binds `?NNN` by number).
    static func numberedPlaceholders(_ sql: String) -> String {
        var out = ""
        var inString = false
        for character in sql {
            if character == "'" { inString.toggle() }
            out.append(!inString && character == "$" ? "?" : character)
        }
        return out
    }

    /// The executor handed to a transaction body: statements run without taking the mutex again.
    private struct Locked: SQLExecutor {
        let driver: SQLiteDriver
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await driver.run(sql, binds)
        }
    }
}
