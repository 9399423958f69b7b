public import AirlockCore
public import SigV4
import Transport

extension S3Client {
    /// CreateMultipartUpload: returns the upload id.
    public func createMultipartUpload(
        _ location: ObjectLocation,
        contentType: String? = nil,
        metadata: [(name: String, value: String)] = []
    ) async throws(S3Error) -> String {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("content-type", contentType)) }
        for item in metadata { headers.append(("x-amz-meta-" + item.name.lowercased(), item.value)) }
        let call = Call(method: "POST", bucket: location.bucket, key: location.key, query: [("uploads", "")], headers: headers)
        let response = try await send("CreateMultipartUpload", call, idempotent: false)
        let result = try xml(response, operation: "CreateMultipartUpload", root: "InitiateMultipartUploadResult")
        guard let uploadId = result.value("UploadId"), !uploadId.isEmpty else {
            throw S3Error.invalidResponse("no UploadId", operation: "CreateMultipartUpload")
        }
        return uploadId
    }

    /// A presigned UploadPart URL a client PUTs one part to (it must send `Content-Length` exactly when given).
    public func presignUploadPart(
        _ location: ObjectLocation,
        uploadId: String,
        partNumber: Int,
        contentLength: Int64? = nil,
        expires: Int,
        at time: SigningTime
    ) throws(S3Error) -> Presigner.PresignedURL {
        guard (1...10_000).contains(partNumber) else {
            throw S3Error(kind: .invalidRequest, code: "InvalidRequest", message: "part numbers are 1 to 10000", operation: "UploadPart")
        }
        do {
            return try presigner.presign(
                .init(
                    method: .put,
                    bucket: location.bucket,
                    key: location.key,
                    expires: expires,
                    headers: contentLength.map { [("content-length", String($0))] } ?? [],
                    query: [("partNumber", String(partNumber)), ("uploadId", uploadId)]
                ),
                at: time
            )
        } catch {
            throw S3Error(kind: .invalidRequest, code: "InvalidRequest", message: error.message, operation: "UploadPart")
        }
    }

    /// UploadPart from memory or a file: returns the part's ETag.
    public func uploadPart(_ location: ObjectLocation, uploadId: String, partNumber: Int, body: ObjectBody) async throws(S3Error) -> String {
        let query: [(name: String, value: String)] = [("partNumber", String(partNumber)), ("uploadId", uploadId)]
        let response = try await send("UploadPart", uploadCall(location, query: query, headers: [], body: body), idempotent: true)
        guard let etag = response.header("etag") else { throw S3Error.invalidResponse("UploadPart returned no ETag", operation: "UploadPart") }
        return etag
    }

    /// UploadPartCopy of `range` of the source, pinned to its ETag: returns the part's ETag.
    public func uploadPartCopy(
        _ destination: ObjectLocation,
        uploadId: String,
        partNumber: Int,
        from source: ObjectLocation,
        ifMatch sourceETag: String,
        range: ClosedRange<Int64>
    ) async throws(S3Error) -> String {
        var headers = copySourceHeaders(source, ifMatch: sourceETag)
        headers.append(("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)"))
        let call = Call(
            method: "PUT",
            bucket: destination.bucket,
            key: destination.key,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadId)],
            headers: headers
        )
        let response = try await send("UploadPartCopy", call, idempotent: true)
        let result = try xml(response, operation: "UploadPartCopy", root: "CopyPartResult")
        guard let etag = result.value("ETag") else { throw S3Error.invalidResponse("CopyPartResult has no ETag", operation: "UploadPartCopy") }
        return etag
    }

    /// ListParts: every part uploaded so far (all pages).
    public func listParts(_ location: ObjectLocation, uploadId: String) async throws(S3Error) -> [UploadedPart] {
        var parts: [UploadedPart] = []
        var marker: String?
        repeat {
            var query: [(name: String, value: String)] = [("uploadId", uploadId)]
            if let marker { query.append(("part-number-marker", marker)) }
            let response = try await send(
                "ListParts",
                Call(method: "GET", bucket: location.bucket, key: location.key, query: query),
                idempotent: true
            )
            let result = try xml(response, operation: "ListParts", root: "ListPartsResult")
            for part in result.children("Part") {
                guard let number = part.value("PartNumber").flatMap({ Int($0) }), let etag = part.value("ETag") else {
                    throw S3Error.invalidResponse("a part lacks PartNumber or ETag", operation: "ListParts")
                }
                parts.append(UploadedPart(number: number, etag: etag, size: part.value("Size").flatMap { Int64($0) }))
            }
            marker = result.value("IsTruncated") == "true" ? result.value("NextPartNumberMarker") : nil
        } while marker != nil
        return parts
    }

    /// CompleteMultipartUpload: returns the object's ETag.
    public func completeMultipartUpload(_ location: ObjectLocation, uploadId: String, parts: [UploadedPart]) async throws(S3Error) -> String {
        var writer = XMLWriter()
        writer.open("CompleteMultipartUpload", namespace: "http://s3.amazonaws.com/doc/2006-03-01/")
        for part in parts.sorted(by: { $0.number < $1.number }) {
            writer.open("Part")
            writer.element("PartNumber", String(part.number))
            writer.element("ETag", ETag.quoted(part.etag))
            writer.close("Part")
        }
        writer.close("CompleteMultipartUpload")
        let body = writer.bytes
        let call = Call(
            method: "POST",
            bucket: location.bucket,
            key: location.key,
            query: [("uploadId", uploadId)],
            headers: [("content-type", "application/xml")],
            body: .bytes(body),
            payloadHash: PayloadHash.hex(of: body),
            timeout: .seconds(600)
        )
        let response = try await send("CompleteMultipartUpload", call, idempotent: false)
        let result = try xml(response, operation: "CompleteMultipartUpload", root: "CompleteMultipartUploadResult")
        if let etag = result.value("ETag"), !ETag.normalized(etag).isEmpty { return etag }
        // Ceph RGW 16 answers with an empty <ETag/>: ask the object itself.
        guard let head = try await headObject(location) else {
            throw S3Error.invalidResponse("the completed object is missing", operation: "CompleteMultipartUpload")
        }
        return head.etag
    }

    /// AbortMultipartUpload (succeeds when the upload is already gone).
    public func abortMultipartUpload(_ location: ObjectLocation, uploadId: String) async throws(S3Error) {
        _ = try await send(
            "AbortMultipartUpload",
            Call(method: "DELETE", bucket: location.bucket, key: location.key, query: [("uploadId", uploadId)]),
            idempotent: true,
            accept: [404]
        )
    }

    /// Equal part sizes (R2 requires every part but the last to be the same size), at most 10,000 parts, at least
    /// 5 MiB each.
    public static func partRanges(size: Int64, preferredPartSize: Int64) -> [ClosedRange<Int64>] {
        let minimum: Int64 = 5 << 20
        let mebibyte: Int64 = 1 << 20
        var partSize = max(preferredPartSize, minimum, (size + 9_999) / 10_000)
        partSize = (partSize + mebibyte - 1) / mebibyte * mebibyte
        var ranges: [ClosedRange<Int64>] = []
        var start: Int64 = 0
        while start < size {
            let end = min(start + partSize, size) - 1
            ranges.append(start...end)
            start = end + 1
        }
        return ranges
    }

    /// Multipart copy: CreateMultipartUpload, UploadPartCopy of equal parts (a few at a time), Complete; the upload is
    /// aborted if any step fails.
    func copyMultipart(
        from source: ObjectLocation,
        ifMatch sourceETag: String,
        sourceSize: Int64,
        to destination: ObjectLocation,
        contentType: String?,
        metadata: [(name: String, value: String)]
    ) async throws(S3Error) -> String {
        try await inParts(destination, size: sourceSize, contentType: contentType, metadata: metadata, operation: "UploadPartCopy") {
            uploadId,
            number,
            range in
            try await self.uploadPartCopy(destination, uploadId: uploadId, partNumber: number, from: source, ifMatch: sourceETag, range: range)
        }
    }

    /// A multipart upload of `size` bytes in equal parts (``partRanges(size:preferredPartSize:)`` of
    /// ``Configuration/multipartCopyPartSize``), a few at a time: CreateMultipartUpload, `part` for each (its ETag),
    /// Complete. Aborted if any step fails. Returns the object's ETag.
    func inParts(
        _ destination: ObjectLocation,
        size: Int64,
        contentType: String?,
        metadata: [(name: String, value: String)],
        operation: String,
        part: @escaping @Sendable (_ uploadId: String, _ number: Int, _ range: ClosedRange<Int64>) async throws -> String
    ) async throws(S3Error) -> String {
        let uploadId = try await createMultipartUpload(destination, contentType: contentType, metadata: metadata)
        let ranges = Self.partRanges(size: size, preferredPartSize: configuration.multipartCopyPartSize)
        do {
            let parts = try await withThrowingTaskGroup(of: UploadedPart.self, returning: [UploadedPart].self) { group in
                var next = 0
                var parts: [UploadedPart] = []
                func addNext() {
                    let number = next + 1
                    let range = ranges[next]
                    next += 1
                    group.addTask {
                        let etag = try await part(uploadId, number, range)
                        return UploadedPart(number: number, etag: etag, size: Int64(range.count))
                    }
                }
                for _ in 0..<min(configuration.multipartCopyConcurrency, ranges.count) { addNext() }
                while let part = try await group.next() {
                    parts.append(part)
                    if next < ranges.count { addNext() }
                }
                return parts
            }
            return try await completeMultipartUpload(destination, uploadId: uploadId, parts: parts)
        } catch {
            try? await abortMultipartUpload(destination, uploadId: uploadId)
            if let error = error as? S3Error { throw error }
            throw S3Error(
                kind: .transport(.cancelled),
                code: "Transport.cancelled",
                message: "the operation was cancelled",
                operation: operation,
                cause: error
            )
        }
    }
}
