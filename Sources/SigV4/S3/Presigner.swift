/// Presigns S3 object requests (GET, PUT, HEAD, DELETE), browser POST policies and header-signed API requests for one
/// store endpoint.
///
/// ```swift
/// let signer = try Signer(credentials: credentials, region: "us-east-1")
/// let presigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: "http://127.0.0.1:7480"))
/// let url = try presigner.presign(.init(method: .get, bucket: "airlock-processed", key: "id/report.pdf", expires: 300),
///                                 at: SigningTime(Date()))
/// ```
public final class Presigner: Sendable {
    /// The HTTP methods a presigned object URL can carry.
    public enum Method: String, Sendable, CaseIterable {
        case get = "GET"
        case put = "PUT"
        case head = "HEAD"
        case delete = "DELETE"
    }

    /// One object request to presign.
    public struct ObjectRequest: Sendable {
        public var method: Method
        public var bucket: String
        public var key: String
        /// Seconds the URL stays valid, 1...604800.
        public var expires: Int
        /// Headers the client must send exactly (content-type, content-length, x-amz-checksum-sha256, x-amz-meta-*).
        public var headers: [(name: String, value: String)]
        /// Extra signed query parameters (response-content-disposition, response-content-type, partNumber, uploadId).
        public var query: [(name: String, value: String)]

        /// Creates an object request.
        /// - Parameters:
        ///   - method: GET, PUT, HEAD or DELETE.
        ///   - bucket: Bucket name.
        ///   - key: Object key, used as is: never normalized.
        ///   - expires: Validity in seconds, 1...604800.
        ///   - headers: Headers to sign; the client must send them with these values.
        ///   - query: Extra query parameters to sign.
        public init(
            method: Method,
            bucket: String,
            key: String,
            expires: Int,
            headers: [(name: String, value: String)] = [],
            query: [(name: String, value: String)] = []
        ) {
            self.method = method
            self.bucket = bucket
            self.key = key
            self.expires = expires
            self.headers = headers
            self.query = query
        }
    }

    /// A presigned URL and the headers that were signed into it.
    public struct PresignedURL: Sendable {
        public var method: String
        public var url: String
        /// The signed headers other than `host`, lowercased names, values as the client must send them.
        public var headers: [(name: String, value: String)]
        public var expiresAt: SigningTime
    }

    public let signer: Signer
    public let endpoint: S3Endpoint
    public let addressing: S3Endpoint.Addressing

    /// Creates a presigner.
    /// - Parameters:
    ///   - signer: Credentials, region and service (`s3`).
    ///   - endpoint: The store's endpoint.
    ///   - addressing: Path-style or virtual-host (the latter only where the bucket name allows it).
    public init(signer: Signer, endpoint: S3Endpoint, addressing: S3Endpoint.Addressing = .path) {
        self.signer = signer
        self.endpoint = endpoint
        self.addressing = addressing
    }

    /// The longest object key S3 accepts, in UTF-8 bytes.
    public static let maximumKeyLength = 1024

    /// Presigns an object request at `time`.
    public func presign(_ request: ObjectRequest, at time: SigningTime) throws(SigV4Error) -> PresignedURL {
        try Signer.validateExpiry(request.expires)
        try S3BucketName.validate(request.bucket)
        try Self.validateKey(request.key)
        let entry = signer.keys.entry(for: time)
        let virtualHost = endpoint.effectiveAddressing(for: request.bucket, requested: addressing) == .virtualHost
        let authority = virtualHost ? request.bucket + "." + endpoint.authority : endpoint.authority

        // Signed headers: `host` alone (downloads) needs no list; pinned upload headers go through CanonicalHeaders.
        var headers: CanonicalHeaders?
        var clientHeaders: [(name: String, value: String)] = []
        if !request.headers.isEmpty {
            var list = CanonicalHeaders()
            list.addNormalized(name: "host", value: authority)
            clientHeaders.reserveCapacity(request.headers.count)
            for header in request.headers {
                let name = CanonicalHeaders.lowercased(header.name)
                try Self.validateSignedHeader(name: name, value: header.value)
                let value = CanonicalHeaders.normalizedValue(header.value)
                list.addNormalized(name: name, value: value)
                clientHeaders.append((name, value))
            }
            list.sort()
            headers = list
        }
        let extras = try Signer.canonicalQuery(request.query)
        let signedHeadersLength = headers?.signedHeadersLength ?? 4
        let headersLength = headers?.canonicalLength ?? (authority.utf8.count + 6)
        let capacity =
            8 + request.bucket.utf8.count + 2 + request.key.utf8.count * 3
            + signer.presignQueryLength(extras: extras, entry: entry, signedHeadersLength: signedHeadersLength)
            + headersLength + signedHeadersLength + 24

        let url = ByteWriter.withTemporary(capacity: capacity) { canonical in
            canonical.write(utf8: request.method.rawValue)
            canonical.write(UInt8(ascii: "\n"))
            let pathStart = canonical.count
            if !virtualHost {
                canonical.write(UInt8(ascii: "/"))
                canonical.write(utf8: request.bucket)
            }
            canonical.write(UInt8(ascii: "/"))
            canonical.writeURIEncoded(request.key, keepSlash: true)
            let pathEnd = canonical.count
            canonical.write(UInt8(ascii: "\n"))
            if let headers {
                let names = headers.signedHeaders
                names.withUnsafeBufferPointer { names in
                    signer.writePresignQuery(extras: extras, entry: entry, time: time, expires: request.expires, signedHeaders: names, to: &canonical)
                }
                let queryEnd = canonical.count
                headers.writeCanonicalTail(to: &canonical, signedHeaders: names, payloadHash: Signer.unsignedPayload)
                return finishURL(
                    canonical: canonical,
                    path: pathStart..<pathEnd,
                    query: (pathEnd + 1)..<queryEnd,
                    authority: authority,
                    time: time,
                    entry: entry
                )
            }
            let hostOnly: StaticString = "host"
            signer.writePresignQuery(
                extras: extras,
                entry: entry,
                time: time,
                expires: request.expires,
                signedHeaders: UnsafeBufferPointer(start: hostOnly.utf8Start, count: hostOnly.utf8CodeUnitCount),
                to: &canonical
            )
            let queryEnd = canonical.count
            canonical.write("\nhost:")
            canonical.write(utf8: authority)
            canonical.write("\n\nhost\nUNSIGNED-PAYLOAD")
            return finishURL(
                canonical: canonical,
                path: pathStart..<pathEnd,
                query: (pathEnd + 1)..<queryEnd,
                authority: authority,
                time: time,
                entry: entry
            )
        }
        return PresignedURL(method: request.method.rawValue, url: url, headers: clientHeaders, expiresAt: time.adding(seconds: request.expires))
    }

