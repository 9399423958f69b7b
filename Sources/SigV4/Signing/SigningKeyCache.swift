import Crypto
import Synchronization

/// Derived SigV4 signing keys, cached per (secret, day, region, service).
///
/// A signer is bound to one secret, region and service, so the cache only has to tell days apart; it keeps the two
/// most recent days because requests signed around midnight (or with an injected clock) use both. Each entry holds a
/// pre-keyed HMAC state, so signing a request costs one copy of that state instead of re-hashing the key pads.
final class SigningKeyCache: Sendable {
    /// Everything that is fixed for one day: the key, its pre-keyed HMAC, and the encoded scope pieces.
    /// A class so that handing an entry out costs one retain, not one per field.
    final class Entry: Sendable {
        let dayNumber: Int
        let signingKey: SymmetricKey
        let hmac: PrekeyedHMAC
        /// `20150830/us-east-1/s3/aws4_request`
        let scope: [UInt8]
        /// `AKID/20150830/us-east-1/s3/aws4_request`, URI-encoded for `X-Amz-Credential`.
        let encodedCredential: [UInt8]
        /// The same, not encoded, for POST policies and `Authorization` headers.
        let credential: [UInt8]
        /// ``credential`` as a `String` (a POST form field).
        let credentialString: String

        init(
            dayNumber: Int,
            signingKey: SymmetricKey,
            hmac: PrekeyedHMAC,
            scope: [UInt8],
            encodedCredential: [UInt8],
            credential: [UInt8],
            credentialString: String
        ) {
            self.dayNumber = dayNumber
            self.signingKey = signingKey
            self.hmac = hmac
            self.scope = scope
            self.encodedCredential = encodedCredential
            self.credential = credential
            self.credentialString = credentialString
        }
    }

    private let secret: [UInt8]
    private let accessKeyId: String
    private let region: String
    private let service: String
    private let entries: Mutex<(Entry?, Entry?)>

    init(credentials: Credentials, region: String, service: String) {
        self.secret = Array("AWS4\(credentials.secretAccessKey)".utf8)
        self.accessKeyId = credentials.accessKeyId
        self.region = region
        self.service = service
        self.entries = Mutex((nil, nil))
    }

    /// The entry for the day of `time`, derived on first use.
    func entry(for time: SigningTime) -> Entry {
        let day = time.dayNumber
        if let hit = entries.withLock({ pair -> Entry? in
            if let first = pair.0, first.dayNumber == day { return first }
            if let second = pair.1, second.dayNumber == day { return second }
            return nil
        }) {
            return hit
        }
        let fresh = derive(time: time)
        entries.withLock { pair in
            // Keep the newest two days.
            if let first = pair.0, first.dayNumber > day {
                pair.1 = fresh
            } else {
                pair.1 = pair.0
                pair.0 = fresh
            }
        }
        return fresh
    }

    private func derive(time: SigningTime) -> Entry {
        let dayBytes = ByteWriter.bytes(capacity: 8) { time.writeDay(to: &$0) }
        let kDate = HMAC<SHA256>.authenticationCode(for: dayBytes, using: SymmetricKey(data: secret))
        let kRegion = HMAC<SHA256>.authenticationCode(for: Array(region.utf8), using: SymmetricKey(data: kDate))
        let kService = HMAC<SHA256>.authenticationCode(for: Array(service.utf8), using: SymmetricKey(data: kRegion))
        let kSigning = HMAC<SHA256>.authenticationCode(for: Array("aws4_request".utf8), using: SymmetricKey(data: kService))
        let signingKey = SymmetricKey(data: kSigning)

        var scope = dayBytes
        scope.append(UInt8(ascii: "/"))
        scope.append(utf8: region)
        scope.append(UInt8(ascii: "/"))
        scope.append(utf8: service)
        scope.append(static: "/aws4_request")

        var credential = Array(accessKeyId.utf8)
        credential.append(UInt8(ascii: "/"))
        credential.append(contentsOf: scope)
        let encodedCredential = ByteWriter.bytes(capacity: credential.count * 3) { writer in
            credential.withUnsafeBufferPointer { writer.writeURIEncoded($0, keepSlash: false) }
        }

        return Entry(
            dayNumber: time.dayNumber,
            signingKey: signingKey,
            hmac: PrekeyedHMAC(key: Array(kSigning)),
            scope: scope,
            encodedCredential: encodedCredential,
            credential: credential,
            credentialString: String(decoding: credential, as: UTF8.self)
        )
    }
}
