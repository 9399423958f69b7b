public import AirlockCore

// The audit log (``AuditCatalog``), hash lists (``HashListCatalog``), keys and sessions (``CredentialCatalog``).
extension InMemoryCatalog {
    public func appendAudit(_ entry: AuditEntry, seal: @escaping @Sendable (String, AuditEntry) throws -> String) async throws -> AuditEntry {
        for field in [entry.actor, entry.action, entry.uploadID ?? "", entry.note ?? "", entry.detail] where field.utf8.contains(0) {
            throw CatalogError(.query, "an audit entry cannot hold a NUL character")
        }
        var sealed = entry
        sealed.sequence = (auditLog.last?.sequence ?? 0) + 1
        sealed.previousHash = auditLog.last?.hash ?? AuditEntry.genesisHash
        sealed.hash = try seal(sealed.previousHash, sealed)
        auditLog.append(sealed)
        return sealed
    }

    public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        Array(auditLog.filter { $0.sequence > sequence }.prefix(max(limit, 0)))
    }

    public func auditEntries(uploadID: String) async throws -> [AuditEntry] {
        auditLog.filter { $0.uploadID == uploadID }
    }

    public func latestAuditEntry() async throws -> AuditEntry? { auditLog.last }

    public func setHashListEntry(_ entry: HashListEntry) async throws {
        var entry = entry
        entry.sha256 = entry.sha256.lowercased()
        hashList[entry.sha256] = entry
    }

    public func removeHashListEntry(sha256: String, list: HashListKind) async throws -> Bool {
        guard let entry = hashList[sha256.lowercased()], entry.list == list else { return false }
        hashList[entry.sha256] = nil
        return true
    }

    public func hashListEntries() async throws -> [HashListEntry] {
        hashList.values.sorted { ($0.createdAt, $0.sha256) < ($1.createdAt, $1.sha256) }
    }

    public func createAPIKey(_ key: APIKeyRecord) async throws {
        if keys.contains(where: { $0.id == key.id || $0.name == key.name || $0.keyHash == key.keyHash }) {
            throw CatalogError(.conflict, "a key with this id, name or hash exists")
        }
        var key = key
        // Stored comma-separated, as the SQL catalog does.
        key.profiles = key.profiles.joined(separator: ",").split(separator: ",").map(String.init)
        keys.append(key)
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        keys.first { $0.keyHash == hash }
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        keys.sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
    }

    public func revokeAPIKey(_ idOrName: String, now: EpochMillis) async throws -> Bool {
        var revoked = false
        for index in keys.indices where (keys[index].id == idOrName || keys[index].name == idOrName) && keys[index].revokedAt == nil {
            keys[index].revokedAt = now
            revoked = true
        }
        return revoked
    }

    public func createSession(_ session: ReviewSession) async throws {
        sessions = sessions.filter { $0.value.expiresAt > session.createdAt }
        guard sessions[session.tokenHash] == nil else { throw CatalogError(.conflict, "a session with this token exists") }
        sessions[session.tokenHash] = session
    }

    public func session(tokenHash: String, now: EpochMillis) async throws -> ReviewSession? {
        sessions[tokenHash].flatMap { $0.expiresAt > now ? $0 : nil }
    }

    public func deleteSession(tokenHash: String) async throws {
        sessions[tokenHash] = nil
    }
}
