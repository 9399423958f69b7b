import AirlockCore
import AirlockTesting
import Foundation
import Logging
import S3
import SigV4
import Transport

/// An S3 client for the test store (`AIRLOCK_TEST_STORE`: Ceph RGW or SeaweedFS), and helpers around it.
struct S3TestContext {
    let server = S3TestServer.current
    let http: HTTPClient
    let client: S3Client
    let bucket: String

    init(
        profile: BackendProfile? = nil,
        retry: RetryPolicy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(50), maximumDelay: .milliseconds(500), budget: .seconds(10)),
        multipartCopyThreshold: Int64 = 5 << 30,
        multipartCopyPartSize: Int64 = 512 << 20,
        accessKey: String? = nil,
        secretKey: String? = nil,
        logger: Logger? = nil,
        createBucket: Bool = true
    ) async throws {
        http = try HTTPClient(configuration: .init(connectTimeout: .seconds(2), lowSpeedTime: .seconds(5)))
        let signer = try Signer(
            credentials: Credentials(accessKeyId: accessKey ?? server.accessKey, secretAccessKey: secretKey ?? server.secretKey),
            region: server.region
        )
        let presigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: server.endpoint))
        client = S3Client(
            presigner: presigner,
            http: http,
            configuration: .init(
                profile: profile ?? .of(server.backend),
                retry: retry,
                multipartCopyThreshold: multipartCopyThreshold,
                multipartCopyPartSize: multipartCopyPartSize
            ),
            logger: logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        bucket = S3TestServer.uniqueBucketName("s3")
        if createBucket { try await client.createBucket(bucket) }
    }

    func location(_ key: String) -> ObjectLocation { ObjectLocation(bucket: bucket, key: key) }
}

/// A temporary file, removed when released.
final class TemporaryFile: Sendable {
    let path: String
    let descriptor: Int32

    init(contents: [UInt8]? = nil) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-s3-\(UUID().uuidString)").path
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw TestProcess.Failure(description: "cannot create \(path)") }
        if let contents {
            try Data(contents).write(to: URL(fileURLWithPath: path))
        }
    }

    /// A file of `size` pseudo-random bytes (deterministic per seed), written in chunks.
    convenience init(size: Int, seed: UInt64) throws {
        try self.init()
        var state = seed
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var written = 0
        while written < size {
            let count = min(chunk.count, size - written)
            for index in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                chunk[index] = UInt8(truncatingIfNeeded: state >> 33)
            }
            _ = chunk.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, count, off_t(written)) }
            written += count
        }
    }

    var contents: Data { (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data() }

    var size: Int64 {
        var info = stat()
        fstat(descriptor, &info)
        return Int64(info.st_size)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}

func sha256Hex(_ data: some Collection<UInt8>) -> String {
    PayloadHash.hex(of: Array(data))
}
