import AirlockApp
import AirlockCore
import AirlockTesting
import Catalog
import Foundation
import Inspection
import Logging
import Pipeline
import S3
import SigV4
import Synchronization
import Transport

/// A worker over real parts: the test store (Ceph RGW or SeaweedFS, `AIRLOCK_TEST_STORE`; one bucket, three prefixes), a SQLite catalog, libmagic and libclamav with the
/// fixtures' signatures.
final class PipelineHarness: Sendable {
    static let logger: Logger = {
        var logger = Logger(label: "airlock.test.pipeline")
        logger.logLevel = .error
        return logger
    }()

    let http: HTTPClient
    let client: S3Client
    let store: S3ObjectStore
    let catalog: SQLCatalog
    let layout: ObjectLayout
    let inspector: Inspector
    let databasePath: String
    /// Private to this harness: a reconciler's sweep of stale temp files never reaches another test's.
    let temporaryDirectory: String
    let server = S3TestServer.current
    let profiles: [String: UploadProfile] = [
        "documents": UploadProfile(
            name: "documents",
            maxSize: 8 << 20,
            allow: [.init(extensions: ["pdf"], types: ["application/pdf"]), .init(extensions: ["txt"], types: ["text/plain"])]
        ),
        "bulk": UploadProfile(name: "bulk", maxSize: 64 << 20, allow: [.init(extensions: ["txt"], types: ["text/plain"])]),
        "binaries": UploadProfile(name: "binaries", maxSize: 1 << 20, allow: [.init(extensions: ["bin"], types: ["application/octet-stream"])]),
    ]

