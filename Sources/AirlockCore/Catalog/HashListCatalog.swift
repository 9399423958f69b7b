/// The deny and allow lists of SHA-256s.
public protocol HashListCatalog: Sendable {
    /// Puts a SHA-256 on a list (replacing its previous list).
    func setHashListEntry(_ entry: HashListEntry) async throws

    /// Takes a SHA-256 off `list`; false when it is not on that list.
    func removeHashListEntry(sha256: String, list: HashListKind) async throws -> Bool

    func hashListEntries() async throws -> [HashListEntry]
}
