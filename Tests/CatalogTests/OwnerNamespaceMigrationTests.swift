import AirlockCore
import Testing

@testable import Catalog

/// Migration 5: owners in disjoint namespaces (issue 17, finding 3).
struct OwnerNamespaceMigrationTests {
    @Test(arguments: CatalogEngine.allCases)
    func bareJWTSubjectsMoveAsideAndAreAdoptedUnderTheirIssuer(engine: CatalogEngine) async throws {
        try await engine.withCatalog { catalog in
            // Rows as an older airlock wrote them: a key's own owner, a key's configured owner, JWT subjects (one that
            // looks like a key's owner), and a review session.
            let owners = [
                "key:alice", "team:payments", "user-42", "key-ish", "jwt:https://idp.example#bob", "key:mallory", "KEY:eve", "Jwt:x#y",
                "legacy-jwt:z",
                "LEGACY-JWT:w", "LEGACY-JWT:team",
            ]
            var ids: [String: UploadID] = [:]
            for (index, owner) in owners.enumerated() {
                ids[owner] = try await catalog.createUpload(.sample(index, owner: owner)).id
            }
            try await catalog.createAPIKey(
                APIKeyRecord(
                    id: "key_1",
                    name: "payments",
                    role: "uploader",
                    owner: "team:payments",
                    service: true,
                    profiles: [],
                    keyHash: String(repeating: "a", count: 64),
                    createdAt: 1,
                    expiresAt: nil
                )
            )
            try await catalog.createAPIKey(
                APIKeyRecord(
                    id: "key_2",
                    name: "alice",
                    role: "uploader",
                    owner: "key:alice",
                    service: false,
                    profiles: [],
                    keyHash: String(repeating: "d", count: 64),
                    createdAt: 1,
                    expiresAt: nil
                )
            )
            // A key's configured owner that looks like the legacy prefix in capitals: neither moved nor adopted.
            try await catalog.createAPIKey(
                APIKeyRecord(
                    id: "key_3",
                    name: "team",
                    role: "uploader",
                    owner: "LEGACY-JWT:team",
                    service: false,
                    profiles: [],
                    keyHash: String(repeating: "e", count: 64),
                    createdAt: 1,
                    expiresAt: nil
                )
            )
            try await catalog.createSession(
                ReviewSession(
                    tokenHash: String(repeating: "b", count: 64),
                    actor: "jwt:user-42",
                    owner: "user-42",
                    role: "reviewer",
                    csrfToken: "c",
                    keyHash: nil,
                    createdAt: 2_000_000,
                    expiresAt: .max
                )
            )
            // Migration 5 (and those after it) again, as an upgraded airlock runs them.
            _ = try await catalog.driver.query("DELETE FROM airlock_migrations WHERE version >= 5", [])
            #expect(try await catalog.migrate() == Migrations.all.count - 4)

            let uploads = ids
            func owner(_ original: String) async throws -> String? {
                guard let id = uploads[original] else { return nil }
                return try await catalog.upload(id: id)?.owner
            }
            #expect(try await owner("key:alice") == "key:alice")
            #expect(try await owner("team:payments") == "team:payments")
            // No credential can claim these until the API adopts them: every owner no key has was a bare JWT subject,
            // whatever prefix it looks like it has (in any case).
            let subjects = ["user-42", "key-ish", "jwt:https://idp.example#bob", "key:mallory", "KEY:eve", "Jwt:x#y", "legacy-jwt:z", "LEGACY-JWT:w"]
            for subject in subjects { #expect(try await owner(subject) == "legacy-jwt:\(subject)") }
            #expect(try await catalog.session(tokenHash: String(repeating: "b", count: 64), now: 3_000_000) == nil)

            #expect(try await catalog.adoptLegacyJWTOwners(issuer: "https://idp.example") == subjects.count)
            for subject in subjects { #expect(try await owner(subject) == "jwt:https://idp.example#\(subject)") }
            #expect(try await owner("LEGACY-JWT:team") == "LEGACY-JWT:team")
            #expect(try await catalog.adoptLegacyJWTOwners(issuer: "https://idp.example") == 0)
        }
    }
}
