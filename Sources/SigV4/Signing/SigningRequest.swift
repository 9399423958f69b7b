/// A request to sign, given decoded: the signer does all the encoding, exactly once.
public struct SigningRequest: Sendable {
    /// How the path becomes the canonical URI.
    public enum PathRule: Sendable {
        /// S3: encode once, never normalize (`//`, `.`, `..` and a trailing `/` are part of object keys).
        case s3
        /// Other AWS services: remove `.`, `..` and empty segments, then encode once.
        case normalized
    }

    public var method: String
    /// The decoded path, starting with `/` (for S3 path-style: `/bucket/key`).
    public var path: String
    /// Decoded query parameters, in any order.
    public var query: [(name: String, value: String)]
    /// Headers to sign, in any order; repeated names are merged. Must include `host`.
    public var headers: [(name: String, value: String)]
    /// Hex SHA-256 of the body, or ``Signer/unsignedPayload``.
    public var payloadHash: String

    /// Creates a request to sign.
    /// - Parameters:
    ///   - method: HTTP method, for example `GET`.
    ///   - path: Decoded path starting with `/`.
    ///   - query: Decoded query parameters.
    ///   - headers: Headers to sign, including `host`.
    ///   - payloadHash: Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)],
        payloadHash: String = Signer.emptyPayloadHash
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }
}

/// What a signature was computed from: for tests, debugging and `storage check` reports. Contains no secret.
public struct SignatureArtifacts: Sendable, Equatable {
    public var canonicalRequest: String
    public var stringToSign: String
    public var signedHeaders: String
    public var signature: String
}

/// A request signed in its headers.
public struct HeaderSignedRequest: Sendable {
    /// The encoded path to put on the request line (the canonical URI).
    public var encodedPath: String
    /// The encoded query string (canonical order), empty when there is none.
    public var encodedQuery: String
    /// Headers to add to the request (`x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`, `authorization`).
    public var headers: [(name: String, value: String)]
    public var artifacts: SignatureArtifacts

    /// The value of `authorization`.
    public var authorization: String { headers.first { $0.name == "authorization" }?.value ?? "" }
}

/// A request signed in its query string.
public struct QuerySignedRequest: Sendable {
    /// The complete encoded query string, `X-Amz-Signature` last.
    public var query: String
    public var artifacts: SignatureArtifacts
}

extension Signer {
    /// Options for header signing.
    public struct HeaderOptions: Sendable {
        public var pathRule: SigningRequest.PathRule
        /// Add and sign `x-amz-content-sha256` (S3 requires it on every header-signed request).
        public var contentSHA256Header: Bool
        /// Sign `x-amz-security-token`; when `false` the token is still sent, added after signing.
        public var signSessionToken: Bool

        public init(pathRule: SigningRequest.PathRule = .s3, contentSHA256Header: Bool = true, signSessionToken: Bool = true) {
            self.pathRule = pathRule
            self.contentSHA256Header = contentSHA256Header
            self.signSessionToken = signSessionToken
        }

        /// S3 API requests.
        public static let s3 = HeaderOptions()
    }

    /// Signs `request` with an `Authorization` header.
    public func signHeaders(_ request: SigningRequest, at time: SigningTime, options: HeaderOptions = .s3) -> HeaderSignedRequest {
        let entry = keys.entry(for: time)
        var amzDate: [UInt8] = []
        time.appendAmzDate(to: &amzDate)
        let amzDateString = String(decoding: amzDate, as: UTF8.self)

        var headers = CanonicalHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        var added: [(name: String, value: String)] = [("x-amz-date", amzDateString)]
        headers.addNormalized(name: "x-amz-date", value: amzDateString)
        if options.contentSHA256Header && !headers.contains("x-amz-content-sha256") {
            headers.addNormalized(name: "x-amz-content-sha256", value: request.payloadHash)
            added.append(("x-amz-content-sha256", request.payloadHash))
        }
        if let token = credentials.sessionToken {
            if options.signSessionToken { headers.addNormalized(name: "x-amz-security-token", value: token) }
            added.append(("x-amz-security-token", token))
        }
        headers.sort()

        var query = CanonicalQuery()
        for item in request.query { query.add(name: item.name, value: item.value) }

        var canonical: [UInt8] = []
        canonical.reserveCapacity(512)
        canonical.append(utf8: request.method)
        canonical.append(UInt8(ascii: "\n"))
        let pathStart = canonical.count
        Self.writeCanonicalURI(request.path, rule: options.pathRule, to: &canonical)
        let pathEnd = canonical.count
        canonical.append(UInt8(ascii: "\n"))
        query.write(to: &canonical)
        let queryEnd = canonical.count
        canonical.append(UInt8(ascii: "\n"))
        headers.write(canonicalTo: &canonical)
        canonical.append(UInt8(ascii: "\n"))
        var signedHeaders: [UInt8] = []
        headers.write(signedHeadersTo: &signedHeaders)
        canonical.append(contentsOf: signedHeaders)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(utf8: request.payloadHash)

        let (stringToSign, signature) = sign(canonicalRequest: canonical, time: time, entry: entry)
        var authorization: [UInt8] = []
        authorization.reserveCapacity(200)
        authorization.append(static: "AWS4-HMAC-SHA256 Credential=")
        authorization.append(contentsOf: entry.credential)
        authorization.append(static: ", SignedHeaders=")
        authorization.append(contentsOf: signedHeaders)
        authorization.append(static: ", Signature=")
        authorization.append(contentsOf: signature)
        added.append(("authorization", String(decoding: authorization, as: UTF8.self)))

        return HeaderSignedRequest(
            encodedPath: String(decoding: canonical[pathStart..<pathEnd], as: UTF8.self),
            encodedQuery: String(decoding: canonical[(pathEnd + 1)..<queryEnd], as: UTF8.self),
            headers: added,
            artifacts: SignatureArtifacts(
                canonicalRequest: String(decoding: canonical, as: UTF8.self),
                stringToSign: String(decoding: stringToSign, as: UTF8.self),
                signedHeaders: String(decoding: signedHeaders, as: UTF8.self),
                signature: String(decoding: signature, as: UTF8.self)
            )
        )
    }

