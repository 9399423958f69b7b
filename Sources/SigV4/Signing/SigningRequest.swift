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

extension SignatureArtifacts {
    init(
        canonicalRequest: UnsafeBufferPointer<UInt8>,
        stringToSign: UnsafeBufferPointer<UInt8>,
        signedHeaders: [UInt8],
        signature: UnsafeBufferPointer<UInt8>
    ) {
        self.init(
            canonicalRequest: String(decoding: canonicalRequest, as: UTF8.self),
            stringToSign: String(decoding: stringToSign, as: UTF8.self),
            signedHeaders: String(decoding: signedHeaders, as: UTF8.self),
            signature: String(decoding: signature, as: UTF8.self)
        )
    }
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
        let amzDate = time.amzDate
        var headers = CanonicalHeaders()
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        var added: [(name: String, value: String)] = [("x-amz-date", amzDate)]
        headers.addNormalized(name: "x-amz-date", value: amzDate)
        if options.contentSHA256Header && !headers.contains("x-amz-content-sha256") {
            headers.addNormalized(name: "x-amz-content-sha256", value: request.payloadHash)
            added.append(("x-amz-content-sha256", request.payloadHash))
        }
        if let token = credentials.sessionToken {
            if options.signSessionToken { headers.addNormalized(name: "x-amz-security-token", value: token) }
            added.append(("x-amz-security-token", token))
        }
        headers.sort()
        let signedHeaders = headers.signedHeaders

        var query = CanonicalQuery()
        for item in request.query { query.add(name: item.name, value: item.value) }
        query.sort()

        let path = Self.canonicalPath(request.path, rule: options.pathRule)
        let capacity =
            request.method.utf8.count + path.utf8.count * 3 + query.encodedLength + headers.canonicalLength
            + signedHeaders.count + request.payloadHash.utf8.count + 8
        return ByteWriter.withTemporary(capacity: capacity) { canonical in
            canonical.write(utf8: request.method)
            canonical.write(UInt8(ascii: "\n"))
            let pathStart = canonical.count
            canonical.writeURIEncoded(path, keepSlash: true)
            let pathEnd = canonical.count
            canonical.write(UInt8(ascii: "\n"))
            query.write(to: &canonical, range: 0..<query.count, separatorBefore: false)
            let queryEnd = canonical.count
            headers.writeCanonicalTail(to: &canonical, signedHeaders: signedHeaders, payloadHash: request.payloadHash)

            return withSignature(canonicalRequest: canonical.written, time: time, entry: entry) { stringToSign, signature in
                var authorization = "AWS4-HMAC-SHA256 Credential="
                authorization += entry.credentialString
                authorization += ", SignedHeaders="
                authorization += String(decoding: signedHeaders, as: UTF8.self)
                authorization += ", Signature="
                authorization += String(decoding: signature, as: UTF8.self)
                added.append(("authorization", authorization))
                return HeaderSignedRequest(
                    encodedPath: String(decoding: canonical.slice(pathStart..<pathEnd), as: UTF8.self),
                    encodedQuery: String(decoding: canonical.slice((pathEnd + 1)..<queryEnd), as: UTF8.self),
                    headers: added,
                    artifacts: SignatureArtifacts(
                        canonicalRequest: canonical.written,
                        stringToSign: stringToSign,
                        signedHeaders: signedHeaders,
                        signature: signature
                    )
                )
            }
        }
    }

    /// Signs `request` in its query string (a presigned URL), valid for `expires` seconds from `time`.
    /// - Throws: ``SigV4Error/Code/invalidExpiry`` outside 1...604800 seconds; ``SigV4Error/Code/invalidHeader`` for a
    ///   query parameter named `X-Amz-*`.
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
        let signedHeaders = headers.signedHeaders
        let extras = try Self.canonicalQuery(request.query)
        let path = Self.canonicalPath(request.path, rule: pathRule)
        let queryLength = presignQueryLength(extras: extras, entry: entry, signedHeadersLength: signedHeaders.count)
        let capacity =
            request.method.utf8.count + path.utf8.count * 3 + queryLength + headers.canonicalLength + signedHeaders.count
            + request.payloadHash.utf8.count + 8

        return ByteWriter.withTemporary(capacity: capacity) { canonical in
            canonical.write(utf8: request.method)
            canonical.write(UInt8(ascii: "\n"))
            canonical.writeURIEncoded(path, keepSlash: true)
            canonical.write(UInt8(ascii: "\n"))
            let queryStart = canonical.count
            signedHeaders.withUnsafeBufferPointer { names in
                writePresignQuery(
                    extras: extras,
                    entry: entry,
                    time: time,
                    expires: expires,
                    signedHeaders: names,
                    signSessionToken: signSessionToken,
                    to: &canonical
                )
            }
            let queryEnd = canonical.count
            headers.writeCanonicalTail(to: &canonical, signedHeaders: signedHeaders, payloadHash: request.payloadHash)

            return withSignature(canonicalRequest: canonical.written, time: time, entry: entry) { stringToSign, signature in
                var query = String(decoding: canonical.slice(queryStart..<queryEnd), as: UTF8.self)
                if !signSessionToken, let token = encodedSessionToken {
                    query += "&X-Amz-Security-Token=" + String(decoding: token, as: UTF8.self)
                }
                query += "&X-Amz-Signature=" + String(decoding: signature, as: UTF8.self)
                return QuerySignedRequest(
                    query: query,
                    artifacts: SignatureArtifacts(
                        canonicalRequest: canonical.written,
                        stringToSign: stringToSign,
                        signedHeaders: signedHeaders,
                        signature: signature
                    )
                )
            }
        }
    }

    // MARK: - Paths

    /// The decoded path the canonical URI encodes: as given for S3 (`/` when empty), normalized for other services.
    static func canonicalPath(_ path: String, rule: SigningRequest.PathRule) -> String {
        switch rule {
        case .s3: return path.isEmpty ? "/" : path
        case .normalized: return normalizedPath(path)
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
