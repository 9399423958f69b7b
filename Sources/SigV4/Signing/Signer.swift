public import Crypto

/// Signs requests with AWS Signature Version 4 for one set of credentials, region and service.
///
/// Pure: no I/O, and the time is always passed in. Derived keys are cached per day (see ``SigningKeyCache``).
///
/// ```swift
/// let signer = try Signer(credentials: Credentials(accessKeyId: "AK", secretAccessKey: "SK"), region: "us-east-1")
/// let request = SigningRequest(method: "GET", path: "/bucket/key", headers: [("host", "127.0.0.1:7480")])
/// let signed = signer.signHeaders(request, at: SigningTime(Date()))
/// ```
public struct Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The payload hash S3 accepts for presigned URLs and streamed bodies.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty string.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The longest expiry SigV4 allows for presigned URLs: seven days.
    public static let maximumExpiry = 604_800

    public let credentials: Credentials
    public let region: String
    public let service: String
    let keys: SigningKeyCache
    /// `X-Amz-Security-Token` value, URI-encoded once at init.
    let encodedSessionToken: [UInt8]?

    /// Creates a signer.
    /// - Parameters:
    ///   - credentials: Access key, secret and optional session token.
    ///   - region: Signing region, for example `eu-west-1` (`auto` for Cloudflare R2).
    ///   - service: Signing service name; `s3` for object stores.
    public init(credentials: Credentials, region: String, service: String = "s3") throws(SigV4Error) {
        guard !credentials.accessKeyId.isEmpty, !credentials.secretAccessKey.isEmpty else {
            throw SigV4Error(.invalidCredentials, "the access key id and the secret access key must not be empty")
        }
        guard !credentials.accessKeyId.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 < 0x21 || $0 > 0x7E }) else {
            throw SigV4Error(.invalidCredentials, "the access key id must be printable ASCII without '/'")
        }
        if let token = credentials.sessionToken, token.isEmpty || !CanonicalHeaders.isValidValue(token) {
            throw SigV4Error(.invalidCredentials, "the session token must be non-empty printable text")
        }
        for (label, value) in [("region", region), ("service", service)] {
            guard !value.isEmpty, value.utf8.allSatisfy({ ByteEncoding.isUnreserved($0) }) else {
                throw SigV4Error(.invalidRegion, "the \(label) '\(value)' must be non-empty letters, digits, '-', '.', '_' or '~'")
            }
        }
        self.credentials = credentials
        self.region = region
        self.service = service
        self.keys = SigningKeyCache(credentials: credentials, region: region, service: service)
        self.encodedSessionToken = credentials.sessionToken.map { token in
            var out: [UInt8] = []
            ByteEncoding.appendURIEncoded(token, keepSlash: false, to: &out)
            return out
        }
    }

    /// The signing key for the day of `time`: HMAC chain over date, region, service and `aws4_request`.
    public func signingKey(at time: SigningTime) -> SymmetricKey {
        keys.entry(for: time).signingKey
    }

    /// `date/region/service/aws4_request` for the day of `time`.
    public func credentialScope(at time: SigningTime) -> String {
        String(decoding: keys.entry(for: time).scope, as: UTF8.self)
    }

    // MARK: - Core

    /// Writes the string to sign for a canonical request into `out`.
    func writeStringToSign(canonicalRequest: UnsafeBufferPointer<UInt8>, time: SigningTime, entry: SigningKeyCache.Entry, to out: inout [UInt8]) {
        out.append(static: "AWS4-HMAC-SHA256\n")
        time.appendAmzDate(to: &out)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: entry.scope)
        out.append(UInt8(ascii: "\n"))
        let digest = SHA256.hash(data: canonicalRequest)
        digest.withUnsafeBytes { ByteEncoding.appendLowerHex($0, to: &out) }
    }

    /// Appends the hex signature of `stringToSign` (HMAC with the day's pre-keyed state).
    func appendSignature(of stringToSign: [UInt8], entry: SigningKeyCache.Entry, to out: inout [UInt8]) {
        var mac = entry.keyedHMAC
        mac.update(data: stringToSign)
        let code = mac.finalize()
        code.withUnsafeBytes { ByteEncoding.appendLowerHex($0, to: &out) }
    }

    /// Hex signature of an arbitrary string to sign (POST policies sign their base64 policy).
    func signature(of stringToSign: [UInt8], entry: SigningKeyCache.Entry) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendSignature(of: stringToSign, entry: entry, to: &out)
        return out
    }

    /// Signs a complete canonical request: returns the string to sign and the hex signature.
    func sign(canonicalRequest: [UInt8], time: SigningTime, entry: SigningKeyCache.Entry) -> (stringToSign: [UInt8], signature: [UInt8]) {
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(160)
        canonicalRequest.withUnsafeBufferPointer {
            writeStringToSign(canonicalRequest: $0, time: time, entry: entry, to: &stringToSign)
        }
        return (stringToSign, signature(of: stringToSign, entry: entry))
    }
}