    /// Signs `request` in its query string (a presigned URL), valid for `expires` seconds from `time`.
    /// - Throws: ``SigV4Error/Code/invalidExpiry`` outside 1...604800 seconds.
    public func presignQuery(
        _ request: SigningRequest,
        expires: Int,
        at time: SigningTime,
        pathRule: SigningRequest.PathRule = .s3,
        signSessionToken: Bool = true
    ) throws(SigV4Error) -> QuerySignedRequest {
        try Self.validateExpiry(expires)
        let entry = keys.entry(for: time)
        var headers = CanonicalHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        headers.sort()
        var signedHeaders: [UInt8] = []
        headers.write(signedHeadersTo: &signedHeaders)

        var query = CanonicalQuery()
        for item in request.query { query.add(name: item.name, value: item.value) }
        addPresignParameters(to: &query, entry: entry, time: time, expires: expires, signedHeaders: signedHeaders, signSessionToken: signSessionToken)

        var canonical: [UInt8] = []
        canonical.reserveCapacity(512)
        canonical.append(utf8: request.method)
        canonical.append(UInt8(ascii: "\n"))
        Self.writeCanonicalURI(request.path, rule: pathRule, to: &canonical)
        canonical.append(UInt8(ascii: "\n"))
        let queryStart = canonical.count
        query.write(to: &canonical)
        let queryEnd = canonical.count
        canonical.append(UInt8(ascii: "\n"))
        headers.write(canonicalTo: &canonical)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: signedHeaders)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(utf8: request.payloadHash)

        let (stringToSign, signature) = sign(canonicalRequest: canonical, time: time, entry: entry)
        var queryString = Array(canonical[queryStart..<queryEnd])
        if !signSessionToken, let token = encodedSessionToken {
            queryString.append(static: "&X-Amz-Security-Token=")
            queryString.append(contentsOf: token)
        }
        queryString.append(static: "&X-Amz-Signature=")
        queryString.append(contentsOf: signature)
        return QuerySignedRequest(
            query: String(decoding: queryString, as: UTF8.self),
            artifacts: SignatureArtifacts(
                canonicalRequest: String(decoding: canonical, as: UTF8.self),
                stringToSign: String(decoding: stringToSign, as: UTF8.self),
                signedHeaders: String(decoding: signedHeaders, as: UTF8.self),
                signature: String(decoding: signature, as: UTF8.self)
            )
        )
    }

    // MARK: - Shared pieces

    static func validateExpiry(_ expires: Int) throws(SigV4Error) {
        guard (1...maximumExpiry).contains(expires) else {
            throw SigV4Error(.invalidExpiry, "expiry must be between 1 and \(maximumExpiry) seconds, got \(expires)")
        }
    }

    /// Adds `X-Amz-Algorithm`, `-Credential`, `-Date`, `-Expires`, `-Security-Token` and `-SignedHeaders`.
    func addPresignParameters(
        to query: inout CanonicalQuery,
        entry: SigningKeyCache.Entry,
        time: SigningTime,
        expires: Int,
        signedHeaders: [UInt8],
        signSessionToken: Bool = true
    ) {
        query.add(literalName: "X-Amz-Algorithm", encodedValue: { $0.append(static: "AWS4-HMAC-SHA256") })
        query.add(literalName: "X-Amz-Credential", encodedValue: entry.encodedCredential)
        query.add(literalName: "X-Amz-Date", encodedValue: { time.appendAmzDate(to: &$0) })
        query.add(literalName: "X-Amz-Expires", encodedValue: { ByteEncoding.appendDecimal(expires, to: &$0) })
        if signSessionToken, let token = encodedSessionToken {
            query.add(literalName: "X-Amz-Security-Token", encodedValue: token)
        }
        query.add(literalName: "X-Amz-SignedHeaders") { out in
            signedHeaders.withUnsafeBufferPointer { ByteEncoding.appendURIEncoded($0, keepSlash: false, to: &out) }
        }
    }

    /// Writes the canonical URI of a decoded path.
    static func writeCanonicalURI(_ path: String, rule: SigningRequest.PathRule, to out: inout [UInt8]) {
        switch rule {
        case .s3:
            if path.isEmpty {
                out.append(UInt8(ascii: "/"))
            } else {
                ByteEncoding.appendURIEncoded(path, keepSlash: true, to: &out)
            }
        case .normalized:
            ByteEncoding.appendURIEncoded(normalizedPath(path), keepSlash: true, to: &out)
        }
    }

    /// RFC 3986 dot-segment removal plus empty-segment removal, keeping a trailing `/` (generic services only).
    static func normalizedPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !segments.isEmpty { segments.removeLast() }
                continue
            }
            segments.append(segment)
        }
        var result = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/") && !segments.isEmpty { result += "/" }
        return result
    }
}
