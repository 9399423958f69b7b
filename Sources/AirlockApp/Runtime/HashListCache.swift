import AirlockCore
import Synchronization

/// The catalog's hash lists, read at most every `ttl` (each inspection needs them; a reviewer's change reaches the
/// workers within `ttl`).
final class HashListCache: Sendable {
    private let catalog: any HashListCatalog
    private let ttl: Duration
    private let state = Mutex<(lists: (deny: Set<String>, allow: Set<String>), expires: ContinuousClock.Instant)?>(nil)

    init(catalog: any HashListCatalog, ttl: Duration = .seconds(5)) {
        self.catalog = catalog
        self.ttl = ttl
    }

    func lists() async throws -> (deny: Set<String>, allow: Set<String>) {
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0 }), cached.expires > now { return cached.lists }
        let fresh = try await catalog.hashLists()
        state.withLock { $0 = (fresh, now + ttl) }
        return fresh
    }
}
