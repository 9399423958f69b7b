public import AirlockCore
import Crypto
import Synchronization

/// Turns a bearer token into a principal; `nil` when the token is not valid.
public protocol Authenticator: Sendable {
    func principal(for token: String) async throws -> Principal?
}

/// API keys (`alk_…`) looked up by their SHA-256 in the catalog; the stored hash is compared in constant time.
/// Lookups are cached for `cacheMillis` (a revocation takes effect within that time on every replica).
public final class APIKeyAuthenticator: Authenticator {
    let catalog: any Catalog
    let clock: any WallClock
    let cacheMillis: Int64
    private let cache = Mutex<[String: (record: APIKeyRecord?, until: EpochMillis)]>([:])

    public init(catalog: any Catalog, clock: any WallClock, cacheMillis: Int64 = 5_000) {
        self.catalog = catalog
        self.clock = clock
        self.cacheMillis = cacheMillis
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
        guard let record, Self.constantTimeEqual(Array(record.keyHash.utf8), Array(hash.utf8)), record.isActive(at: now),
            let role = Principal.Role(rawValue: record.role)
        else { return nil }
        return Principal(owner: record.owner, role: role, profiles: record.profiles, service: record.service, actor: "key:\(record.name)")
    }

    /// Lowercase hex SHA-256 of a key or token: what the catalog stores keys (and review sessions) by.
    public static func hash(_ token: String) -> String {
        Hex.lowercase(SHA256.hash(data: Array(token.utf8)))
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
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
}
