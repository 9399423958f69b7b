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
import Transport

/// A worker over real parts: Ceph RGW (one bucket, three prefixes), a SQLite catalog, libmagic and libclamav with the
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
    let server = S3TestServer.current
    let profiles: [String: UploadProfile] = [
        "documents": UploadProfile(
            name: "documents", maxSize: 8 << 20,
            allow: [.init(extensions: ["pdf"], types: ["application/pdf"]), .init(extensions: ["txt"], types: ["text/plain"])]
        ),
    ]

    /// - Parameter catalog: A catalog to use instead of a new SQLite file (a PostgreSQL one whose pool the caller runs).
    init(profile: BackendProfile = .of(.ceph), catalog: SQLCatalog? = nil) async throws {
        http = try HTTPClient(configuration: .init(connectTimeout: .seconds(2), lowSpeedTime: .seconds(5)))
        let signer = try Signer(credentials: Credentials(accessKeyId: server.accessKey, secretAccessKey: server.secretKey), region: server.region)
        client = S3Client(
            presigner: Presigner(signer: signer, endpoint: try S3Endpoint(url: server.endpoint)), http: http,
            configuration: .init(profile: profile, retry: RetryPolicy(maximumAttempts: 2, baseDelay: .milliseconds(20), maximumDelay: .milliseconds(100), budget: .seconds(5))),
            logger: Self.logger
        )
        store = S3ObjectStore(client: client)
        let bucket = S3TestServer.uniqueBucketName("pipe")
        try await client.createBucket(bucket)
        layout = ObjectLayout(
            incoming: BucketPrefix(bucket: bucket, prefix: "incoming/"), processed: BucketPrefix(bucket: bucket, prefix: "processed/"),
            quarantine: BucketPrefix(bucket: bucket, prefix: "quarantine/")
        )
        databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-pipeline-\(UUID().uuidString).sqlite").path
        if let catalog {
            self.catalog = catalog
        } else {
            self.catalog = try await CatalogFactory.openSQLite(path: databasePath, logger: Self.logger)
        }
        inspector = Inspector(magic: try MagicDetector(), scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()), threads: 2)
    }

    func close() async {
        inspector.shutdown()
        await catalog.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
    }

    func worker(_ id: String = "w1", inspector: (any FileInspector)? = nil, maxAttempts: Int = 3) -> Worker {
        Worker(
            configuration: WorkerConfiguration(
                workerID: id, concurrency: 4, leaseMillis: 60_000, maxAttempts: maxAttempts, retryBaseMillis: 0, retryMaxMillis: 0,
                pollInterval: .milliseconds(50), temporaryDirectory: FileManager.default.temporaryDirectory.path, engine: "clamav-test"
            ),
            layout: layout, catalog: catalog, store: store, inspector: inspector ?? self.inspector, profiles: profiles, clock: SystemWallClock(),
            logger: Self.logger
        )
    }

    /// An intent for `filename`, its object in incoming, marked uploaded.
    @discardableResult
    func upload(_ bytes: [UInt8], filename: String, declaredType: String = "application/pdf") async throws -> Upload {
        let now = SystemWallClock().now()
        let id = UploadID.generate(at: now)
        let upload = Upload(
            id: id, owner: "key:app", profile: "documents", filename: filename, safeName: filename, declaredSize: Int64(bytes.count), declaredType: declaredType,
            incomingKey: layout.incoming(id).key, createdAt: now, expiresAt: now + 900_000
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
        } catch where error.isNotFound {
            return nil
        }
    }

    func keys(under prefix: String) async throws -> [String] {
        try await client.listAllObjects(bucket: layout.incoming.bucket, prefix: prefix).map(\.key)
    }

    static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)

    static func pdf(_ text: String) -> [UInt8] {
        let body = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n% \(text)\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        return Array(body.utf8)
    }
}
