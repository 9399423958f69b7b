import AirlockCore
public import Logging
public import S3
public import SigV4
public import Transport

/// Builds the signer, presigner, transport and S3 client from the `store` settings.
public struct StoreClients: Sendable {
    public let presigner: Presigner
    /// Signs URLs handed to clients (uses `store.publicEndpoint` when set).
    public let publicPresigner: Presigner
    public let http: HTTPClient
    public let s3: S3Client

    public init(store: StoreSettings, logger: Logger) throws(AirlockError) {
        guard let accessKey = store.accessKeyId, let secretKey = store.secretAccessKey else {
            throw AirlockError(.missingCredentials, "store.accessKeyId and store.secretAccessKey are required")
        }
        do {
            let signer = try Signer(
                credentials: Credentials(accessKeyId: accessKey, secretAccessKey: secretKey, sessionToken: store.sessionToken),
                region: store.region
            )
            let addressing: S3Endpoint.Addressing = store.addressing == "virtual" ? .virtualHost : .path
            presigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: store.endpoint), addressing: addressing)
            publicPresigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: store.publicEndpoint ?? store.endpoint), addressing: addressing)
        } catch {
            throw AirlockError(.invalidConfig, "store: \(error.message)")
        }
        do {
            http = try HTTPClient(configuration: .init(caFile: store.caFile), logger: logger)
        } catch {
            throw AirlockError(.invalidConfig, "store: the HTTP transport could not start: \(error.message)")
        }
        s3 = S3Client(
            presigner: presigner,
            http: http,
            configuration: .init(profile: .of(store.backend), multipartCopyThreshold: store.multipartCopyThreshold.bytes),
            logger: logger
        )
    }

    public func shutdown() {
        http.shutdown()
    }
}