    /// - Parameter catalog: A catalog to use instead of a new SQLite file (a PostgreSQL one whose pool the caller runs).
    /// - Parameter multipartThreshold: Objects above it are written in parts (`store.multipartCopyThreshold`).
    /// - Parameter profile: The store profile (default: the test store's own).
    init(profile: BackendProfile? = nil, catalog: SQLCatalog? = nil, multipartThreshold: Int64 = 5 << 30) async throws {
        http = try HTTPClient(configuration: .init(connectTimeout: .seconds(2), lowSpeedTime: .seconds(5)))
        let signer = try Signer(credentials: Credentials(accessKeyId: server.accessKey, secretAccessKey: server.secretKey), region: server.region)
        client = S3Client(
            presigner: Presigner(signer: signer, endpoint: try S3Endpoint(url: server.endpoint)),
            http: http,
            configuration: .init(
                profile: profile ?? .of(server.backend),
                retry: RetryPolicy(maximumAttempts: 2, baseDelay: .milliseconds(20), maximumDelay: .milliseconds(100), budget: .seconds(5)),
                multipartCopyThreshold: multipartThreshold,
                multipartCopyPartSize: 5 << 20
            ),
            logger: Self.logger
        )
        store = S3ObjectStore(client: client)
        let bucket = S3TestServer.uniqueBucketName("pipe")
        try await client.createBucket(bucket)
        layout = ObjectLayout(
            incoming: BucketPrefix(bucket: bucket, prefix: "incoming/"),
            processed: BucketPrefix(bucket: bucket, prefix: "processed/"),
            quarantine: BucketPrefix(bucket: bucket, prefix: "quarantine/")
        )
        databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-pipeline-\(UUID().uuidString).sqlite").path
        temporaryDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-pipeline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
        if let catalog {
            self.catalog = catalog
        } else {
            self.catalog = try await CatalogFactory.openSQLite(path: databasePath, logger: Self.logger)
        }
        inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            threads: 2
        )
    }

    func close() async {
        inspector.shutdown()
        await catalog.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        try? FileManager.default.removeItem(atPath: temporaryDirectory)
    }

    /// A reconciler over the harness's parts (no grace after URL expiry).
    func reconciler(holder: String = "r1", clock: any WallClock = SystemWallClock(), temporaryDirectory: String? = nil) -> Reconciler {
        Reconciler(
            configuration: ReconcilerConfiguration(
                holderID: holder,
                interval: .seconds(1),
                expiryGraceMillis: 0,
                temporaryDirectory: temporaryDirectory ?? self.temporaryDirectory,
                staleTemporaryFileMillis: 60_000
            ),
            layout: layout,
            catalog: catalog,
            store: store,
            clock: clock,
            wake: WakeSignal(),
            logger: Self.logger
        )
    }

    /// One reconciler pass as it runs a day later, when no upload URL can write any more: it deletes the incoming
    /// originals whose inspected copies were placed (and records anything else as unsolicited). Gives the leadership
    /// back so other reconcilers of the test can lead.
    @discardableResult
    func sweepAfterExpiry() async throws -> Reconciler.PassReport {
        let reconciler = reconciler(holder: "after-expiry", clock: ShiftedClock(offsetMillis: 86_400_000))
        let report = try await reconciler.pass()
        try await catalog.releaseLeadership(role: "reconciler", holder: "after-expiry")
        return report
    }

    /// Buckets against catalog, every placed object hashed (what `airlock verify --deep` reports).
    func drift() async throws -> [Drift] {
        try await DriftCheck(
            layout: layout,
            catalog: catalog,
            store: store,
            clock: SystemWallClock(),
            temporaryDirectory: temporaryDirectory,
            incomingRetentionMillis: 7 * 86_400_000,
            deep: true
        ).run().drift
    }

    func worker(
        _ id: String = "w1",
        inspector: (any FileInspector)? = nil,
        maxAttempts: Int = 3,
        hooks: WorkerHooks = WorkerHooks(),
        store: (any ObjectStore)? = nil,
        storeHealth: StoreHealth? = nil
    ) -> Worker {
        Worker(
            configuration: WorkerConfiguration(
                workerID: id,
                concurrency: 4,
                leaseMillis: 60_000,
                maxAttempts: maxAttempts,
                retryBaseMillis: 0,
                retryMaxMillis: 0,
                pollInterval: .milliseconds(50),
                temporaryDirectory: temporaryDirectory,
                engine: "clamav-test"
            ),
            layout: layout,
            catalog: catalog,
            store: store ?? self.store,
            inspector: inspector ?? self.inspector,
            profiles: profiles,
            clock: SystemWallClock(),
            hooks: hooks,
            storeHealth: storeHealth,
            logger: Self.logger
        )
    }

    /// An intent for `filename`, its object in incoming, marked uploaded.
    @discardableResult
    func upload(_ bytes: [UInt8], filename: String, declaredType: String = "application/pdf", profile: String = "documents") async throws -> Upload {
        let now = SystemWallClock().now()
        let id = UploadID.generate(at: now)
        let upload = Upload(
            id: id,
            owner: "key:app",
            profile: profile,
            filename: filename,
            safeName: filename,
            declaredSize: Int64(bytes.count),
            declaredType: declaredType,
            incomingKey: layout.incoming(id).key,
            createdAt: now,
            expiresAt: now + 900_000
        )
        _ = try await catalog.createUpload(upload)
        try await put(bytes, at: layout.incoming(id))
        _ = try await catalog.markUploaded(id: id, now: now)
        return upload
    }

    func put(_ bytes: [UInt8], at object: ObjectRef) async throws {
        _ = try await client.putObject(ObjectLocation(bucket: object.bucket, key: object.key), body: .bytes(bytes))
    }

    func bytes(at object: ObjectRef) async throws -> [UInt8]? {
        do {
            return try await client.getObjectBytes(ObjectLocation(bucket: object.bucket, key: object.key)).bytes
        } catch  where error.isNotFound {
            return nil
        }
    }

    func keys(under prefix: String) async throws -> [String] {
        try await client.listAllObjects(bucket: layout.incoming.bucket, prefix: prefix).map(\.key)
    }

    static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)

    static func pdf(_ text: String) -> [UInt8] {
        let body =
            "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n% \(text)\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        return Array(body.utf8)
    }
}

/// The system clock moved by an offset a test can change (URL expiry, leases, retention).
final class ShiftedClock: WallClock {
    private let offset: Mutex<Int64>

    init(offsetMillis: Int64 = 0) {
        offset = Mutex(offsetMillis)
    }

    func advance(byMillis millis: Int64) {
        offset.withLock { $0 += millis }
    }

    func now() -> EpochMillis {
        SystemWallClock().now() + offset.withLock { $0 }
    }
}
