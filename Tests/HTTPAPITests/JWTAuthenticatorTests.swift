import AirlockCore
import Crypto
import Foundation
import HTTPAPI
import JWTKit
import Review
import Testing
import _CryptoExtras

/// JWTs of every accepted algorithm, and the attack list: none, confusion, wrong keys, expiry, audience, issuer.
struct JWTAuthenticatorTests {
    struct Clock: WallClock {
        var millis: EpochMillis
        func now() -> EpochMillis { millis }
    }

    struct TestClaims: JWTPayload {
        var sub: String
        var exp: Int
        var nbf: Int?
        var iss: String?
        var aud: String?
        var roles: [String]?
        var scopes: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let now: EpochMillis = 1_795_300_000_000
    static let secret = "a-shared-hs256-secret-of-32-bytes!!"

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=",
            with: ""
        )
    }

    /// n and e of an RSA public key from its PKCS#1 DER (SEQUENCE { INTEGER n, INTEGER e }).
    static func modulusAndExponent(_ der: [UInt8]) -> ([UInt8], [UInt8]) {
        var index = 0
        func length() -> Int {
            let first = Int(der[index]); index += 1
            guard first & 0x80 != 0 else { return first }
            var value = 0
            for _ in 0..<(first & 0x7F) { value = value << 8 | Int(der[index]); index += 1 }
            return value
        }
        index += 1; _ = length()  // SEQUENCE
        index += 1; let nLength = length()
        var n = Array(der[index..<index + nLength]); index += nLength
        index += 1; let eLength = length()
        let e = Array(der[index..<index + eLength])
        while n.first == 0 { n.removeFirst() }
        return (n, e)
    }

    /// Signing keys for every algorithm, the JWKS file of their public halves, and an authenticator over both.
    struct Fixture {
        let signers: JWTKeyCollection
        let authenticator: JWTAuthenticator
        let jwksPath: String
        let rsaPublicPEM: String
    }

    static func fixture(issuer: String? = "https://idp.example", clockMillis: EpochMillis = now) async throws -> Fixture {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let ec = P256.Signing.PrivateKey()
        let ed = Curve25519.Signing.PrivateKey()
        let (n, e) = modulusAndExponent(Array(rsa.publicKey.pkcs1DERRepresentation))
        let ecPublic = Array(ec.publicKey.rawRepresentation)
        let jwks: [String: Any] = [
            "keys": [
                ["kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig", "n": base64URL(n), "e": base64URL(e)],
                ["kty": "EC", "kid": "ec1", "alg": "ES256", "crv": "P-256", "x": base64URL(ecPublic[0..<32]), "y": base64URL(ecPublic[32..<64])],
                ["kty": "OKP", "kid": "ed1", "alg": "EdDSA", "crv": "Ed25519", "x": base64URL(ed.publicKey.rawRepresentation)],
            ]
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-jwks-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: jwks).write(to: URL(fileURLWithPath: path))
        let signers = JWTKeyCollection()
        await signers.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "hs256")
        await signers.add(rsa: try Insecure.RSA.PrivateKey(backing: rsa), digestAlgorithm: .sha256, kid: "rsa1")
        await signers.add(ecdsa: try ES256PrivateKey(backing: ec), kid: "ec1")
        await signers.add(eddsa: EdDSA.PrivateKey(backing: ed), kid: "ed1")
        let authenticator = try await JWTAuthenticator(
            settings: JWTSettings(
                issuer: issuer,
                audience: "airlock",
                hs256Secret: secret,
                jwksFile: path,
                rolesClaim: "roles",
                profilesClaim: "scopes"
            ),
            clock: Clock(millis: clockMillis)
        )
        return Fixture(signers: signers, authenticator: authenticator, jwksPath: path, rsaPublicPEM: rsa.publicKey.pemRepresentation)
    }

    static func claims(
        sub: String = "user-7",
        exp: Int = Int(now / 1000) + 600,
        nbf: Int? = nil,
        iss: String? = "https://idp.example",
        aud: String? = "airlock",
        roles: [String]? = ["uploader"],
        scopes: String? = "documents images"
    ) -> TestClaims {
        TestClaims(sub: sub, exp: exp, nbf: nbf, iss: iss, aud: aud, roles: roles, scopes: scopes)
    }

    @Test(arguments: ["hs256", "rsa1", "ec1", "ed1"])
    func everyAlgorithmSignsIn(_ kid: String) async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.jwksPath) }
        let token = try await fixture.signers.sign(Self.claims(), kid: JWKIdentifier(string: kid))
        let principal = try #require(try await fixture.authenticator.principal(for: token))
        // The subject in its issuer's namespace (never a key's `key:<name>`), with the token's expiry and signing key.
        let owner = "jwt:https://idp.example#user-7"
        #expect(
            principal
                == Principal(
                    owner: owner,
                    role: .uploader,
                    profiles: ["documents", "images"],
                    service: false,
                    actor: owner,
                    expiresAt: (Self.now / 1000 + 600) * 1000,
                    signingKey: principal.signingKey
                )
        )
        // The kid and a fingerprint of the key material, never the material itself.
        let signingKey = try #require(principal.signingKey)
        #expect(signingKey.hasPrefix("\(kid):") && signingKey.count == kid.count + 1 + 64)
        #expect(!signingKey.contains(Self.secret))
        #expect(await fixture.authenticator.acceptsSigningKey(signingKey))
        let reviewer = try await fixture.signers.sign(Self.claims(roles: ["uploader", "reviewer"]), kid: JWKIdentifier(string: kid))
        #expect(try await fixture.authenticator.principal(for: reviewer)?.role == .reviewer)
    }

    @Test func theAttackListIsRefused() async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.jwksPath) }
        let auth = fixture.authenticator
        func signed(_ claims: TestClaims, _ kid: String = "rsa1") async throws -> String {
            try await fixture.signers.sign(claims, kid: JWKIdentifier(string: kid))
        }
        let good = try await signed(Self.claims())
        let parts = good.split(separator: ".").map(String.init)

        #expect(try await auth.principal(for: "not.a.jwt") == nil)
        #expect(try await auth.principal(for: "garbage") == nil)
        // Tampered payload, or a signature from another token.
        let other = try await signed(Self.claims(sub: "someone-else")).split(separator: ".").map(String.init)
        #expect(try await auth.principal(for: [parts[0], other[1], parts[2]].joined(separator: ".")) == nil)
        // alg none, with and without a signature.
        let noneHeader = Self.base64URL(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        #expect(try await auth.principal(for: "\(noneHeader).\(parts[1]).") == nil)
        #expect(try await auth.principal(for: "\(noneHeader).\(parts[1]).\(parts[2])") == nil)
        // HS256 signed with the RSA public key as the secret, naming the RSA key (algorithm confusion).
        let confusedHeader = Self.base64URL(Array(#"{"alg":"HS256","kid":"rsa1","typ":"JWT"}"#.utf8))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(confusedHeader).\(parts[1])".utf8),
            using: SymmetricKey(data: Array(fixture.rsaPublicPEM.utf8))
        )
        #expect(try await auth.principal(for: "\(confusedHeader).\(parts[1]).\(Self.base64URL(mac))") == nil)
        // An RS256 header naming the HMAC key.
        let swappedHeader = Self.base64URL(Array(#"{"alg":"RS256","kid":"hs256","typ":"JWT"}"#.utf8))
        #expect(try await auth.principal(for: "\(swappedHeader).\(parts[1]).\(parts[2])") == nil)
        // Claims.
        #expect(try await auth.principal(for: try await signed(Self.claims(exp: Int(Self.now / 1000) - 1))) == nil)  // expired
        #expect(try await auth.principal(for: try await signed(Self.claims(nbf: Int(Self.now / 1000) + 60))) == nil)  // not yet valid
        #expect(try await auth.principal(for: try await signed(Self.claims(aud: "another-service"))) == nil)
        #expect(try await auth.principal(for: try await signed(Self.claims(aud: nil))) == nil)
        #expect(try await auth.principal(for: try await signed(Self.claims(iss: "https://evil.example"))) == nil)
        #expect(try await auth.principal(for: try await signed(Self.claims(roles: ["superuser"]))) == nil)
        #expect(try await auth.principal(for: try await signed(Self.claims(sub: ""))) == nil)
        // A key nobody configured.
        let stranger = JWTKeyCollection()
        await stranger.add(hmac: HMACKey(from: "some-other-secret-of-32-bytes-long!!"), digestAlgorithm: .sha256, kid: "hs256")
        #expect(try await auth.principal(for: try await stranger.sign(Self.claims(), kid: "hs256")) == nil)
        // And the good one still works.
        #expect(try await auth.principal(for: good) != nil)
    }

    @Test func aSigningKeyRemovedFromTheJWKSIsNoLongerAccepted() async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.jwksPath) }
        let rsa1 = try #require(
            try await fixture.authenticator.principal(for: try await fixture.signers.sign(Self.claims(), kid: "rsa1"))?.signingKey
        )
        let ec1 = try #require(try await fixture.authenticator.principal(for: try await fixture.signers.sign(Self.claims(), kid: "ec1"))?.signingKey)
        let hs256 = try #require(
            try await fixture.authenticator.principal(for: try await fixture.signers.sign(Self.claims(), kid: "hs256"))?.signingKey
        )
        #expect(await fixture.authenticator.acceptsSigningKey(rsa1))
        #expect(await fixture.authenticator.acceptsSigningKey(hs256))
        #expect(await !fixture.authenticator.acceptsSigningKey("unknown"))
        // A bare kid (a session reference of old) is no longer enough.
        #expect(await !fixture.authenticator.acceptsSigningKey("rsa1"))
        // The operator removes rsa1 (revoked): review sessions opened with its tokens end.
        let raw = Array(P256.Signing.PrivateKey().publicKey.rawRepresentation)
        let jwks: [String: Any] = [
            "keys": [
                ["kty": "EC", "kid": "ec1", "alg": "ES256", "crv": "P-256", "x": Self.base64URL(raw[0..<32]), "y": Self.base64URL(raw[32..<64])]
            ]
        ]
        try await Task.sleep(for: .milliseconds(20))
        try JSONSerialization.data(withJSONObject: jwks).write(to: URL(fileURLWithPath: fixture.jwksPath))
        #expect(await !fixture.authenticator.acceptsSigningKey(rsa1))
        // ec1 is still there, but with other key material (replaced under the same kid): its sessions end too.
        #expect(await !fixture.authenticator.acceptsSigningKey(ec1))
    }

    /// Second round, finding F: `jwt:<iss>#<sub>` is unambiguous because an issuer with `#` is refused (without an
    /// `auth.jwt.issuer`, `iss` "https://idp.example#a" with `sub` "b" would otherwise be `iss` "https://idp.example"
    /// with `sub` "a#b"); and subjects or issuers with control characters never become owners.
    @Test func issuersWithAHashAndControlCharactersAreRefused() async throws {
        let fixture = try await Self.fixture(issuer: nil)
        defer { try? FileManager.default.removeItem(atPath: fixture.jwksPath) }
        let plain = try await fixture.signers.sign(Self.claims(sub: "a#b", iss: "https://idp.example"), kid: "rsa1")
        #expect(try await fixture.authenticator.principal(for: plain)?.owner == "jwt:https://idp.example#a#b")
        let hashed = try await fixture.signers.sign(Self.claims(sub: "b", iss: "https://idp.example#a"), kid: "rsa1")
        #expect(try await fixture.authenticator.principal(for: hashed) == nil)
        for (sub, iss) in [("user\u{0}", "https://idp.example"), ("user\u{1B}", "https://idp.example"), ("user", "https://idp.example\u{85}")] {
            let token = try await fixture.signers.sign(Self.claims(sub: sub, iss: iss), kid: "rsa1")
            #expect(try await fixture.authenticator.principal(for: token) == nil, "\(sub.debugDescription) \(iss.debugDescription)")
        }
    }

    /// Second round, finding C: a review session opened with an HS256 token ends when the secret changes (the session
    /// recorded a fingerprint of the secret, not only the kid, which stays "hs256" or "").
    @Test func aChangedHS256SecretEndsSessionsOfTheOldOne() async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.jwksPath) }
        let withKid = try #require(
            try await fixture.authenticator.principal(for: try await fixture.signers.sign(Self.claims(), kid: "hs256"))?.signingKey
        )
        let unnamed = JWTKeyCollection()
        await unnamed.add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
        let withoutKid = try #require(try await fixture.authenticator.principal(for: try await unnamed.sign(Self.claims()))?.signingKey)
        let restarted = try await JWTAuthenticator(
            settings: JWTSettings(
                issuer: "https://idp.example",
                audience: "airlock",
                hs256Secret: "another-hs256-secret-of-32-bytes!!!",
                jwksFile: nil
            ),
            clock: Clock(millis: Self.now)
        )
        #expect(await !restarted.acceptsSigningKey(withKid))
        #expect(await !restarted.acceptsSigningKey(withoutKid))
        let same = try await JWTAuthenticator(
            settings: JWTSettings(issuer: "https://idp.example", audience: "airlock", hs256Secret: Self.secret, jwksFile: nil),
            clock: Clock(millis: Self.now)
        )
        #expect(await same.acceptsSigningKey(withKid))
        #expect(await same.acceptsSigningKey(withoutKid))
    }

    @Test func aChangedJWKSFileIsReloaded() async throws {
        let fixture = try await Self.fixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.jwksPath) }
        let token = try await fixture.signers.sign(Self.claims(), kid: "ec1")
        #expect(try await fixture.authenticator.principal(for: token) != nil)
        // Rotate: the file now holds only a new EC key under the same kid.
        let replacement = P256.Signing.PrivateKey()
        let raw = Array(replacement.publicKey.rawRepresentation)
        let jwks: [String: Any] = [
            "keys": [
                ["kty": "EC", "kid": "ec1", "alg": "ES256", "crv": "P-256", "x": Self.base64URL(raw[0..<32]), "y": Self.base64URL(raw[32..<64])]
            ]
        ]
        try await Task.sleep(for: .milliseconds(20))
        try JSONSerialization.data(withJSONObject: jwks).write(to: URL(fileURLWithPath: fixture.jwksPath))
        #expect(try await fixture.authenticator.principal(for: token) == nil)
        let rotated = JWTKeyCollection()
        await rotated.add(ecdsa: try ES256PrivateKey(backing: replacement), kid: "ec1")
        #expect(try await fixture.authenticator.principal(for: try await rotated.sign(Self.claims(), kid: "ec1")) != nil)
    }
}
