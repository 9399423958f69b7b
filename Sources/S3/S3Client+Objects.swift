public import AirlockCore
import SigV4
public import Transport

#if canImport(Glibc)
import Glibc
#endif

extension S3Client {
    // MARK: - Reading

    /// HeadObject: the object's size, ETag, type and metadata, or `nil` when it does not exist.
    public func headObject(_ location: ObjectLocation, ifMatch etag: String? = nil) async throws(S3Error) -> ObjectMetadata? {
        var headers: [(name: String, value: String)] = []
        if let etag { headers.append(("if-match", ETag.quoted(etag))) }
        let response = try await send(
            "HeadObject",
            Call(method: "HEAD", bucket: location.bucket, key: location.key, headers: headers),
            idempotent: true,
            accept: [404]
        )
        if response.status == 404 { return nil }
        return try Self.metadata(of: response, operation: "HeadObject")
    }

    /// GetObject streamed into an open file from `offset` (the bytes never sit in memory). With `ifMatch`, the store
    /// refuses to send anything but that exact version (412). A retried download rewrites the file from `offset`, and
    /// the file is truncated to exactly what arrived: a partial object is never presented as whole.
    /// `observe` sees the bytes as they are written (offsets from `offset`); a retry starts again at 0.
    /// - Returns: The metadata of what was written.
    public func getObject(
        _ location: ObjectLocation,
        to descriptor: Int32,
        offset: Int64 = 0,
        range: ClosedRange<Int64>? = nil,
        ifMatch etag: String? = nil,
        observe: HTTPRequest.BodyObserver? = nil
    ) async throws(S3Error) -> ObjectMetadata {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append(("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        if let etag { headers.append(("if-match", ETag.quoted(etag))) }
        let call = Call(
            method: "GET",
            bucket: location.bucket,
            key: location.key,
            headers: headers,
            response: .file(descriptor: descriptor, offset: offset),
            observer: observe
        )
        let response = try await send("GetObject", call, idempotent: true)
        var metadata = try Self.metadata(of: response, operation: "GetObject")
        guard response.bodyLength == metadata.size else {
            throw S3Error.invalidResponse("received \(response.bodyLength) of \(metadata.size) bytes", operation: "GetObject")
        }
        guard ftruncate(descriptor, off_t(offset + response.bodyLength)) == 0 else {
            throw S3Error(
                kind: .transport(.io),
                code: "Transport.io",
                message: "truncating the download failed: \(String(cString: strerror(errno)))",
                operation: "GetObject"
            )
        }
        if range != nil, let total = response.header("content-range")?.split(separator: "/").last.flatMap({ Int64($0) }) {
            metadata.size = total
        }
        return metadata
    }

    /// GetObject into memory, for small objects (at most `limit` bytes).
    public func getObjectBytes(_ location: ObjectLocation, limit: Int = 8 << 20) async throws(S3Error) -> (bytes: [UInt8], metadata: ObjectMetadata) {
        let response = try await send(
            "GetObject",
            Call(method: "GET", bucket: location.bucket, key: location.key, response: .memory(limit: limit)),
            idempotent: true
        )
        let metadata = try Self.metadata(of: response, operation: "GetObject")
        guard Int64(response.body.count) == metadata.size else {
            throw S3Error.invalidResponse("received \(response.body.count) of \(metadata.size) bytes", operation: "GetObject")
        }
        return (response.body, metadata)
    }

    static func metadata(of response: HTTPResponse, operation: String) throws(S3Error) -> ObjectMetadata {
        guard let etag = response.header("etag") else {
            throw S3Error.invalidResponse("the response has no ETag", operation: operation)
        }
        guard let lengthText = response.header("content-length"), let size = Int64(lengthText) else {
            throw S3Error.invalidResponse("the response has no Content-Length", operation: operation)
        }
        var metadata: [String: String] = [:]
        for header in response.headers where header.name.hasPrefix("x-amz-meta-") {
            metadata[String(header.name.dropFirst(11))] = header.value
        }
        return ObjectMetadata(
            size: size,
            etag: etag,
            contentType: response.header("content-type"),
            lastModified: response.header("last-modified"),
            metadata: metadata,
            checksumSHA256: response.header("x-amz-checksum-sha256")
        )
    }

    // MARK: - Writing

    /// PutObject from memory or a file.
    /// - Parameters:
    ///   - checksumSHA256: Base64 SHA-256 the store should verify (where it does; see ``BackendProfile/verifiesChecksums``).
    /// - Returns: The new object's ETag.
    @discardableResult
    public func putObject(
        _ location: ObjectLocation,
        body: ObjectBody,
        contentType: String? = nil,
        metadata: [(name: String, value: String)] = [],
        checksumSHA256: String? = nil
    ) async throws(S3Error) -> String {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        for item in metadata { headers.append(("x-amz-meta-" + item.name.lowercased(), item.value)) }
        if let checksumSHA256 { headers.append(("x-amz-checksum-sha256", checksumSHA256)) }
        let response = try await send("PutObject", uploadCall(location, headers: headers, body: body), idempotent: true)
        guard let etag = response.header("etag") else { throw S3Error.invalidResponse("PutObject returned no ETag", operation: "PutObject") }
        return etag
    }

    /// Writes `size` bytes of an open file as one object: one PutObject, or a multipart upload above
    /// ``Configuration/multipartCopyThreshold`` (parts of ``Configuration/multipartCopyPartSize``, a few at a time).
    /// - Parameters:
    ///   - contentMD5: Base64 MD5 of the whole file, sent on a single PUT so the store refuses other bytes.
    ///   - checksumSHA256: Base64 SHA-256 of the whole file, sent on a single PUT where the store verifies it
    ///     (``BackendProfile/verifiesChecksums``).
    /// - Returns: The new object's ETag.
    @discardableResult
    public func putFile(
        _ location: ObjectLocation,
        descriptor: Int32,
        size: Int64,
        contentType: String?,
        metadata: [(name: String, value: String)],
        contentMD5: String? = nil,
        checksumSHA256: String? = nil
    ) async throws(S3Error) -> String {
        guard size > configuration.multipartCopyThreshold else {
            var headers: [(name: String, value: String)] = []
            if let contentMD5 { headers.append(("content-md5", contentMD5)) }
            if let checksumSHA256, configuration.profile.verifiesChecksums { headers.append(("x-amz-checksum-sha256", checksumSHA256)) }
            if let contentType { headers.append(("content-type", contentType)) }
            for item in metadata { headers.append(("x-amz-meta-" + item.name.lowercased(), item.value)) }
            let response = try await send(
                "PutObject",
                uploadCall(location, headers: headers, body: .file(descriptor: descriptor, offset: 0, length: size)),
                idempotent: true
            )
            guard let etag = response.header("etag") else { throw S3Error.invalidResponse("PutObject returned no ETag", operation: "PutObject") }
            return etag
        }
        return try await inParts(location, size: size, contentType: contentType, metadata: metadata, operation: "UploadPart") {
            uploadId,
            number,
            range in
            try await self.uploadPart(
                location,
                uploadId: uploadId,
                partNumber: number,
                body: .file(descriptor: descriptor, offset: range.lowerBound, length: Int64(range.count))
            )
        }
    }

    /// A PUT of `body`: hashed when in memory, `UNSIGNED-PAYLOAD` when streamed from a file.
    func uploadCall(
        _ location: ObjectLocation,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)],
        body: ObjectBody
    ) -> Call {
        switch body {
        case .bytes(let bytes):
            return Call(
                method: "PUT",
                bucket: location.bucket,
                key: location.key,
                query: query,
                headers: headers,
                body: .bytes(bytes),
                payloadHash: PayloadHash.hex(of: bytes)
            )
        case .file(let descriptor, let offset, let length):
            return Call(
                method: "PUT",
                bucket: location.bucket,
                key: location.key,
                query: query,
                headers: headers,
                body: .file(descriptor: descriptor, offset: offset, length: length),
                payloadHash: Signer.unsignedPayload
            )
        }
    }

