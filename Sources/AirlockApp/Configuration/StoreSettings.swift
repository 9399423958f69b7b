public import AirlockCore
public import Configuration

/// The `store` section: where the object store is and how to sign for it.
public struct StoreSettings: Sendable {
    public var backend: StoreBackend
    public var endpoint: String
    public var region: String
    /// `path` or `virtual`.
    public var addressing: String
    public var accessKeyId: String?
    public var secretAccessKey: String?
    public var sessionToken: String?
    /// The endpoint clients use for presigned URLs when it differs from the one Airlock uses.
    public var publicEndpoint: String?
    public var caFile: String?
    public var multipartCopyThreshold: ByteSize

    public init(
        backend: StoreBackend = .ceph,
        endpoint: String = "http://127.0.0.1:7480",
        region: String? = nil,
        addressing: String? = nil,
        accessKeyId: String? = nil,
        secretAccessKey: String? = nil,
        sessionToken: String? = nil,
        publicEndpoint: String? = nil,
        caFile: String? = nil,
        multipartCopyThreshold: ByteSize = .gibibytes(5)
    ) {
        self.backend = backend
        self.endpoint = endpoint
        self.region = region ?? backend.defaultRegion
        self.addressing = addressing ?? (backend.prefersVirtualHostAddressing ? "virtual" : "path")
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.publicEndpoint = publicEndpoint
        self.caFile = caFile
        self.multipartCopyThreshold = multipartCopyThreshold
    }

    /// Reads the section from a reader scoped to `store`.
    ///
    /// - Configuration keys:
    ///   - `backend` (string, default `ceph`): `aws`, `r2`, `seaweedfs`, `ceph` or `generic`.
    ///   - `endpoint` (string, default `http://127.0.0.1:7480`): the store's URL as Airlock reaches it.
    ///   - `region` (string, default `us-east-1`, `auto` for R2): the signing region.
    ///   - `addressing` (string, default `path`; `virtual` for `aws`): `path` or `virtual`.
    ///   - `accessKeyId` (string): the access key id.
    ///   - `secretAccessKey` (string, secret): the signing secret.
    ///   - `sessionToken` (string, secret): a temporary session token.
    ///   - `publicEndpoint` (string): the URL clients use, when different.
    ///   - `caFile` (string): a CA bundle for TLS to the store.
    ///   - `multipartCopyThreshold` (size, default `5GiB`): above it, copies use UploadPartCopy.
    public init(reader: ConfigReader) throws(AirlockError) {
        let backendName = reader.string(forKey: "backend", default: StoreBackend.ceph.rawValue)
        guard let backend = StoreBackend(rawValue: backendName) else {
            throw AirlockError(
                .invalidConfig,
                "store.backend '\(backendName)' is not one of \(StoreBackend.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let addressing = reader.string(forKey: "addressing")
        if let addressing, !["path", "virtual"].contains(addressing) {
            throw AirlockError(.invalidConfig, "store.addressing '\(addressing)' must be 'path' or 'virtual'")
        }
        let thresholdText = reader.string(forKey: "multipartCopyThreshold", default: "5GiB")
        guard let threshold = ByteSize(parsing: thresholdText) else {
            throw AirlockError(.invalidConfig, "store.multipartCopyThreshold '\(thresholdText)' is not a size such as 5GiB")
        }
        self.init(
            backend: backend,
            endpoint: reader.string(forKey: "endpoint", default: "http://127.0.0.1:7480"),
            region: reader.string(forKey: "region"),
            addressing: addressing,
            accessKeyId: reader.string(forKey: "accessKeyId"),
            secretAccessKey: reader.string(forKey: "secretAccessKey", isSecret: true),
            sessionToken: reader.string(forKey: "sessionToken", isSecret: true),
            publicEndpoint: reader.string(forKey: "publicEndpoint"),
            caFile: reader.string(forKey: "caFile"),
            multipartCopyThreshold: threshold
        )
    }
}
