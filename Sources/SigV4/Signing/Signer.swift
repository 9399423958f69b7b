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
public final class Signer: Sendable {
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

    /// Bytes of room the string to sign needs.
    static func stringToSignCapacity(_ entry: SigningKeyCache.Entry) -> Int { 17 + 16 + 1 + entry.scope.count + 1 + 64 }

    /// Signs a canonical request: writes the string to sign into temporary memory, MACs it with the day's pre-keyed
    /// HMAC and hands `body` the string to sign and the 64 lowercase hex bytes of the signature.
    func withSignature<R>(
        canonicalRequest: UnsafeBufferPointer<UInt8>,
        time: SigningTime,
        entry: SigningKeyCache.Entry,
        _ body: (_ stringToSign: UnsafeBufferPointer<UInt8>, _ signature: UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(canonicalRequest))
        return ByteWriter.withTemporary(capacity: Self.stringToSignCapacity(entry) + 64) { writer in
            writer.write("AWS4-HMAC-SHA256\n")
            time.writeAmzDate(to: &writer)
            writer.write(UInt8(ascii: "\n"))
            writer.write(entry.scope)
            writer.write(UInt8(ascii: "\n"))
            digest.withUnsafeBytes { writer.writeLowerHex($0) }
            let stringToSignEnd = writer.count
            let stringToSign = writer.written
            entry.hmac.authenticate(UnsafeRawBufferPointer(stringToSign)) { writer.writeLowerHex($0) }
            return body(writer.slice(0..<stringToSignEnd), writer.slice(stringToSignEnd..<writer.count))
        }
    }

    /// Hex signature of an arbitrary string to sign (POST policies sign their base64 policy).
    func withSignature<R>(of stringToSign: UnsafeBufferPointer<UInt8>, entry: SigningKeyCache.Entry, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        ByteWriter.withTemporary(capacity: 64) { writer in
            entry.hmac.authenticate(UnsafeRawBufferPointer(stringToSign)) { writer.writeLowerHex($0) }
            return body(writer.written)
        }
    }
}
