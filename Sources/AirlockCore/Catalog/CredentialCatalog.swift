/// API keys (their hashes, never the keys) and the review page's sessions (their token hashes).
public protocol CredentialCatalog: Sendable {
    /// Stores a new key (names and key hashes are unique: `.conflict`).
    func createAPIKey(_ key: APIKeyRecord) async throws

    /// The key with this hash, revoked or not (the caller checks ``APIKeyRecord/isActive(at:)``).
    func apiKey(hash: String) async throws -> APIKeyRecord?

    func apiKeys() async throws -> [APIKeyRecord]

    /// Revokes a key by id (or name); false when none is active under it.
    func revokeAPIKey(_ idOrName: String, now: EpochMillis) async throws -> Bool

    /// Stores a new review session (and forgets expired ones).
    func createSession(_ session: ReviewSession) async throws

    /// The session with this token hash, unless it expired.
    func session(tokenHash: String, now: EpochMillis) async throws -> ReviewSession?

    /// Signs a session out.
    func deleteSession(tokenHash: String) async throws
}
