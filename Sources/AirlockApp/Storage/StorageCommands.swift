public import Configuration
public import Logging
import S3

/// The `airlock storage` commands, from configuration to report.
public enum StorageCommands {
    /// The logger the CLI commands use (stderr, warnings and above unless `AIRLOCK_LOG_LEVEL` says otherwise).
    public static func commandLogger(environment: [String: String]) -> Logger {
        var logger = Logger(label: "airlock", factory: LineLogHandler.init)
        logger.logLevel = environment["AIRLOCK_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        return logger
    }

    /// `storage init`: returns one line per step.
    public static func initialize(config: ConfigReader, logger: Logger) async throws(AirlockError) -> [String] {
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
        let http = try HTTPSettings(reader: config.scoped(to: "http"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let clients = try StoreClients(store: store, logger: logger)
        defer { clients.shutdown() }
        return try await StorageInit.run(s3: clients.s3, buckets: buckets, http: http, uploads: uploads)
    }

    /// `storage check`: the report (the caller exits non-zero when a required guarantee failed).
    public static func check(config: ConfigReader, logger: Logger) async throws(AirlockError) -> StorageCheck.Report {
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let clients = try StoreClients(store: store, logger: logger)
        defer { clients.shutdown() }
        do {
            guard try await clients.s3.bucketExists(buckets.incoming.bucket) else {
                throw AirlockError(.storage, "bucket '\(buckets.incoming.bucket)' does not exist; run airlock storage init")
            }
        } catch let error as AirlockError {
            throw error
        } catch {
            throw AirlockError(.storage, "storage check: the store is not reachable", cause: error)
        }
        return await StorageCheck.run(clients: clients, store: store, buckets: buckets, incomingRetentionDays: uploads.incomingRetentionDays)
    }
}
