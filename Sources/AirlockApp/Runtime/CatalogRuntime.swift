import AirlockCore
public import Catalog
import Configuration
public import Logging
import NIOSSL
import PostgresNIO
public import ServiceLifecycle

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

    /// Runs `body` with the pool running, then closes the catalog on every path (commands that open it for one job):
    /// the close is awaited, never left to a detached task.
    public func withPoolThenClose<Result: Sendable>(_ body: @Sendable (SQLCatalog) async throws -> Result) async throws -> Result {
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await withPool(body))
        } catch {
            result = .failure(error)
        }
        await close()
        return try result.get()
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
                throw AirlockError(.storage, "the catalog \(settings.redacted) cannot be opened", cause: error)
            }
        case .postgres(let host, let port, let username, let password, let database):
            let tls = try tls(settings)
            try await probe(settings, host: host, port: port, username: username, password: password, database: database, logger: logger)
            let opened = CatalogFactory.postgres(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: tls,
                logger: logger
            )
            return OpenedCatalog(catalog: opened.catalog, pool: ClosureService(body: opened.run))
        }
    }

    /// One connection, opened and closed, before the pool starts: a wrong address, password or TLS mode fails at once and
    /// by name (the pool would retry for a minute and report only that its circuit breaker tripped).
    static func probe(
        _ settings: CatalogSettings,
        host: String,
        port: Int,
        username: String,
        password: String?,
        database: String,
        logger: Logger
    ) async throws(AirlockError) {
        var configuration = PostgresConnection.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: .disable
        )
        configuration.options.connectTimeout = .seconds(10)
        if settings.tlsMode != .disable {
            do {
                let context = try NIOSSLContext(configuration: try clientTLSConfiguration(settings))
                configuration.tls = settings.tlsMode == .prefer ? .prefer(context) : .require(context)
            } catch let error as AirlockError {
                throw error
            } catch {
                throw AirlockError(.invalidConfig, "catalog.url: the TLS settings cannot be used", cause: error)
            }
        }
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch let error as PSQLError {
            let reason: String =
                switch error.code {
                case .sslUnsupported: "the server does not offer TLS (sslmode=\(settings.tlsMode.rawValue))"
                case .failedToAddSSLHandler: "TLS could not start"
                case .server: error.serverInfo?[.message] ?? "the server refused the connection"
                default: error.underlying.map { "\($0)" } ?? "\(error.code)"
                }
            throw AirlockError(.storage, "the catalog \(settings.redacted) cannot be reached: \(reason)")
        } catch {
            throw AirlockError(.storage, "the catalog \(settings.redacted) cannot be reached", cause: error)
        }
    }

    static func clientTLSConfiguration(_ settings: CatalogSettings) throws(AirlockError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch settings.tlsMode {
        case .disable, .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let path = settings.rootCertificates {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw AirlockError(.invalidConfig, "catalog.url sslrootcert '\(path)' is not a readable PEM file")
            }
        }
        return configuration
    }

    /// The PostgreSQL client's TLS for `catalog.url`'s `sslmode` and `sslrootcert`.
    static func tls(_ settings: CatalogSettings) throws(AirlockError) -> PostgresClient.Configuration.TLS {
        guard settings.tlsMode != .disable else { return .disable }
        let configuration = try clientTLSConfiguration(settings)
        return settings.tlsMode == .prefer ? .prefer(configuration) : .require(configuration)
    }

    /// The CLI entry point of `airlock migrate`: the JSON line to print.
    public static func migrateCommand(configPath: String?) async throws(AirlockError) -> String {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let result = try await migrate(
            try CatalogSettings(reader: config.scoped(to: "catalog")),
            logger: StorageCommands.commandLogger(environment: environment)
        )
        return JSONText.object([("applied", .int(result.applied)), ("version", .int(result.version))]).rendered
    }

    /// `airlock migrate`: applies pending migrations; returns how many ran and the schema version.
    public static func migrate(_ settings: CatalogSettings, logger: Logger) async throws(AirlockError) -> (applied: Int, version: Int) {
        let opened = try await open(settings, logger: logger)
        do {
            return try await opened.withPoolThenClose { catalog in
                let applied = try await catalog.migrate()
                return (applied, try await catalog.schemaVersion())
            }
        } catch {
            throw AirlockError(.storage, "migrating the catalog \(settings.redacted) failed", cause: error)
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
