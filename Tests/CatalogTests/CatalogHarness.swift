import AirlockCore
import AirlockTesting
import Foundation
import Logging

@testable import Catalog

/// Opens a fresh, migrated catalog on each engine: a temporary SQLite file, or a new database on the PostgreSQL
/// server scripts/test starts (AIRLOCK_TEST_POSTGRES_URL).
enum CatalogEngine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }

    static let logger: Logger = {
        var logger = Logger(label: "airlock.test.catalog")
        logger.logLevel = .warning  // the pool reports its shutdown at info
        return logger
    }()

    struct Server {
        var host: String
        var port: Int
        var user: String
        var password: String
        var database: String
    }

    static var server: Server {
        let url = ProcessInfo.processInfo.environment["AIRLOCK_TEST_POSTGRES_URL"] ?? "postgres://airlock:airlock@127.0.0.1:15432/airlock"
        let components = URLComponents(string: url)
        return Server(
            host: components?.host ?? "127.0.0.1",
            port: components?.port ?? 15432,
            user: components?.user ?? "airlock",
            password: components?.password ?? "airlock",
            database: String((components?.path ?? "/airlock").dropFirst())
        )
    }

    func withCatalog<Result: Sendable>(_ body: @Sendable (SQLCatalog) async throws -> Result) async throws -> Result {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-catalog-\(UUID().uuidString).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let catalog = try await CatalogFactory.openSQLite(path: path, logger: Self.logger)
            do {
                let result = try await body(catalog)
                await catalog.close()
                return result
            } catch {
                await catalog.close()
                throw error
            }
        case .postgres:
            let server = Self.server
            let name = "airlock_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            try await Self.withPostgres(database: server.database) { admin in
                _ = try await admin.driver.query("CREATE DATABASE \(name)", [])
            }
            let result = try await Self.withPostgres(database: name) { catalog in
                try await catalog.migrate()
                return try await body(catalog)
            }
            try? await Self.withPostgres(database: server.database) { admin in
                _ = try await admin.driver.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", [])
            }
            return result
        }
    }

    /// A PostgreSQL catalog on `database` with its pool running for the duration of `body`.
    static func withPostgres<Result: Sendable>(database: String, _ body: @Sendable (SQLCatalog) async throws -> Result) async throws -> Result {
        let server = Self.server
        let opened = CatalogFactory.postgres(
            host: server.host,
            port: server.port,
            username: server.user,
            password: server.password,
            database: database,
            maxConnections: 8,
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await opened.run() }
            defer { group.cancelAll() }
            return try await body(opened.catalog)
        }
    }
}

extension Upload {
    /// A pending intent with ordinary values.
    static func sample(_ number: Int, owner: String = "key:app", at time: EpochMillis = 1_000_000, idempotencyKey: String? = nil) -> Upload {
        let id = UploadID.generate(at: time + EpochMillis(number))
        return Upload(
            id: id,
            owner: owner,
            profile: "documents",
            filename: "report \(number).pdf",
            safeName: "report \(number).pdf",
            declaredSize: 1000 + Int64(number),
            declaredType: "application/pdf",
            declaredSHA256: number % 2 == 0 ? String(repeating: "ab", count: 32) : nil,
            incomingKey: "incoming/\(id)",
            idempotencyKey: idempotencyKey,
            createdAt: time + EpochMillis(number),
            expiresAt: time + 900_000
        )
    }
}

/// Where the catalog contract runs: the in-memory fake unit tests use (`AirlockTesting.InMemoryCatalog`) and both SQL
/// engines, through the `Catalog` protocol alone, so the fake cannot drift from the real thing.
enum CatalogUnderTest: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory, sqlite, postgres
    var description: String { rawValue }

    func withCatalog<Result: Sendable>(_ body: @Sendable (any Catalog) async throws -> Result) async throws -> Result {
        switch self {
        case .memory: try await body(InMemoryCatalog())
        case .sqlite: try await CatalogEngine.sqlite.withCatalog { try await body($0) }
        case .postgres: try await CatalogEngine.postgres.withCatalog { try await body($0) }
        }
    }
}
