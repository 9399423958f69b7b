public import AirlockCore
import Foundation
import JWTKit
import Synchronization

/// `auth.jwt`: who may sign tokens and which claims carry roles and profiles.
public struct JWTSettings: Sendable {
    public var issuer: String?
    public var audience: String?
    /// An HS256 key (from configuration or a `_FILE`); never logged.
    public var hs256Secret: String?
    /// A JWKS file with RS256, ES256 and EdDSA public keys; reloaded when it changes.
    public var jwksFile: String?
    public var rolesClaim: String
    public var profilesClaim: String

    public init(issuer: String?, audience: String?, hs256Secret: String?, jwksFile: String?, rolesClaim: String = "roles", profilesClaim: String = "profiles") {
        self.issuer = issuer
        self.audience = audience
        self.hs256Secret = hs256Secret
        self.jwksFile = jwksFile
        self.rolesClaim = rolesClaim
        self.profilesClaim = profilesClaim
    }

    public var isConfigured: Bool { hs256Secret != nil || jwksFile != nil }
}

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
        guard !claims.sub.isEmpty, claims.sub.utf8.count <= 256 else { return nil }
        let owner = Principal.jwtOwner(issuer: claims.iss ?? "", subject: claims.sub)
        return Principal(
            owner: owner, role: role, profiles: Self.strings(claims.extra[settings.profilesClaim]), service: false, actor: owner,
            expiresAt: EpochMillis(claims.exp.value.timeIntervalSince1970 * 1000), signingKey: kid ?? ""
        )
    }

    public func acceptsSigningKey(_ signingKey: String) async -> Bool {
        guard let current = try? await currentKeys() else { return false }
        return current.algorithms[signingKey] != nil
    }

    /// The keys, rebuilt when the JWKS file changed.
    private func currentKeys() async throws(ConfigurationError) -> Keys {
        let modified = settings.jwksFile.flatMap(Self.modificationTime)
        if let cached = keys.withLock({ $0 }), cached.jwksModified == modified { return cached }
        let collection = JWTKeyCollection()
        var algorithms: [String: String] = [:]
        if let secret = settings.hs256Secret {
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)  // tokens without a kid
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "hs256")
            algorithms["hs256"] = "HS256"
            algorithms[""] = "HS256"
        }
        if let file = settings.jwksFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
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
            }
        }
        let fresh = Keys(collection: collection, algorithms: algorithms, jwksModified: modified)
        keys.withLock { $0 = fresh }
        return fresh
    }

    static func modificationTime(_ path: String) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let date = attributes[.modificationDate] as? Date else { return nil }
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
