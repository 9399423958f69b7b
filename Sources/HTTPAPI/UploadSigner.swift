import AirlockCore
public import SigV4

/// Presigned upload forms for the API (downloads: `DownloadSigner`).
public struct UploadSigner: Sendable {
    let presigner: Presigner
    /// False on R2: uploads use a pinned presigned PUT instead of a POST policy.
    let supportsPostPolicy: Bool
    /// Whether the store verifies `x-amz-checksum-sha256` (the backend profile): then a declared SHA-256 is pinned in the
    /// form or the PUT, so the store refuses other bytes at upload time.
    let verifiesChecksums: Bool

    /// Creates the signer.
    /// - Parameters:
    ///   - presigner: Signs for the endpoint clients reach.
    ///   - supportsPostPolicy: Whether uploads use POST forms (else pinned presigned PUTs).
    ///   - verifiesChecksums: Whether the store verifies `x-amz-checksum-sha256` on upload.
    public init(presigner: Presigner, supportsPostPolicy: Bool, verifiesChecksums: Bool) {
        self.presigner = presigner
        self.supportsPostPolicy = supportsPostPolicy
        self.verifiesChecksums = verifiesChecksums
    }

    /// The form (POST) or pinned request (PUT) a client uploads with: exact key, exact size, the declared type and the
    /// upload id as metadata, and the declared SHA-256 as `x-amz-checksum-sha256` where the store verifies it.
    func upload(_ upload: Upload, to object: ObjectRef, expiresSeconds: Int, now: EpochMillis) throws(SigV4Error) -> JSONText {
        let time = SigningTime(secondsSinceEpoch: Int(now / 1000))
        let checksum = verifiesChecksums ? upload.declaredSHA256.flatMap { PayloadHash.base64(hexDigest: $0) } : nil
        if supportsPostPolicy {
            let post = try presigner.presignPost(
                .init(
                    bucket: object.bucket,
                    key: .exact(object.key),
                    expires: expiresSeconds,
                    contentType: upload.declaredType,
                    contentLength: Int(upload.declaredSize)...Int(upload.declaredSize),
                    metadata: [("airlock-id", upload.id.rawValue)],
                    successActionStatus: 204,
                    checksumSHA256: checksum
                ),
                at: time
            )
            return .object([
                ("method", .string("POST")), ("url", .string(post.url)), ("fields", .object(post.fields.map { ($0.name, .string($0.value)) })),
            ])
        }
        var headers: [(name: String, value: String)] = [
            ("content-type", upload.declaredType), ("content-length", String(upload.declaredSize)), ("x-amz-meta-airlock-id", upload.id.rawValue),
        ]
        if let checksum { headers.append(("x-amz-checksum-sha256", checksum)) }
        let put = try presigner.presign(
            .init(method: .put, bucket: object.bucket, key: object.key, expires: expiresSeconds, headers: headers),
            at: time
        )
        return .object([
            ("method", .string("PUT")), ("url", .string(put.url)), ("headers", .object(put.headers.map { ($0.name, .string($0.value)) })),
        ])
    }

    /// One presigned UploadPart URL per part, each pinned to its part's exact length.
    func parts(
        of object: ObjectRef,
        uploadID: String,
        size: Int64,
        partSize: Int64,
        expiresSeconds: Int,
        now: EpochMillis
    ) throws(SigV4Error) -> JSONText {
        let time = SigningTime(secondsSinceEpoch: Int(now / 1000))
        var parts: [JSONText] = []
        var offset: Int64 = 0
        var number = 1
        while offset < size {
            let length = min(partSize, size - offset)
            let url = try presigner.presign(
                .init(
                    method: .put,
                    bucket: object.bucket,
                    key: object.key,
                    expires: expiresSeconds,
                    headers: [("content-length", String(length))],
                    query: [("partNumber", String(number)), ("uploadId", uploadID)]
                ),
                at: time
            )
            parts.append(.object([("number", .int(number)), ("url", .string(url.url)), ("size", .int(Int(length)))]))
            offset += length
            number += 1
        }
        return .object([("method", .string("MULTIPART")), ("partSize", .int(Int(partSize))), ("parts", .array(parts))])
    }

    /// The part size for an object (the configured one, grown in MiB steps so no upload needs more than 10,000 parts)
    /// and how many parts that makes.
    static func partLayout(for size: Int64, preferred: Int64) -> (partSize: Int64, count: Int) {
        let mebibyte: Int64 = 1 << 20
        let needed = max(preferred, 5 * mebibyte, (size + 9_999) / 10_000)
        let partSize = (needed + mebibyte - 1) / mebibyte * mebibyte
        return (partSize, Int(max(1, (size + partSize - 1) / partSize)))
    }
}
