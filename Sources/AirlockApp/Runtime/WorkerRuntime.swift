import AirlockCore
import Catalog
public import Configuration
import HTTPAPI
import Inspection
public import Logging
import Pipeline
import Review
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `airlock worker`: the worker, the reconciler and the signature reloader in one service group, stopped gracefully
/// by SIGTERM or SIGINT (in-flight uploads finish or give their leases back).
public enum WorkerRuntime {
    /// The CLI entry point: configuration from `--config`/`AIRLOCK_CONFIG`, logs at info unless `AIRLOCK_LOG_LEVEL`.
    public static func command(configPath: String?, once: Bool) async throws(AirlockError) {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let names = try ConfigLoader.profileNames(path: configPath, environment: environment)
        var logger = StorageCommands.commandLogger(environment: environment)
        if environment["AIRLOCK_LOG_LEVEL"] == nil { logger.logLevel = .info }
        try await run(config: config, profileNames: names, logger: logger, once: once)
    }

    /// - Parameters:
    ///   - profileNames: The profiles the configuration defines (``ConfigLoader/profileNames(path:environment:)``).
    ///   - once: One reconciliation pass, then work until nothing is claimable, then exit (no service group).
    public static func run(config: ConfigReader, profileNames: [String], logger: Logger, once: Bool = false) async throws(AirlockError) {
        try await run(config: config, profileNames: profileNames, logger: logger, once: once, api: false)
    }

    /// - Parameter api: Also serve the HTTP API (`airlock serve`); the pipeline services then run only when
    ///   `worker.enabled` is true.
    static func run(config: ConfigReader, profileNames: [String], logger: Logger, once: Bool, api: Bool) async throws(AirlockError) {
        let parts = try await assemble(config: config, profileNames: profileNames, logger: logger)
        defer {
            parts.inspection.shutdown()
            parts.clients.shutdown()
        }
        do {
            if once {
                try await parts.catalog.withPool { catalog in
                    try await AuditLog(catalog: catalog, keyring: parts.keyring).recordRotation(now: SystemWallClock().now())
                    _ = try await parts.reconciler.pass()
                    while try await parts.worker.processBatch() > 0 {}
                    try await parts.sender.sendDue()
                }
            } else {
                try await prepareCatalog(config: config, parts: parts, api: api, logger: logger)
                var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
                if let pool = parts.catalog.pool { services.append(.init(service: pool)) }
                services.append(
                    .init(
                        service: AuditCheckpointer(
                            catalog: parts.catalog.catalog,
                            store: S3ObjectStore(client: parts.clients.s3),
                            settings: parts.checkpoints,
                            temporaryDirectory: parts.temporaryDirectory,
                            logger: logger
                        )
                    )
                )
                if !api || parts.workerEnabled {
                    services += [.init(service: parts.worker), .init(service: parts.reconciler), .init(service: parts.sender)]
                    services.append(.init(service: UploadListener(catalog: parts.catalog.catalog, wake: parts.wake, logger: logger)))
                }
                if api {
                    for service in try await ServeRuntime.application(config: config, parts: parts, logger: logger) {
                        services.append(.init(service: service))
                    }
                } else if parts.metricsPort > 0 {
                    services.append(
                        .init(
                            service: MetricsServer.make(
                                host: parts.metricsHost,
                                port: parts.metricsPort,
                                catalog: parts.catalog.catalog,
                                scanner: parts.scanner,
                                storeHealth: parts.worker.storeHealth,
                                isolation: parts.inspection.check,
                                logger: logger
                            )
                        )
                    )
                }
                if let reloader = parts.reloader { services.append(.init(service: reloader)) }
                var configuration = ServiceGroupConfiguration(services: services, logger: logger)
                configuration.gracefulShutdownSignals = [.sigterm, .sigint]
                try await ServiceGroup(configuration: configuration).run()
            }
        } catch let error as AirlockError {
            throw error
        } catch {
            throw AirlockError(.storage, "\(api ? "the server" : "the worker") stopped", cause: error)
        }
        await parts.catalog.close()
    }

