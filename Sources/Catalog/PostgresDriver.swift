import AirlockCore
import Logging
import PostgresNIO

/// The scale-out catalog database: a PostgreSQL connection pool shared by API replicas and workers.
///
/// The pool only hands out connections while `run()` runs (the catalog service runs it).
final class PostgresDriver: SQLDriver {
    let dialect = SQLDialect.postgres
    let client: PostgresClient
    let logger: Logger

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Statements wait until the pool runs (one sent before logs a warning from the pool on every CLI command).
    private let running = ReadyGate()

    /// Runs the pool until the task is cancelled.
    func run() async {
        running.open()
        await client.run()
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        await running.wait()
        return try await Self.collect(logger: logger, { query in try await self.client.query(query, logger: self.logger) }, sql: sql, binds: binds)
    }

    func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        await running.wait()
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(ConnectionExecutor(connection: connection, logger: self.logger))
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError { throw closureError }
            throw CatalogError(.query, "the transaction failed", cause: error.commitError ?? error.beginError ?? error.rollbackError ?? error)
        }
    }

    func close() async {}

    func listen(channel: String, _ onNotify: @escaping @Sendable () -> Void) async throws {
        await running.wait()
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                for try await _ in notifications { onNotify() }
            }
        }
    }

    /// Runs one statement through `send` and reads every row.
    static func collect(
        logger: Logger,
        _ send: (PostgresQuery) async throws -> PostgresRowSequence,
        sql: String,
        binds: [SQLValue]
    ) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .text(let text): bindings.append(text)
            case .int(let int): bindings.append(int)
            case .null: bindings.appendNull()
            }
        }
        do {
            var rows: [SQLRow] = []
            for try await row in try await send(PostgresQuery(unsafeSQL: sql, binds: bindings)) {
                var values: [String: SQLValue] = [:]
                for cell in row {
                    guard cell.bytes != nil else {
                        values[cell.columnName] = .null
                        continue
                    }
                    switch cell.dataType {
                    case .int8, .int4, .int2: values[cell.columnName] = .int(try cell.decode(Int64.self))
                    case .bool: values[cell.columnName] = .int(try cell.decode(Bool.self) ? 1 : 0)
                    default: values[cell.columnName] = .text(try cell.decode(String.self))
                    }
                }
                rows.append(SQLRow(values: values))
            }
            return rows
        } catch let error as PSQLError {
            let state = error.serverInfo?[.sqlState]
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            if state == "23505" { throw CatalogError(.conflict, message, cause: error) }
            if state == "42P01" {
                throw CatalogError(.notMigrated, "the catalog's schema is missing (\(message)): run airlock migrate", cause: error)
            }
            throw CatalogError(state == nil ? .unavailable : .query, message, cause: error)
        }
    }

    private struct ConnectionExecutor: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            try await PostgresDriver.collect(logger: logger, { query in try await connection.query(query, logger: logger) }, sql: sql, binds: binds)
        }
    }
}
