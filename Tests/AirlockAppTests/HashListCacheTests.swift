import AirlockCore
import AirlockTesting
import Testing

@testable import AirlockApp

/// The workers' hash lists on the in-memory catalog: read once per `ttl`, split into deny and allow.
struct HashListCacheTests {
    static func entry(_ byte: String, _ list: HashListKind) -> HashListEntry {
        HashListEntry(sha256: String(repeating: byte, count: 64), list: list, note: nil, actor: "key:reviewer", createdAt: 1)
    }

    @Test func listsAreSplitAndReusedUntilTheyExpire() async throws {
        let catalog = InMemoryCatalog()
        try await catalog.setHashListEntry(Self.entry("a", .deny))
        try await catalog.setHashListEntry(Self.entry("B", .allow))  // stored lowercase
        let cache = HashListCache(catalog: catalog, ttl: .seconds(3600))
        let lists = try await cache.lists()
        #expect(lists.deny == [String(repeating: "a", count: 64)] && lists.allow == [String(repeating: "b", count: 64)])

        // A reviewer's change reaches a worker only once its copy expires.
        try await catalog.setHashListEntry(Self.entry("a", .allow))
        #expect(try await cache.lists().deny == lists.deny)
        let fresh = try await HashListCache(catalog: catalog, ttl: .zero).lists()
        #expect(fresh.deny.isEmpty && fresh.allow.count == 2)
    }
}
