public import AirlockErrors

/// A request that cannot be signed as asked (docs/architecture.md, "Errors").
///
/// `code` is stable; `message` names the problem for a human and never contains a secret: not the secret access key,
/// not the session token, not a signature, not an endpoint's user info.
public struct SigV4Error: AirlockFailure, Hashable {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidExpiry = "invalid_expiry"
            case invalidBucketName = "invalid_bucket_name"
            case invalidKey = "invalid_key"
            case invalidEndpoint = "invalid_endpoint"
            case invalidHeader = "invalid_header"
            case invalidPolicy = "invalid_policy"
            case invalidCredentials = "invalid_credentials"
            case invalidRegion = "invalid_region"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Expiry outside 1...604800 seconds.
        public static let invalidExpiry = Code(.invalidExpiry)
        /// A bucket name S3 would refuse.
        public static let invalidBucketName = Code(.invalidBucketName)
        /// An empty object key, or one longer than 1024 bytes.
        public static let invalidKey = Code(.invalidKey)
        /// An endpoint that is not an `http` or `https` URL with a host.
        public static let invalidEndpoint = Code(.invalidEndpoint)
        /// A header name or value that cannot be signed.
        public static let invalidHeader = Code(.invalidHeader)
        /// A POST policy that would not work (no conditions, a bad range, a field without a condition).
        public static let invalidPolicy = Code(.invalidPolicy)
        /// Missing or malformed credentials.
        public static let invalidCredentials = Code(.invalidCredentials)
        /// A region that cannot appear in a credential scope.
        public static let invalidRegion = Code(.invalidRegion)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var codeName: String { code.description }
    /// Always nil: the signer refuses requests by checking them; nothing underneath fails.
    public var cause: (any Error)? { nil }
    public var description: String { "\(code): \(message)" }
}
