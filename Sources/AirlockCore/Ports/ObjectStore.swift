/// An object in a bucket.
public struct ObjectRef: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    public var description: String { "\(bucket)/\(key)" }
}

/// What HEAD (or a download) says about an object.
public struct ObjectInfo: Sendable, Hashable {
    public var size: Int64
    /// Unquoted.
    public var etag: String
    public var contentType: String?
    /// User metadata without the `x-amz-meta-` prefix, lowercase names.
    public var metadata: [String: String]
    /// The `Last-Modified` header as the store sent it.
    public var lastModified: String?

    public init(size: Int64, etag: String, contentType: String? = nil, metadata: [String: String] = [:], lastModified: String? = nil) {
        self.size = size
        self.etag = etag
        self.contentType = contentType
        self.metadata = metadata
        self.lastModified = lastModified
    }
}

/// One entry of a listing.
public struct ListedObjectInfo: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var etag: String
    /// As the store wrote it; with the ETag it names one version of the object.
    public var lastModified: String

    public init(key: String, size: Int64, etag: String, lastModified: String) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// What a copy produced.
public struct CopyOutcome: Sendable, Hashable {
    /// The destination's ETag, unquoted.
    public var etag: String
    /// The part size when the copy was done in parts (the destination ETag is then a multipart ETag).
    public var partSize: Int64?

    public init(etag: String, partSize: Int64?) {
        self.etag = etag
        self.partSize = partSize
    }
}

/// A store failure the pipeline acts on.
public struct StoreFailure: AirlockFailure {
    public enum Kind: String, Sendable {
        /// The object (or bucket) does not exist.
        case notFound
        /// An ETag precondition did not hold: the object changed.
        case preconditionFailed
        /// Worth retrying later (network, 5xx, throttling, timeouts).
        case transient
        /// Retrying will not help (access denied, invalid request).
        case permanent
    }

    public var kind: Kind
    /// Without secrets.
    public var message: String
    /// The store client's error, for logs.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }

    public var codeName: String { kind.rawValue }
    public var description: String { "\(kind.rawValue): \(message)" }
}

/// The object store as the pipeline uses it (the S3 adapter implements it). Errors are ``StoreFailure``.
public protocol ObjectStore: Sendable {
    /// `nil` when the object does not exist.
    func head(_ object: ObjectRef) async throws -> ObjectInfo?

    /// Streams the object (exactly the version with `etag` when given) into the open file (truncated to what arrived).
    /// `observe` sees the bytes in file order as they are written, with their offsets; a retried download starts
    /// again at offset 0.
    func download(_ object: ObjectRef, ifMatch etag: String?, to descriptor: Int32, observe: DownloadObserver?) async throws -> ObjectInfo

    /// Server-side copy pinned to the source ETag, replacing content type and user metadata.
    func copy(
        from source: ObjectRef,
        ifMatch etag: String,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)]
    ) async throws -> CopyOutcome

    /// Writes `size` bytes of an open file as the object (the worker's private, inspected copy: what is written is
    /// exactly what was read from the file). `md5` and `sha256` (lowercase hex of the file) go to the store so that it
    /// refuses other bytes where it verifies them. In parts above the store's multipart threshold. Returns the ETag.
    @discardableResult
    func upload(
        from descriptor: Int32,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)],
        md5: String?,
        sha256: String?
    ) async throws -> String

    /// Succeeds when the object is already gone.
    func delete(_ object: ObjectRef) async throws

    /// Keys under `prefix` after `startAfter`, in key order, at most `limit`; `more` when the listing goes on.
    func list(bucket: String, prefix: String, startAfter: String?, limit: Int) async throws -> (objects: [ListedObjectInfo], more: Bool)

    /// Aborts a client's multipart upload (its parts are discarded).
    func abortMultipartUpload(_ object: ObjectRef, uploadID: String) async throws

    /// Starts a multipart upload a client will send parts to; returns its upload id.
    func createMultipartUpload(_ object: ObjectRef, contentType: String, metadata: [(name: String, value: String)]) async throws -> String

    /// Joins the parts a client sent (number and ETag each).
    func completeMultipartUpload(_ object: ObjectRef, uploadID: String, parts: [(number: Int, etag: String)]) async throws
}

/// Wall-clock time for the pipeline, injectable in tests.
public protocol WallClock: Sendable {
    func now() -> EpochMillis
}

/// Sees a download's bytes as they reach the file: each run with its offset (see ``ObjectStore/download(_:ifMatch:to:observe:)``).
public typealias DownloadObserver = @Sendable (_ bytes: UnsafeRawBufferPointer, _ offset: Int64) -> Void

extension ObjectStore {
    public func download(_ object: ObjectRef, ifMatch etag: String?, to descriptor: Int32) async throws -> ObjectInfo {
        try await download(object, ifMatch: etag, to: descriptor, observe: nil)
    }
}