    /// Signs the canonical request and writes `scheme://authority/path?query&X-Amz-Signature=...` straight into the
    /// result's storage.
    private func finishURL(
        canonical: ByteWriter,
        path: Range<Int>,
        query: Range<Int>,
        authority: String,
        time: SigningTime,
        entry: SigningKeyCache.Entry
    ) -> String {
        signer.withSignature(canonicalRequest: canonical.written, time: time, entry: entry) { _, signature in
            let scheme = endpoint.scheme
            let length = scheme.utf8.count + 3 + authority.utf8.count + path.count + 1 + query.count + 17 + signature.count
            return ByteWriter.string(capacity: length) { url in
                url.write(utf8: scheme)
                url.write("://")
                url.write(utf8: authority)
                url.write(canonical.slice(path))
                url.write(UInt8(ascii: "?"))
                url.write(canonical.slice(query))
                url.write("&X-Amz-Signature=")
                url.write(signature)
            }
        }
    }

    /// Signs an S3 API request in its headers and returns the URL to send it to with the headers to add.
    /// - Parameters:
    ///   - method: HTTP method.
    ///   - bucket: Bucket, or `nil` for service-level requests.
    ///   - key: Object key, or `nil` for bucket-level requests.
    ///   - query: Decoded query parameters (for example `uploads`, `list-type=2`).
    ///   - headers: Headers to sign besides `host` (content-type, x-amz-copy-source, ...).
    ///   - payloadHash: Hex SHA-256 of the body, or ``Signer/unsignedPayload`` for a streamed body.
    public func signRequest(
        method: String,
        bucket: String?,
        key: String?,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        payloadHash: String = Signer.emptyPayloadHash,
        at time: SigningTime
    ) throws(SigV4Error) -> (url: String, headers: [(name: String, value: String)]) {
        var authority = endpoint.authority
        var path = "/"
        if let bucket {
            try S3BucketName.validate(bucket)
            let virtualHost = endpoint.effectiveAddressing(for: bucket, requested: addressing) == .virtualHost
            authority = virtualHost ? bucket + "." + endpoint.authority : endpoint.authority
            let prefix = virtualHost ? "" : "/" + bucket
            if let key {
                try Self.validateKey(key)
                path = prefix + "/" + key
            } else if !prefix.isEmpty {
                path = prefix
            }
        }
        for header in headers {
            guard CanonicalHeaders.isValidName(header.name), CanonicalHeaders.isValidValue(header.value) else {
                throw SigV4Error(.invalidHeader, "header '\(header.name)' cannot be signed")
            }
        }
        let request = SigningRequest(
            method: method,
            path: path,
            query: query,
            headers: [("host", authority)] + headers,
            payloadHash: payloadHash
        )
        let signed = signer.signHeaders(request, at: time)
        var url = endpoint.scheme + "://" + authority + signed.encodedPath
        if !signed.encodedQuery.isEmpty { url += "?" + signed.encodedQuery }
        return (url, headers + signed.headers)
    }

    // MARK: - Validation

    static func validateKey(_ key: String) throws(SigV4Error) {
        guard !key.isEmpty else { throw SigV4Error(.invalidKey, "the object key must not be empty") }
        guard key.utf8.count <= maximumKeyLength else {
            throw SigV4Error(.invalidKey, "the object key is \(key.utf8.count) bytes; S3 allows at most \(maximumKeyLength)")
        }
    }

    private static let reservedHeaders: Set<String> = [
        "host", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "expect",
    ]

    static func validateSignedHeader(name: String, value: String) throws(SigV4Error) {
        guard CanonicalHeaders.isValidName(name) else {
            throw SigV4Error(.invalidHeader, "'\(name)' is not a valid header name")
        }
        guard !reservedHeaders.contains(name) else {
            throw SigV4Error(.invalidHeader, "'\(name)' is set by the signer and cannot be given")
        }
        guard CanonicalHeaders.isValidValue(value) else {
            throw SigV4Error(.invalidHeader, "the value of '\(name)' contains control characters")
        }
    }
}