    /// Before the services start (PostgreSQL: on a connection of its own, since the pool runs only once, as a service):
    /// a new audit key is recorded in the chain before anything is sealed with it, and the API adopts owners of bare JWT
    /// subjects of old into `jwt:<auth.jwt.issuer>#<sub>`.
    static func prepareCatalog(config: ConfigReader, parts: Parts, api: Bool, logger: Logger) async throws {
        let now = SystemWallClock().now()
        let issuer = api ? try AuthSettings.jwt(reader: config.scoped(to: "auth")).issuer : nil
        let keyring = parts.keyring
        let prepare: @Sendable (SQLCatalog) async throws -> Void = { catalog in
            try await AuditLog(catalog: catalog, keyring: keyring).recordRotation(now: now)
            if let issuer {
                let adopted = try await catalog.adoptLegacyJWTOwners(issuer: issuer)
                if adopted > 0 { logger.notice("uploads of JWT subjects moved to their issuer's namespace", metadata: ["count": "\(adopted)"]) }
            }
        }
        guard parts.catalog.pool != nil else { return try await prepare(parts.catalog.catalog) }
        let opened = try await CatalogRuntime.open(try CatalogSettings(reader: config.scoped(to: "catalog")), logger: logger)
        do {
            try await opened.withPool(prepare)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }

    struct Parts {
        var catalog: OpenedCatalog
        var clients: StoreClients
        var inspection: InspectionAssembly
        var worker: Worker
        var reconciler: Reconciler
        var sender: EventSender
        var reloader: SignatureReloader?
        var wake: WakeSignal
        var metricsHost: String
        var metricsPort: Int
        var workerEnabled: Bool
        var profiles: [String: UploadProfile]
        var layout: ObjectLayout
        var scanner: any MalwareScanner
        var maxSignatureAge: ConfigDuration
        /// `scanner.tempDir` or the system's: inspection's and analysis zips' private temp files.
        var temporaryDirectory: String
        /// `audit.key`, `audit.retiredKeys`.
        var keyring: AuditKeyring
        /// `audit.checkpoints`.
        var checkpoints: AuditCheckpointSettings
    }

    static func assemble(config: ConfigReader, profileNames: [String], logger: Logger) async throws(AirlockError) -> Parts {
        _ = MetricsRegistry.bootstrap()
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
        let catalogSettings = try CatalogSettings(reader: config.scoped(to: "catalog"))
        let scanner = try ScannerSettings(reader: config.scoped(to: "scanner"))
        let workerSettings = try WorkerSettings(reader: config.scoped(to: "worker"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let profiles = try ProfileSettings.read(config, names: profileNames)
        let events = try EventSettings(reader: config.scoped(to: "events"))
        let webhooks = events.webhooks.map { Webhook(url: $0.url, secret: $0.secret, types: Set($0.types)) }
        let temporaryDirectory = scanner.temporaryDirectory
        let keyring = try AuditKeyring(reader: config.scoped(to: "audit"))
        let checkpoints = try AuditCheckpointSettings(reader: config.scoped(to: "audit"), layout: buckets.layout)
        // Archive members and libclamav's temp files go to a directory of this process's own, which a later start
        // removes if this process is killed.
        let scratch: ScratchDirectory
        do {
            scratch = try ScratchDirectory(in: temporaryDirectory)
        } catch {
            throw AirlockError(.invalidConfig, "scanner.tempDir: \(error.message)")
        }

        let malware: any MalwareScanner
        var reloading: ReloadingClamAV?
        do {
            switch scanner.engine {
            case .libclamav:
                // With inspector processes each loads its own engine: this one is compiled (to check the database
                // loads and read its age) and freed, here and at each reload.
                let engine = try ReloadingClamAV(
                    database: scanner.database,
                    limits: scanner.limits,
                    temporaryDirectory: scratch.path,
                    keepEngine: workerSettings.isolation == .inProcess
                )
                malware = engine
                reloading = engine
            case .clamd:
                malware = try ClamdScanner(address: scanner.clamd ?? "", timeout: .milliseconds(Int64(scanner.limits.maxScanTime) + 30_000))
            }
        } catch {
            throw AirlockError(.invalidConfig, "the scanner could not start: \(error.message)")
        }
        if workerSettings.isolation == .process {
            // An inspector may run as this process's user: it must not read this process's memory through /proc.
            SandboxedInspector.protectThisProcess()
        }
        let engine: SandboxedInspector.Engine
        switch malware {
        case let clamd as ClamdScanner: engine = .clamd(clamd)
        default: engine = .libclamav(database: scanner.database, limits: scanner.limits)
        }
        let inspection = try await InspectionAssembly.make(
            isolation: workerSettings.isolation,
            engine: engine,
            size: workerSettings.concurrency,
            temporaryDirectory: temporaryDirectory,
            recycleAfter: workerSettings.inspectorRecycleAfter,
            limits: workerSettings.inspectorLimits,
            unsafeWithoutLandlock: workerSettings.inspectorUnsafeWithoutLandlock,
            logger: logger,
            profiles: Array(profiles.values),
            startNow: workerSettings.enabled
        ) { () throws(AirlockError) -> Inspector in
            do throws(InspectionError) {
                return Inspector(magic: try MagicDetector(), scanner: malware, threads: workerSettings.concurrency, scratch: scratch)
            } catch {
                throw AirlockError(.invalidConfig, "libmagic could not start: \(error.message)")
            }
        }
        let clients: StoreClients
        do {
            clients = try StoreClients(store: store, logger: logger)
        } catch {
            inspection.shutdown()
            throw error
        }
        let catalog: OpenedCatalog
        do {
            catalog = try await CatalogRuntime.open(catalogSettings, logger: logger)
        } catch {
            inspection.shutdown()
            clients.shutdown()
            throw error
        }
        let layout = buckets.layout
        let identity = processIdentity()
        let wake = WakeSignal()
        let storeHealth = StoreHealth(clock: SystemWallClock(), sustainedMillis: workerSettings.storeFailingAfter.milliseconds)
        let worker = Worker(
            configuration: WorkerConfiguration(
                workerID: identity,
                concurrency: workerSettings.concurrency,
                leaseMillis: workerSettings.lease.milliseconds,
                maxAttempts: workerSettings.maxAttempts,
                temporaryDirectory: temporaryDirectory,
                engine: malware.engineDescription
            ),
            layout: layout,
            catalog: catalog.catalog,
            store: S3ObjectStore(client: clients.s3),
            inspector: inspection.inspector,
            profiles: profiles,
            hashLists: { [hashLists = HashListCache(catalog: catalog.catalog)] in try await hashLists.lists() },
            clock: SystemWallClock(),
            wake: wake,
            webhooks: webhooks,
            storeHealth: storeHealth,
            logger: logger
        )
        var reconcilerConfiguration = ReconcilerConfiguration(
            holderID: identity,
            interval: .milliseconds(workerSettings.reconcileInterval.milliseconds),
            temporaryDirectory: temporaryDirectory,
            staleTemporaryFileMillis: max(workerSettings.lease.milliseconds * 2, 60_000),
            processedRetentionMillis: uploads.processedRetention?.milliseconds,
            quarantineRetentionMillis: uploads.quarantineRetention?.milliseconds
        )
        reconcilerConfiguration.auditSeal = keyring.seal
        let reconciler = Reconciler(
            configuration: reconcilerConfiguration,
            layout: layout,
            catalog: catalog.catalog,
            store: S3ObjectStore(client: clients.s3),
            clock: SystemWallClock(),
            wake: wake,
            storeHealth: storeHealth,
            logger: logger
        )
        let sender = EventSender(
            catalog: catalog.catalog,
            http: clients.http,
            webhooks: webhooks,
            senderID: identity,
            clock: SystemWallClock(),
            logger: logger
        )
        let reloader = reloading.map { engine in
            SignatureReloader(
                scanner: engine,
                catalog: catalog.catalog,
                holder: identity,
                interval: .milliseconds(scanner.reloadInterval.milliseconds),
                wake: wake,
                seal: keyring.seal,
                afterReload: { [sandboxed = inspection.sandboxed] in sandboxed?.databaseChanged() },
                logger: logger
            )
        }
        return Parts(
            catalog: catalog,
            clients: clients,
            inspection: inspection,
            worker: worker,
            reconciler: reconciler,
            sender: sender,
            reloader: reloader,
            wake: wake,
            metricsHost: config.string(forKey: "worker.metricsHost", default: "127.0.0.1"),
            metricsPort: workerSettings.metricsPort,
            workerEnabled: workerSettings.enabled,
            profiles: profiles,
            layout: layout,
            scanner: malware,
            maxSignatureAge: scanner.maxSignatureAge,
            temporaryDirectory: temporaryDirectory,
            keyring: keyring,
            checkpoints: checkpoints
        )
    }

    /// `host:pid:random`: unique per process, readable in the catalog.
    static func processIdentity() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// Wakes the worker when any process marks an upload uploaded (PostgreSQL LISTEN/NOTIFY); reconnects after errors.
struct UploadListener: Service {
    let catalog: SQLCatalog
    let wake: WakeSignal
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [catalog, wake] in try await catalog.listenForUploads { wake.signal() } }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.warning("listening for uploads failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}

/// Follows the signature directory: a changed database is loaded beside the running engine (off the cooperative pool:
/// loading the official database takes many seconds) and swapped in. Then every quarantined upload is queued for a
/// rescan with the new signatures, once per database across all processes (the first to claim the version does it):
/// a rescan that comes out clean only flags the upload `rescanned_clean` for a reviewer.
struct SignatureReloader: Service {
    let scanner: ReloadingClamAV
    let catalog: SQLCatalog
    let holder: String
    let interval: Duration
    let wake: WakeSignal
    let seal: @Sendable (String, AuditEntry) throws -> String
    /// Runs after a new engine is in use (inspector processes started afterwards load the new database).
    let afterReload: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        let loader = BlockingPool(threads: 1)
        defer { loader.shutdown() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            do {
                let reloaded = try await loader.run { [scanner] () throws(InspectionError) -> Bool in try scanner.reloadIfChanged() }
                guard reloaded else { continue }
                afterReload()
                logger.info("signature database reloaded", metadata: ["engine": "\(scanner.engineDescription)"])
                try await queueRescans()
            } catch let error as InspectionError {
                logger.error("signature database reload failed; the running engine stays", metadata: ["error": "\(error.message)"])
            } catch {
                logger.warning("queueing rescans after a signature reload failed", metadata: ["error": "\(error)"])
            }
        }
    }

    func queueRescans() async throws {
        let clock = SystemWallClock()
        let version = scanner.databaseFingerprint
        // A lease named after the database: one process per new database queues the rescans.
        let day: Int64 = 86_400_000
        guard try await catalog.acquireLeadership(role: "rescan:\(version)", holder: holder, until: clock.now() + day, now: clock.now()) else {
            return
        }
        let queued = try await catalog.requestRescans(now: clock.now())
        _ = try await catalog.appendAudit(
            AuditEntry(
                at: clock.now(),
                actor: "system:signatures",
                action: "quarantine.rescan_all",
                detail: JSONText.object([("queued", .int(queued)), ("engine", .string(scanner.engineDescription))]).rendered
            ),
            seal: seal
        )
        logger.info("quarantined uploads queued for rescan with the new signatures", metadata: ["count": "\(queued)"])
        wake.signal()
    }
}
