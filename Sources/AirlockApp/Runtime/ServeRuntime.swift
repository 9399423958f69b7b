import AirlockCore
import Catalog
import Configuration
import Foundation
import HTTPAPI
import Hummingbird
import Inspection
import Logging
import Pipeline
import Prometheus
import Review
import S3
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

    /// The scanner is loaded (libclamav) or answers PING (clamd), and its signatures are younger than the limit.
    static func scannerCheck(_ scanner: any MalwareScanner, maxAge: ConfigDuration) -> (name: String, ready: Bool, detail: String) {
        switch scanner {
        case let reloading as ReloadingClamAV:
            let age = reloading.databaseAge(now: Int(SystemWallClock().now() / 1000))
            let fresh = Int64(age) * 1000 <= maxAge.milliseconds
            return ("scanner", fresh, "\(reloading.engineDescription); signatures \(age / 3600) h old (limit \(maxAge))")
        case let clamd as ClamdScanner:
            do {
                try clamd.ping()
                return ("scanner", true, clamd.engineDescription)
            } catch {
                return ("scanner", false, "clamd does not answer")
            }
        default:
            return ("scanner", true, scanner.engineDescription)
        }
    }

    /// The API's environment: the reviewer's (`ReviewRuntime`), the upload signer and the upload settings.
    static func environment(
        config: ConfigReader,
        catalog: SQLCatalog,
        clients: StoreClients,
        layout: ObjectLayout,
        profiles: [String: UploadProfile],
        uploads: UploadSettings,
        wake: @escaping @Sendable () -> Void
    ) throws(AirlockError) -> APIEnvironment {
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        var environment = APIEnvironment(
            review: try ReviewRuntime.environment(config: config, catalog: catalog, clients: clients, layout: layout, wake: wake),
            signer: UploadSigner(
                presigner: clients.publicPresigner,
                supportsPostPolicy: store.backend.supportsPostPolicy,
                verifiesChecksums: BackendProfile.of(store.backend).verifiesChecksums
            ),
            profiles: profiles,
            uploadExpiresSeconds: Int(uploads.expires.seconds),
            downloadExpiresSeconds: Int(uploads.downloadExpires.seconds),
            normalize: { $0.precomposedStringWithCanonicalMapping }
        )
        environment.multipartThreshold = uploads.multipartThreshold.bytes
        environment.partSize = uploads.partSize.bytes
        return environment
    }

    /// The API server and the service that keeps its readiness current.
    static func application(config: ConfigReader, parts: WorkerRuntime.Parts, logger: Logger) async throws(AirlockError) -> [any Service] {
        let http = try HTTPSettings(reader: config.scoped(to: "http"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let catalog = parts.catalog.catalog
        let wake = parts.wake
        var environment = try Self.environment(
            config: config,
            catalog: catalog,
            clients: parts.clients,
            layout: parts.layout,
            profiles: parts.profiles,
            uploads: uploads,
            wake: { wake.signal() }
        )
        environment.rateLimit = (http.rateLimitPerSecond, http.rateLimitBurst)
        environment.corsOrigins = http.corsOrigins
        environment.review.publicURL = http.publicURL
        environment.authFailureLimit = (http.authFailuresPerMinute, http.authFailuresBurst)
        environment.sessionLifetimeSeconds = Int(http.sessionLifetime.seconds)
        let blockingPool = BlockingPool(threads: 2)
        environment.review.blocking = { work in try await blockingPool.run { () throws -> Void in try work() } }
        environment.review.temporaryDirectory = parts.temporaryDirectory
        let gauges = ScrapeGauges(registry: MetricsRegistry.bootstrap(), catalog: catalog, scanner: parts.scanner)
        environment.metrics = { String(decoding: await gauges.render(), as: UTF8.self) }
        let objectStore = S3ObjectStore(client: parts.clients.s3)
        let probe = ObjectRef(bucket: parts.layout.incoming.bucket, key: parts.layout.incoming.prefix + ".airlock-ready-probe")
        let malware = parts.scanner
        let maxAge = parts.maxSignatureAge
        let writes = parts.workerEnabled ? parts.worker.storeHealth : nil
        let isolation = parts.inspection.check
        // /ready answers from the monitor's last round: no query, store request or clamd ping per request.
        let readiness = ReadinessMonitor(
            probes: [
                .async("catalog") {
                    do {
                        _ = try await catalog.countByState()
                        return ("catalog", true, "reachable")
                    } catch {
                        return ("catalog", false, "unreachable")
                    }
                },
                .async("store") {
                    do {
                        _ = try await objectStore.head(probe)
                        return ("store", true, "reachable")
                    } catch {
                        return ("store", false, "unreachable")
                    }
                },
                .blocking("scanner") { Self.scannerCheck(malware, maxAge: maxAge) },
            ] + (writes.map { writes in [.async("worker_store") { writes.check }] } ?? []) + [.async("isolation") { isolation }]
        )
        environment.readiness = { await readiness.current() }
        let audit = environment.audit
        let keys = APIKeyAuthenticator(catalog: catalog, clock: SystemWallClock()) { record in
            // A revoked key still in use: someone holds a secret they should not (throttled per key by the authenticator).
            _ = await logger.bestEffort("auditing the use of a revoked key") {
                try await audit(
                    AuditEntry(
                        at: SystemWallClock().now(),
                        actor: "key:\(record.name)",
                        action: "key.revoked_use",
                        detail: JSONText.object([("id", .string(record.id)), ("name", .string(record.name))]).rendered
                    )
                )
            }
        }
        var authenticators: [any Authenticator] = [keys]
        let jwt = try AuthSettings.jwt(reader: config.scoped(to: "auth"))
        if jwt.isConfigured {
            do {
                authenticators.append(try await JWTAuthenticator(settings: jwt, clock: SystemWallClock()))
            } catch {
                throw AirlockError(.invalidConfig, error.message)
            }
        }
        let server = APIServer.application(
            environment: environment,
            authenticator: ChainedAuthenticator(authenticators),
            host: http.host,
            port: http.port,
            maxBodyBytes: http.maxBodyBytes,
            quarantineDownloadSeconds: Int(uploads.quarantineDownloadExpires.seconds),
            limits: ConnectionLimits(
                headTimeout: .milliseconds(http.headTimeout.milliseconds),
                bodyTimeout: .milliseconds(http.bodyTimeout.milliseconds),
                idleTimeout: .milliseconds(http.idleTimeout.milliseconds),
                maxConnectionsPerClient: http.maxConnectionsPerClient
            ),
            logger: logger
        )
        return [readiness, server]
    }
}
