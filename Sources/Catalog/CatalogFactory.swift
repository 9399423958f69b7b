import AirlockCore
public import Logging
public import PostgresNIO

/// Opens the catalog a configuration names.
public enum CatalogFactory {
    /// The embedded catalog: a SQLite file (created if missing), migrated.
    public static func openSQLite(path: String, logger: Logger) async throws -> SQLCatalog {
        let catalog = SQLCatalog(driver: try await SQLiteDriver.open(path: path, logger: logger))
        try await catalog.migrate()
        return catalog
    }

    /// A PostgreSQL catalog and the task that keeps its connection pool running: call `run()` in a long-running task
    /// (the service group) before the first query. Not migrated (`airlock migrate`, or `migrate()`).
    /// - Parameter tls: `.disable` (the default: loopback tests), or what `catalog.url`'s `sslmode` asks for.
    public static func postgres(
        host: String,
        port: Int,
        username: String,
        password: String?,
        database: String,
        maxConnections: Int = 20,
        tls: PostgresClient.Configuration.TLS = .disable,
        logger: Logger
    ) -> (catalog: SQLCatalog, run: @Sendable () async -> Void) {
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maxConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let driver = PostgresDriver(client: client, logger: logger)
        return (SQLCatalog(driver: driver), { await driver.run() })
    }
}
