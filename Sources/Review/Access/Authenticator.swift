public import AirlockCore
import Crypto
import Synchronization

/// Turns a bearer token into a principal; `nil` when the token is not valid.
public protocol Authenticator: Sendable {
    func principal(for token: String) async throws -> Principal?

    /// Whether a credential signed by `signingKey` (``Principal/signingKey``) would still be accepted: a review session
    /// opened with a JWT ends when its key leaves the configuration.
    func acceptsSigningKey(_ signingKey: String) async -> Bool
}

extension Authenticator {
    public func acceptsSigningKey(_ signingKey: String) async -> Bool { false }
}

/// API keys (`alk_…`) looked up by their SHA-256 in the catalog; the stored hash is compared in constant time.
/// Lookups are cached for `cacheMillis` (a revocation takes effect within that time on every replica).
public final class APIKeyAuthenticator: Authenticator {
    let catalog: any CredentialCatalog
    let clock: any WallClock
    let cacheMillis: Int64
    private let cache = Mutex<[String: (record: APIKeyRecord?, until: EpochMillis)]>([:])
    /// Called when a revoked key is presented (at most once a minute per key, so a client retrying in a loop cannot
    /// flood the audit log); the composition root audits it.
    let revokedUse: @Sendable (APIKeyRecord) async -> Void
    private let reported = Mutex<[String: EpochMillis]>([:])

    /// - Parameters:
    ///   - catalog: Where keys are looked up by their hash.
    ///   - clock: Expiry and revocation times are compared with it.
    ///   - cacheMillis: How long a lookup is reused.
    ///   - revokedUse: Told of each use of a revoked key (throttled to once a minute per key).
    public init(
        catalog: any CredentialCatalog,
        clock: any WallClock,
        cacheMillis: Int64 = 5_000,
        revokedUse: @escaping @Sendable (APIKeyRecord) async -> Void = { _ in }
    ) {
        self.catalog = catalog
        self.clock = clock
        self.cacheMillis = cacheMillis
        self.revokedUse = revokedUse
    }

    public func principal(for token: String) async throws -> Principal? {
        guard token.hasPrefix("alk_"), token.utf8.count <= 128 else { return nil }
        let hash = Self.hash(token)
        let now = clock.now()
        let record: APIKeyRecord?
        if let cached = cache.withLock({ $0[hash] }), cached.until > now {
            record = cached.record
        } else {
            record = try await catalog.apiKey(hash: hash)
            cache.withLock { entries in
                if entries.count > 10_000 { entries.removeAll(keepingCapacity: true) }
                entries[hash] = (record, now + cacheMillis)
            }
        }
        guard let record, Self.constantTimeEqual(Array(record.keyHash.utf8), Array(hash.utf8)) else { return nil }
        guard record.isActive(at: now) else {
            if record.revokedAt != nil, shouldReport(hash, now: now) { await revokedUse(record) }
            return nil
        }
        guard let role = Principal.Role(rawValue: record.role) else { return nil }
        return Principal(owner: record.owner, role: role, profiles: record.profiles, service: record.service, actor: "key:\(record.name)")
    }

    private func shouldReport(_ hash: String, now: EpochMillis) -> Bool {
        reported.withLock { reported in
            if let last = reported[hash], now - last < 60_000 { return false }
            if reported.count > 10_000 { reported.removeAll(keepingCapacity: true) }
            reported[hash] = now
            return true
        }
    }

    /// Lowercase hex SHA-256 of a key or token: what the catalog stores keys (and review sessions) by.
    public static func hash(_ token: String) -> String {
        Hex.lowercase(SHA256.hash(data: Array(token.utf8)))
    }

    /// Compares without an early exit, so the time taken does not tell how much of a secret matched.
    package static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}

/// Tries each authenticator in turn (API keys, then JWTs).
public struct ChainedAuthenticator: Authenticator {
    let authenticators: [any Authenticator]

    public init(_ authenticators: [any Authenticator]) {
        self.authenticators = authenticators
    }

    public func principal(for token: String) async throws -> Principal? {
        for authenticator in authenticators {
            if let principal = try await authenticator.principal(for: token) { return principal }
        }
        return nil
    }

    public func acceptsSigningKey(_ signingKey: String) async -> Bool {
        for authenticator in authenticators where await authenticator.acceptsSigningKey(signingKey) { return true }
        return false
    }
}
