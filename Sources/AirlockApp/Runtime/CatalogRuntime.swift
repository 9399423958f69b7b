public import AirlockCore
public import Catalog
public import Logging
public import ServiceLifecycle
import Configuration

/// The configured catalog, open, with the service that keeps a PostgreSQL pool running.
public struct OpenedCatalog: Sendable {
    public let catalog: SQLCatalog
    /// Runs the PostgreSQL connection pool (nil for SQLite); the pool serves queries only while it runs.
    public let pool: (any Service)?

    /// Runs `body` with the pool running (commands that are not a service group).
    public func withPool<Result: Sendable>(_ body: @Sendable (SQLCatalog) async throws -> Result) async throws -> Result {
        guard let pool else { return try await body(catalog) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run() }
            defer { group.cancelAll() }
            return try await body(catalog)
        }
    }

    public func close() async {
        await catalog.close()
    }
}

/// Runs a closure as a service (the PostgreSQL pool).
struct ClosureService: Service {
    let body: @Sendable () async -> Void
    func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}

public enum CatalogRuntime {
    /// Opens the catalog; SQLite is migrated on open (every command that touches it migrates first).
    public static func open(_ settings: CatalogSettings, logger: Logger) async throws(AirlockError) -> OpenedCatalog {
        switch settings.location {
        case .sqlite(let path):
            do {
                let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
                if !directory.isEmpty { try? makeDirectories(directory) }
                return OpenedCatalog(catalog: try await CatalogFactory.openSQLite(path: path, logger: logger), pool: nil)
            } catch {
                throw AirlockError(.storage, "the catalog \(settings.redacted) cannot be opened: \(error)")
            }
        case .postgres(let host, let port, let username, let password, let database):
            let opened = CatalogFactory.postgres(host: host, port: port, username: username, password: password, database: database, logger: logger)
            return OpenedCatalog(catalog: opened.catalog, pool: ClosureService(body: opened.run))
        }
    }

    /// The CLI entry point of `airlock migrate`: the JSON line to print.
    public static func migrateCommand(configPath: String?) async throws(AirlockError) -> String {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let result = try await migrate(try CatalogSettings(reader: config.scoped(to: "catalog")), logger: StorageCommands.commandLogger(environment: environment))
        return JSONText.object([("applied", .int(result.applied)), ("version", .int(result.version))]).rendered
    }

    /// `airlock migrate`: applies pending migrations; returns how many ran and the schema version.
    public static func migrate(_ settings: CatalogSettings, logger: Logger) async throws(AirlockError) -> (applied: Int, version: Int) {
        let opened = try await open(settings, logger: logger)
        defer { Task { await opened.close() } }
        do {
            return try await opened.withPool { catalog in
                let applied = try await catalog.migrate()
                return (applied, try await catalog.schemaVersion())
            }
        } catch {
            throw AirlockError(.storage, "migrating the catalog \(settings.redacted) failed: \(error)")
        }
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o750)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