    /// What a copy produced.
    public struct CopyResult: Sendable {
        /// The destination's ETag (for multipart copies, the multipart ETag, not the source's).
        public var etag: String
        public var multipart: Bool
    }

    /// CopyObject pinned to the source's ETag, replacing the metadata; UploadPartCopy in equal parts above
    /// ``Configuration/multipartCopyThreshold`` (aborted on failure).
    ///
    /// The pin uses the header the backend honors (``BackendProfile/copyPrecondition``). Stores differ in how they honor
    /// it, so callers still verify the destination (``ETag/matches(_:_:)``, size, checksum) before trusting it.
    public func copyObject(
        from source: ObjectLocation,
        ifMatch sourceETag: String,
        sourceSize: Int64,
        to destination: ObjectLocation,
        contentType: String?,
        metadata: [(name: String, value: String)]
    ) async throws(S3Error) -> CopyResult {
        if sourceSize > configuration.multipartCopyThreshold {
            let etag = try await copyMultipart(
                from: source,
                ifMatch: sourceETag,
                sourceSize: sourceSize,
                to: destination,
                contentType: contentType,
                metadata: metadata
            )
            return CopyResult(etag: etag, multipart: true)
        }
        var headers = copySourceHeaders(source, ifMatch: sourceETag)
        headers.append(("x-amz-metadata-directive", "REPLACE"))
        if let contentType { headers.append(("content-type", contentType)) }
        for item in metadata { headers.append(("x-amz-meta-" + item.name.lowercased(), item.value)) }
        let response = try await send(
            "CopyObject",
            Call(method: "PUT", bucket: destination.bucket, key: destination.key, headers: headers),
            idempotent: true
        )
        let result = try xml(response, operation: "CopyObject", root: "CopyObjectResult")
        guard let etag = result.value("ETag") else { throw S3Error.invalidResponse("CopyObjectResult has no ETag", operation: "CopyObject") }
        return CopyResult(etag: etag, multipart: false)
    }

