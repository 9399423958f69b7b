import AirlockCore
import Catalog
import Configuration
import Pipeline

/// `airlock verify`: the buckets against the catalog (``DriftCheck``).
public enum VerifyCommand {
    /// Prints one JSON line per drift and a summary line; returns whether there was none.
    public static func run(configPath: String?, deep: Bool) async throws(AirlockError) -> Bool {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let logger = StorageCommands.commandLogger(environment: environment)
        let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let temporaryDirectory = try ScannerSettings(reader: config.scoped(to: "scanner")).temporaryDirectory
        let checkpoints = try AuditCheckpointSettings(reader: config.scoped(to: "audit"), layout: buckets.layout)
        let clients = try StoreClients(store: try StoreSettings(reader: config.scoped(to: "store")), logger: logger)
        defer { clients.shutdown() }
        let opened = try await CatalogRuntime.open(try CatalogSettings(reader: config.scoped(to: "catalog")), logger: logger)
        do {
            let report = try await opened.withPool { catalog in
                var check = DriftCheck(
                    layout: buckets.layout,
                    catalog: catalog,
                    store: S3ObjectStore(client: clients.s3),
                    clock: SystemWallClock(),
                    temporaryDirectory: temporaryDirectory,
                    incomingRetentionMillis: uploads.incomingRetention.milliseconds,
                    deep: deep
                )
                check.ignored = [checkpoints.place]
                return try await check.run()
            }
            await opened.close()
            for drift in report.drift { print(drift.description) }
            print(
                JSONText.object([
                    ("objects", .int(report.objects)), ("uploads", .int(report.uploads)), ("inMotion", .int(report.inMotion)),
                    ("drift", .int(report.drift.count)), ("deep", .bool(deep)),
                ]).rendered
            )
            return report.drift.isEmpty
        } catch let error as AirlockError {
            await opened.close()
            throw error
        } catch {
            await opened.close()
            throw AirlockError(.storage, "verify failed", cause: error)
        }
    }
}
