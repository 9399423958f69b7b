public import AirlockCore
public import S3
import SigV4

/// The pipeline's object-store port over the S3 client: S3 errors become the failures the pipeline acts on.
public struct S3ObjectStore: ObjectStore {
    public let client: S3Client

    public init(client: S3Client) {
        self.client = client
    }

    public func head(_ object: ObjectRef) async throws -> ObjectInfo? {
        try await mapped { () throws(S3Error) in try await client.headObject(object).map(Self.info) }
    }

    public func download(_ object: ObjectRef, ifMatch etag: String?, to descriptor: Int32, observe: DownloadObserver?) async throws -> ObjectInfo {
        try await mapped { () throws(S3Error) in Self.info(try await client.getObject(object, to: descriptor, ifMatch: etag, observe: observe)) }
    }

    public func copy(
        from source: ObjectRef,
        ifMatch etag: String,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)]
    ) async throws -> CopyOutcome {
        try await mapped { () throws(S3Error) in
            let result = try await client.copyObject(
                from: source,
                ifMatch: etag,
                sourceSize: size,
                to: destination,
                contentType: contentType,
                metadata: metadata
            )
            let partSize =
                result.multipart
                ? S3Client.partRanges(size: size, preferredPartSize: client.configuration.multipartCopyPartSize).first.map { Int64($0.count) } : nil
            return CopyOutcome(etag: result.etag, partSize: partSize)
        }
    }

    public func upload(
        from descriptor: Int32,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)],
        md5: String?,
        sha256: String?
    ) async throws -> String {
        try await mapped { () throws(S3Error) in
            ETagText.normalized(
                try await client.putFile(
                    destination,
                    descriptor: descriptor,
                    size: size,
                    contentType: contentType,
                    metadata: metadata,
                    contentMD5: md5.flatMap(PayloadHash.base64(hexDigest:)),
                    checksumSHA256: sha256.flatMap(PayloadHash.base64(hexDigest:))
                )
            )
        }
    }

    public func delete(_ object: ObjectRef) async throws {
        try await mapped { () throws(S3Error) in try await client.deleteObject(object) }
    }

    public func list(bucket: String, prefix: String, startAfter: String?, limit: Int) async throws -> (objects: [ListedObjectInfo], more: Bool) {
        try await mapped { () throws(S3Error) in
            let page = try await client.listObjects(bucket: bucket, prefix: prefix.isEmpty ? nil : prefix, startAfter: startAfter, maxKeys: limit)
            return (
                page.objects.map { ListedObjectInfo(key: $0.key, size: $0.size, etag: ETagText.normalized($0.etag), lastModified: $0.lastModified) },
                page.isTruncated
            )
        }
    }

    public func abortMultipartUpload(_ object: ObjectRef, uploadID: String) async throws {
        try await mapped { () throws(S3Error) in try await client.abortMultipartUpload(object, uploadId: uploadID) }
    }

    public func createMultipartUpload(_ object: ObjectRef, contentType: String, metadata: [(name: String, value: String)]) async throws -> String {
        try await mapped { () throws(S3Error) in try await client.createMultipartUpload(object, contentType: contentType, metadata: metadata) }
    }

    public func completeMultipartUpload(_ object: ObjectRef, uploadID: String, parts: [(number: Int, etag: String)]) async throws {
        try await mapped { () throws(S3Error) in
            _ = try await client.completeMultipartUpload(
                object,
                uploadId: uploadID,
                parts: parts.map { UploadedPart(number: $0.number, etag: $0.etag) }
            )
        }
    }

    static func info(_ metadata: ObjectMetadata) -> ObjectInfo {
        var user: [String: String] = [:]
        for (name, value) in metadata.metadata { user[name.lowercased()] = value }
        return ObjectInfo(
            size: metadata.size,
            etag: ETagText.normalized(metadata.etag),
            contentType: metadata.contentType,
            metadata: user,
            lastModified: metadata.lastModified
        )
    }

    private func mapped<Result>(_ body: () async throws(S3Error) -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            if error.isPreconditionFailed { throw StoreFailure(.preconditionFailed, error.description, cause: error) }
            if error.isNotFound { throw StoreFailure(.notFound, error.description, cause: error) }
            switch error.kind {
            case .transport, .invalidResponse: throw StoreFailure(.transient, error.description, cause: error)
            case .service where (error.status ?? 0) >= 500 || error.code == "SlowDown":
                throw StoreFailure(.transient, error.description, cause: error)
            default: throw StoreFailure(.permanent, error.description, cause: error)
            }
        }
    }
}
