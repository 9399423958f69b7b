public import AirlockCore
import Crypto
import Foundation
import JWTKit
public import Review
import Synchronization

/// JWTs through jwt-kit: HS256, RS256, ES256, EdDSA. The header's `alg` must be one of those and must be the
/// algorithm of the key it names (no `none`, no HS/RS confusion); the signature, `exp` (required), `nbf`, `iss` and
/// `aud` are enforced; `sub` becomes the owner; roles and permitted profiles come from the configured claims.
public final class JWTAuthenticator: Authenticator {
    let settings: JWTSettings
    let clock: any WallClock

    private struct Keys {
        var collection: JWTKeyCollection
        /// kid → algorithm; "" for the key used when a token names none.
        var algorithms: [String: String]
        /// kid → fingerprint of the key material (`fingerprint(hs256Secret:)`, `thumbprint(_:)`): a review session
        /// records it, so the session ends when the key behind its kid changes.
        var fingerprints: [String: String]
        var jwksModified: Int64?
    }

    private let keys: Mutex<Keys?> = Mutex(nil)

    /// A configuration the authenticator cannot work with (the message names the key).
    public struct ConfigurationError: Error, Sendable {
        public var message: String
    }

    public init(settings: JWTSettings, clock: any WallClock) async throws(ConfigurationError) {
        self.settings = settings
        self.clock = clock
        guard settings.audience != nil else { throw ConfigurationError(message: "auth.jwt.audience is required when JWTs are accepted") }
        _ = try await currentKeys()
    }

