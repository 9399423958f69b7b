/// Presigns S3 object requests (GET, PUT, HEAD, DELETE), browser POST policies and header-signed API requests for one
/// store endpoint.
///
/// ```swift
/// let signer = try Signer(credentials: credentials, region: "us-east-1")
/// let presigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: "http://127.0.0.1:7480"))
/// let url = try presigner.presign(.init(method: .get, bucket: "airlock-processed", key: "id/report.pdf", expires: 300),
///                                 at: SigningTime(Date()))
/// ```
public struct Presigner: Sendable {
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
        let location = endpoint.location(bucket: request.bucket, addressing: addressing)

        var headers = CanonicalHeaders()
        headers.addNormalized(name: "host", value: location.authority)
        var clientHeaders: [(name: String, value: String)] = []
        if !request.headers.isEmpty {
            clientHeaders.reserveCapacity(request.headers.count)
            for header in request.headers {
                let name = CanonicalHeaders.lowercased(header.name)
                try Self.validateSignedHeader(name: name, value: header.value)
                let value = CanonicalHeaders.normalizedValue(header.value)
                headers.addNormalized(name: name, value: value)
                clientHeaders.append((name, value))
            }
            headers.sort()
        }
        var signedHeaders: [UInt8] = []
        headers.write(signedHeadersTo: &signedHeaders)

        var query = CanonicalQuery()
        for item in request.query {
            try Self.validateQueryName(item.name)
            query.add(name: item.name, value: item.value)
        }
        signer.addPresignParameters(to: &query, entry: entry, time: time, expires: request.expires, signedHeaders: signedHeaders)

        var canonical: [UInt8] = []
        canonical.reserveCapacity(384 + request.key.utf8.count * 3)
        canonical.append(utf8: request.method.rawValue)
        canonical.append(UInt8(ascii: "\n"))
        let pathStart = canonical.count
        canonical.append(utf8: location.pathPrefix)
        canonical.append(UInt8(ascii: "/"))
        ByteEncoding.appendURIEncoded(request.key, keepSlash: true, to: &canonical)
        let pathEnd = canonical.count
        canonical.append(UInt8(ascii: "\n"))
        query.write(to: &canonical)
        let queryEnd = canonical.count
        canonical.append(UInt8(ascii: "\n"))
        headers.write(canonicalTo: &canonical)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: signedHeaders)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(static: "UNSIGNED-PAYLOAD")

        let url = signURL(canonical: canonical, path: pathStart..<pathEnd, query: (pathEnd + 1)..<queryEnd, authority: location.authority, time: time, entry: entry)
        return PresignedURL(method: request.method.rawValue, url: url, headers: clientHeaders, expiresAt: time.adding(seconds: request.expires))
    }

    /// Hashes and signs the canonical request and writes `scheme://authority/path?query&X-Amz-Signature=...` straight
    /// into the result's storage.
    private func signURL(
        canonical: [UInt8],
        path: Range<Int>,
        query: Range<Int>,
        authority: String,
        time: SigningTime,
        entry: SigningKeyCache.Entry
    ) -> String {
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(160)
        canonical.withUnsafeBufferPointer {
            signer.writeStringToSign(canonicalRequest: $0, time: time, entry: entry, to: &stringToSign)
        }
        var signature: [UInt8] = []
        signature.reserveCapacity(64)
        signer.appendSignature(of: stringToSign, entry: entry, to: &signature)

        let scheme = endpoint.scheme
        let marker: StaticString = "&X-Amz-Signature="
        let length = scheme.utf8.count + 3 + authority.utf8.count + path.count + 1 + query.count + marker.utf8CodeUnitCount + 64
        return String(unsafeUninitializedCapacity: length) { buffer in
            var offset = 0
            func put<C: Collection<UInt8>>(_ bytes: C) {
                for byte in bytes {
                    buffer[offset] = byte
                    offset += 1
                }
            }
            put(scheme.utf8)
            put("://".utf8)
            put(authority.utf8)
            canonical.withUnsafeBufferPointer { bytes in
                put(UnsafeBufferPointer(rebasing: bytes[path]))
                buffer[offset] = UInt8(ascii: "?")
                offset += 1
                put(UnsafeBufferPointer(rebasing: bytes[query]))
            }
            put(UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount))
            put(signature)
            return offset
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
            let location = endpoint.location(bucket: bucket, addressing: addressing)
            authority = location.authority
            if let key {
                try Self.validateKey(key)
                path = location.pathPrefix + "/" + key
            } else if !location.pathPrefix.isEmpty {
                path = location.pathPrefix
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

    static func validateQueryName(_ name: String) throws(SigV4Error) {
        guard !name.isEmpty, !name.lowercased().hasPrefix("x-amz-") else {
            throw SigV4Error(.invalidHeader, "query parameter '\(name)' is reserved for the signer")
        }
    }
}
