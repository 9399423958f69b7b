import AirlockCore
import Catalog
public import Configuration
import Foundation
import HTTPAPI
import Hummingbird
public import Logging
import Pipeline
import ServiceLifecycle

/// `airlock serve`: the HTTP API, and the worker, reconciler and event sender unless `worker.enabled: false`.
public enum ServeRuntime {
    public static func command(configPath: String?) async throws(AirlockError) {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let names = try ConfigLoader.profileNames(path: configPath, environment: environment)
        var logger = StorageCommands.commandLogger(environment: environment)
        if environment["AIRLOCK_LOG_LEVEL"] == nil { logger.logLevel = .info }
        try await WorkerRuntime.run(config: config, profileNames: names, logger: logger, once: false, api: true)
    }

    static func application(config: ConfigReader, parts: WorkerRuntime.Parts, logger: Logger) throws(AirlockError) -> some Service {
        let http = try HTTPSettings(reader: config.scoped(to: "http"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let catalog = parts.catalog.catalog
        let wake = parts.wake
        let environment = APIEnvironment(
            catalog: catalog, store: S3ObjectStore(client: parts.clients.s3),
            signer: UploadSigner(presigner: parts.clients.publicPresigner, supportsPostPolicy: store.backend.supportsPostPolicy), layout: parts.layout,
            profiles: parts.profiles, uploadExpiresSeconds: Int(uploads.expires.seconds), downloadExpiresSeconds: Int(uploads.downloadExpires.seconds),
            clock: SystemWallClock(), normalize: { $0.precomposedStringWithCanonicalMapping }, wake: { wake.signal() },
            audit: { entry in _ = try await catalog.appendAudit(entry, seal: AuditSeal.sha256) }
        )
        return APIServer.application(
            environment: environment, authenticator: APIKeyAuthenticator(catalog: catalog, clock: SystemWallClock()), host: http.host, port: http.port,
            maxBodyBytes: http.maxBodyBytes, quarantineDownloadSeconds: Int(uploads.quarantineDownloadExpires.seconds), logger: logger
        )
    }
}
