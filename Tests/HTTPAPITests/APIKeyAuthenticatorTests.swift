import AirlockCore
import AirlockTesting
import HTTPAPI
import Review
import Synchronization
import Testing

/// API keys on the in-memory catalog: roles, expiry, revocation (cached for `cacheMillis`) and its throttled report.
struct APIKeyAuthenticatorTests {
    final class Clock: WallClock {
        let millis = Mutex<EpochMillis>(1_000_000)
        func now() -> EpochMillis { millis.withLock { $0 } }
        func advance(_ by: EpochMillis) { millis.withLock { $0 += by } }
    }

    static func key(_ name: String, role: String = "uploader", token: String, expiresAt: EpochMillis? = nil) -> APIKeyRecord {
        APIKeyRecord(
            id: "key_\(name)",
            name: name,
            role: role,
            owner: "key:\(name)",
            service: false,
            profiles: ["documents"],
            keyHash: APIKeyAuthenticator.hash(token),
            createdAt: 1,
            expiresAt: expiresAt
        )
    }

    @Test func activeKeysAuthenticateAndOthersDoNot() async throws {
        let catalog = InMemoryCatalog()
        let clock = Clock()
        try await catalog.createAPIKey(Self.key("app", token: "alk_app"))
        try await catalog.createAPIKey(Self.key("old", token: "alk_old", expiresAt: 1_000_000))
        try await catalog.createAPIKey(Self.key("odd", role: "superuser", token: "alk_odd"))
        let authenticator = APIKeyAuthenticator(catalog: catalog, clock: clock)

        let principal = try #require(try await authenticator.principal(for: "alk_app"))
        #expect(principal.owner == "key:app" && principal.role == .uploader && principal.profiles == ["documents"] && principal.actor == "key:app")
        #expect(try await authenticator.principal(for: "alk_old") == nil)  // expired
        #expect(try await authenticator.principal(for: "alk_odd") == nil)  // no such role
        #expect(try await authenticator.principal(for: "alk_unknown") == nil)
        #expect(try await authenticator.principal(for: "app") == nil)  // not a key
    }

    @Test func revocationTakesEffectAfterTheCacheAndIsReportedOnceAMinute() async throws {
        let catalog = InMemoryCatalog()
        let clock = Clock()
        try await catalog.createAPIKey(Self.key("app", token: "alk_app"))
        let reports = Mutex(0)
        let authenticator = APIKeyAuthenticator(catalog: catalog, clock: clock, cacheMillis: 5_000) { _ in reports.withLock { $0 += 1 } }
        #expect(try await authenticator.principal(for: "alk_app") != nil)

        #expect(try await catalog.revokeAPIKey("app", now: clock.now()))
        #expect(try await authenticator.principal(for: "alk_app") != nil)  // the cached lookup
        clock.advance(5_000)
        #expect(try await authenticator.principal(for: "alk_app") == nil)
        clock.advance(5_000)
        #expect(try await authenticator.principal(for: "alk_app") == nil)
        #expect(reports.withLock { $0 } == 1)
        clock.advance(60_000)
        #expect(try await authenticator.principal(for: "alk_app") == nil)
        #expect(reports.withLock { $0 } == 2)
    }
}