    func copySourceHeaders(_ source: ObjectLocation, ifMatch etag: String) -> [(name: String, value: String)] {
        [
            ("x-amz-copy-source", "/" + source.bucket + "/" + URIEncoding.encode(source.key, keepSlash: true)),
            (configuration.profile.copyPrecondition.rawValue, ETag.quoted(etag)),
        ]
    }

    /// DeleteObject (succeeds when the object is already gone).
    public func deleteObject(_ location: ObjectLocation) async throws(S3Error) {
        _ = try await send("DeleteObject", Call(method: "DELETE", bucket: location.bucket, key: location.key), idempotent: true, accept: [404])
    }

    // MARK: - Listing

    /// One page of ListObjectsV2.
    public func listObjects(
        bucket: String,
        prefix: String? = nil,
        startAfter: String? = nil,
        continuationToken: String? = nil,
        maxKeys: Int = 1000
    ) async throws(S3Error) -> ListPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("max-keys", String(maxKeys))]
        if let prefix { query.append(("prefix", prefix)) }
        if let startAfter { query.append(("start-after", startAfter)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let response = try await send("ListObjectsV2", Call(method: "GET", bucket: bucket, key: nil, query: query), idempotent: true)
        let result = try xml(response, operation: "ListObjectsV2", root: "ListBucketResult")
        var objects: [ListedObject] = []
        for item in result.children("Contents") {
            guard let key = item.value("Key"), let size = item.value("Size").flatMap({ Int64($0) }) else {
                throw S3Error.invalidResponse("a listed object lacks Key or Size", operation: "ListObjectsV2")
            }
            objects.append(ListedObject(key: key, size: size, etag: item.value("ETag") ?? "", lastModified: item.value("LastModified") ?? ""))
        }
        let truncated = result.value("IsTruncated") == "true"
        let token = result.value("NextContinuationToken")
        if truncated && token == nil {
            throw S3Error.invalidResponse("a truncated listing without NextContinuationToken", operation: "ListObjectsV2")
        }
        return ListPage(objects: objects, isTruncated: truncated, nextContinuationToken: token)
    }

    /// Every object under a prefix, page by page.
    public func listAllObjects(
        bucket: String,
        prefix: String? = nil,
        startAfter: String? = nil,
        pageSize: Int = 1000
    ) async throws(S3Error) -> [ListedObject] {
        var all: [ListedObject] = []
        var token: String?
        repeat {
            let page = try await listObjects(
                bucket: bucket,
                prefix: prefix,
                startAfter: token == nil ? startAfter : nil,
                continuationToken: token,
                maxKeys: pageSize
            )
            all += page.objects
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return all
    }
}
