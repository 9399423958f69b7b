/// What `airlock presign get|put|post` was asked, before defaults from configuration and the environment.
public struct PresignInput: Sendable {
    public enum Operation: String, Sendable, CaseIterable {
        case get, put, post
    }

    public var operation: Operation
    public var endpoint: String?
    public var bucket: String?
    public var key: String?
    public var region: String?
    public var expires: Int?
    /// `true` for `--path-style`, `false` for `--virtual-host`, `nil` for the configured addressing.
    public var pathStyle: Bool?
    public var accessKey: String?
    public var secretKey: String?
    public var sessionToken: String?
    /// `YYYYMMDDTHHMMSSZ`, for reproducible output.
    public var date: String?

    // get
    public var responseContentDisposition: String?
    public var responseContentType: String?

    // put and post
    public var contentType: String?

    // put
    public var contentLength: Int?
    /// Base64 SHA-256 of the body, signed as `x-amz-checksum-sha256`.
    public var checksumSHA256: String?

    // post
    public var keyPrefix: String?
    public var minSize: Int?
    public var maxSize: Int?
    /// `K=V` pairs, sent as `x-amz-meta-K`.
    public var meta: [String]
    public var successStatus: Int?

    public init(operation: Operation) {
        self.operation = operation
        self.meta = []
    }

    /// The expiry used when `--expires` is not given: one hour.
    public static let defaultExpiry = 3600
}
