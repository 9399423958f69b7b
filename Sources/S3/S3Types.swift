public import AirlockCore

/// A bucket and key (the core's object reference).
public typealias ObjectLocation = ObjectRef

/// What HEAD (or GET) says about an object.
public struct ObjectMetadata: Sendable, Equatable {
    public var size: Int64
    /// As the store sent it (quoted or not); compare with ``ETag/matches(_:_:)``.
    public var etag: String
    public var contentType: String?
    public var lastModified: String?
    /// User metadata, names lowercased without the `x-amz-meta-` prefix.
    public var metadata: [String: String]
    /// `x-amz-checksum-sha256`, when the store keeps one.
    public var checksumSHA256: String?

    public init(
        size: Int64,
        etag: String,
        contentType: String? = nil,
        lastModified: String? = nil,
        metadata: [String: String] = [:],
        checksumSHA256: String? = nil
    ) {
        self.size = size
        self.etag = etag
        self.contentType = contentType
        self.lastModified = lastModified
        self.metadata = metadata
        self.checksumSHA256 = checksumSHA256
    }
}

/// A request body for PutObject and UploadPart.
public enum ObjectBody: Sendable {
    case bytes([UInt8])
    /// `length` bytes of an open file from `offset` (read with `pread`; retries resend the same bytes).
    case file(descriptor: Int32, offset: Int64, length: Int64)

    var length: Int64 {
        switch self {
        case .bytes(let bytes): return Int64(bytes.count)
        case .file(_, _, let length): return length
        }
    }
}

/// One object in a listing.
public struct ListedObject: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var etag: String
    public var lastModified: String
}

/// One page of ListObjectsV2.
public struct ListPage: Sendable {
    public var objects: [ListedObject]
    public var isTruncated: Bool
    /// Pass to the next call to continue.
    public var nextContinuationToken: String?
}

/// A part of a multipart upload.
public struct UploadedPart: Sendable, Equatable {
    public var number: Int
    public var etag: String
    public var size: Int64?

    public init(number: Int, etag: String, size: Int64? = nil) {
        self.number = number
        self.etag = etag
        self.size = size
    }
}

/// A CORS rule for PutBucketCors.
public struct CORSRule: Sendable, Equatable {
    public var allowedOrigins: [String]
    public var allowedMethods: [String]
    public var allowedHeaders: [String]
    public var exposeHeaders: [String]
    public var maxAgeSeconds: Int?

    public init(
        allowedOrigins: [String],
        allowedMethods: [String],
        allowedHeaders: [String] = ["*"],
        exposeHeaders: [String] = ["ETag"],
        maxAgeSeconds: Int? = 3000
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }
}

/// A lifecycle rule for PutBucketLifecycleConfiguration: expire objects under a prefix and abort stale multipart uploads.
public struct LifecycleRule: Sendable, Equatable {
    public var id: String
    public var prefix: String
    public var expirationDays: Int?
    public var abortIncompleteMultipartUploadDays: Int?

    public init(id: String, prefix: String, expirationDays: Int?, abortIncompleteMultipartUploadDays: Int?) {
        self.id = id
        self.prefix = prefix
        self.expirationDays = expirationDays
        self.abortIncompleteMultipartUploadDays = abortIncompleteMultipartUploadDays
    }
}

/// How failed requests are retried: exponential backoff with full jitter, idempotent operations only, bounded in
/// attempts and in total time.
public struct RetryPolicy: Sendable {
    public var maximumAttempts: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration
    /// No retry starts after this much time since the first attempt.
    public var budget: Duration

    public init(
        maximumAttempts: Int = 5,
        baseDelay: Duration = .milliseconds(100),
        maximumDelay: Duration = .seconds(5),
        budget: Duration = .seconds(60)
    ) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.budget = budget
    }

    /// No retries.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The delay before retry number `attempt` (1-based): uniformly random up to `min(maximumDelay, base * 2^(attempt-1))`.
    func delay(beforeRetry attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maximumDelay, baseDelay * (1 << exponent))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }
}