    public func principal(for token: String) async throws -> Principal? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.decodeSegment(parts[0]) as? [String: Any], let alg = header["alg"] as? String,
            ["HS256", "RS256", "ES256", "EdDSA"].contains(alg)
        else { return nil }
        let kid = header["kid"] as? String
        let current: Keys
        do {
            current = try await currentKeys()
        } catch {
            return nil
        }
        guard current.algorithms[kid ?? ""] == alg else { return nil }
        let claims: Claims
        do {
            claims = try await current.collection.verify(token, as: Claims.self)
        } catch {
            return nil
        }
        let now = Date(timeIntervalSince1970: Double(clock.now()) / 1000)
        guard (try? claims.exp.verifyNotExpired(currentDate: now)) != nil else { return nil }
        if let nbf = claims.nbf, (try? nbf.verifyNotBefore(currentDate: now)) == nil { return nil }
        if let issuer = settings.issuer, claims.iss != issuer { return nil }
        guard let audience = settings.audience, claims.aud.contains(audience) else { return nil }
        let roles = Self.strings(claims.extra[settings.rolesClaim])
        let role: Principal.Role
        if roles.contains("admin") {
            role = .admin
        } else if roles.contains("reviewer") {
            role = .reviewer
        } else if roles.contains("uploader") {
            role = .uploader
        } else {
            return nil
        }
        // The owner reaches the catalog and the audit log (as the actor): no control characters (see `FreeText`).
        guard !claims.sub.isEmpty, claims.sub.utf8.count <= 256, FreeText.forbiddenControl(in: claims.sub) == nil,
            FreeText.forbiddenControl(in: claims.iss ?? "") == nil, !(claims.iss ?? "").contains("#")
        else { return nil }
        let owner = Principal.jwtOwner(issuer: claims.iss ?? "", subject: claims.sub)
        return Principal(
            owner: owner,
            role: role,
            profiles: Self.strings(claims.extra[settings.profilesClaim]),
            service: false,
            actor: owner,
            expiresAt: EpochMillis(claims.exp.value.timeIntervalSince1970 * 1000),
            signingKey: current.fingerprints[kid ?? ""].map { "\(kid ?? ""):\($0)" }
        )
    }

    public func acceptsSigningKey(_ signingKey: String) async -> Bool {
        guard let current = try? await currentKeys() else { return false }
        // `<kid>:<fingerprint>`: the same kid with other key material (a new hs256Secret, a JWKS key replaced under its
        // kid) is not the key the session was opened with. A reference of old (a kid alone) matches nothing.
        guard let colon = signingKey.lastIndex(of: ":") else { return false }
        let kid = String(signingKey[..<colon])
        return current.algorithms[kid] != nil && current.fingerprints[kid] == String(signingKey[signingKey.index(after: colon)...])
    }

    /// A fingerprint of an HS256 secret: SHA-256 of a label and the secret (the secret itself is never stored).
    static func fingerprint(hs256Secret secret: String) -> String {
        Hex.lowercase(SHA256.hash(data: Array("airlock jwt hs256 key v1\u{0}".utf8) + Array(secret.utf8)))
    }

    /// The RFC 7638 thumbprint of a JWK (SHA-256 of its required public members, in order), hex.
    static func thumbprint(_ jwk: [String: Any]) -> String? {
        let members: [String]
        switch jwk["kty"] as? String {
        case "RSA": members = ["e", "kty", "n"]
        case "EC": members = ["crv", "kty", "x", "y"]
        case "OKP": members = ["crv", "kty", "x"]
        default: return nil
        }
        var fields: [(String, JSONText)] = []
        for member in members {
            guard let value = jwk[member] as? String else { return nil }
            fields.append((member, .string(value)))
        }
        return Hex.lowercase(SHA256.hash(data: JSONText.object(fields).utf8))
    }

    /// The keys, rebuilt when the JWKS file changed.
    private func currentKeys() async throws(ConfigurationError) -> Keys {
        let modified = settings.jwksFile.flatMap(Self.modificationTime)
        if let cached = keys.withLock({ $0 }), cached.jwksModified == modified { return cached }
        let collection = JWTKeyCollection()
        var algorithms: [String: String] = [:]
        var fingerprints: [String: String] = [:]
        if let secret = settings.hs256Secret {
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)  // tokens without a kid
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "hs256")
            algorithms["hs256"] = "HS256"
            algorithms[""] = "HS256"
            fingerprints["hs256"] = Self.fingerprint(hs256Secret: secret)
            fingerprints[""] = fingerprints["hs256"]
        }
        if let file = settings.jwksFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let entries = json["keys"] as? [[String: Any]]
            else { throw ConfigurationError(message: "auth.jwt.jwksFile cannot be read as a JWKS") }
            do {
                _ = try await collection.add(jwksJSON: text)
            } catch {
                throw ConfigurationError(message: "auth.jwt.jwksFile holds a key jwt-kit refuses")
            }
            for entry in entries {
                guard let kid = entry["kid"] as? String, let alg = entry["alg"] as? String, ["RS256", "ES256", "EdDSA"].contains(alg) else {
                    throw ConfigurationError(message: "every key of auth.jwt.jwksFile needs a kid and an alg of RS256, ES256 or EdDSA")
                }
                algorithms[kid] = alg
                guard let thumbprint = Self.thumbprint(entry) else {
                    throw ConfigurationError(message: "the key '\(kid)' of auth.jwt.jwksFile lacks the public members of its kty")
                }
                fingerprints[kid] = thumbprint
            }
        }
        let fresh = Keys(collection: collection, algorithms: algorithms, fingerprints: fingerprints, jwksModified: modified)
        keys.withLock { $0 = fresh }
        return fresh
    }

    static func modificationTime(_ path: String) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let date = attributes[.modificationDate] as? Date else {
            return nil
        }
        return Int64(date.timeIntervalSince1970 * 1_000_000)
    }

    static func decodeSegment(_ segment: Substring) -> Any? {
        var text = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    /// A claim as a list of strings: an array, or one string split on spaces and commas.
    static func strings(_ value: ClaimValue?) -> [String] {
        switch value {
        case .string(let text): text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        case .strings(let list): list
        default: []
        }
    }

    enum ClaimValue: Decodable, Sendable {
        case string(String)
        case strings([String])
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let list = try? container.decode([String].self) {
                self = .strings(list)
            } else {
                self = .other
            }
        }
    }

    struct Claims: JWTPayload {
        var sub: String
        var exp: ExpirationClaim
        var nbf: NotBeforeClaim?
        var iss: String?
        var aud: [String]
        var extra: [String: ClaimValue]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            sub = try container.decode(String.self, forKey: Key(stringValue: "sub"))
            exp = try container.decode(ExpirationClaim.self, forKey: Key(stringValue: "exp"))
            nbf = try container.decodeIfPresent(NotBeforeClaim.self, forKey: Key(stringValue: "nbf"))
            iss = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "iss"))
            switch try container.decodeIfPresent(ClaimValue.self, forKey: Key(stringValue: "aud")) {
            case .string(let one): aud = [one]
            case .strings(let many): aud = many
            default: aud = []
            }
            var extra: [String: ClaimValue] = [:]
            for key in container.allKeys where !["sub", "exp", "nbf", "iss", "aud"].contains(key.stringValue) {
                extra[key.stringValue] = try container.decode(ClaimValue.self, forKey: key)
            }
            self.extra = extra
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(sub, forKey: Key(stringValue: "sub"))
            try container.encode(exp, forKey: Key(stringValue: "exp"))
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
