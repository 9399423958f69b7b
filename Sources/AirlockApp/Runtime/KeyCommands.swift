public import AirlockCore
import Catalog
import Configuration
import Logging
import Review

/// `airlock keys create|list|revoke` (docs/operations.md, "API keys"): keys are shown once, stored as their SHA-256.
public enum KeyCommands {
    public static let roles = ["uploader", "reviewer", "admin"]

    public struct CreateInput: Sendable {
        public var name: String
        public var role: String
        public var owner: String?
        public var service: Bool
        public var profiles: [String]
        public var expires: String?

        public init(name: String, role: String, owner: String?, service: Bool, profiles: [String], expires: String?) {
            self.name = name
            self.role = role
            self.owner = owner
            self.service = service
            self.profiles = profiles
            self.expires = expires
        }
    }

    /// A new secret: `alk_` + 43 base64url characters (32 random bytes).
    static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "alk_" + base64URL(bytes)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index + 2 < bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((value >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let value = UInt32(bytes[index]) << 16 | (rest > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
            out.append(alphabet[Int((value >> 18) & 63)])
            out.append(alphabet[Int((value >> 12) & 63)])
            if rest > 1 { out.append(alphabet[Int((value >> 6) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Creates a key and audits it (`key.create` by the operator); returns the one JSON object to print (the only place
    /// the key ever appears).
    public static func create(
        _ input: CreateInput,
        keys catalog: any CredentialCatalog,
        audit: AuditLog,
        actor: String,
        profileNames: [String],
        now: EpochMillis
    ) async throws(AirlockError) -> String {
        guard !input.name.isEmpty, input.name.utf8.count <= 64,
            input.name.utf8.allSatisfy({ byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: ".")
            })
        else {
            throw AirlockError(.invalidArgument, "--name must be 1-64 characters of a-z, 0-9, '-', '_' and '.'")
        }
        guard roles.contains(input.role) else { throw AirlockError(.invalidArgument, "--role must be uploader, reviewer or admin") }
        if let unknown = input.profiles.first(where: { !profileNames.contains($0) }) {
            throw AirlockError(.invalidArgument, "--profiles: no profile '\(unknown)' in the configuration")
        }
        var expiresAt: EpochMillis?
        if let text = input.expires {
            guard let duration = ConfigDuration(parsing: text), duration.milliseconds > 0 else {
                throw AirlockError(.invalidArgument, "--expires must be a duration such as 90d or 12h")
            }
            expiresAt = now + duration.milliseconds
        }
        if let owner = input.owner, owner.isEmpty || owner.utf8.count > 256 || FreeText.forbiddenControl(in: owner) != nil {
            throw AirlockError(.invalidArgument, "--owner must be 1-256 bytes without control characters")
        }
        let key = newKey()
        let record = APIKeyRecord(
            id: "key_" + String(UploadID.generate(at: now).rawValue.filter { $0 != "-" }),
            name: input.name,
            role: input.role,
            owner: input.owner ?? "key:\(input.name)",
            service: input.service,
            profiles: input.profiles,
            keyHash: APIKeyAuthenticator.hash(key),
            createdAt: now,
            expiresAt: expiresAt
        )
        do {
            try await catalog.createAPIKey(record)
        } catch let error as CatalogError where error.code == .conflict {
            throw AirlockError(.invalidArgument, "a key named '\(input.name)' already exists")
        } catch {
            throw AirlockError(.storage, "storing the key failed", cause: error)
        }
        let detail = JSONText.object([
            ("id", .string(record.id)), ("name", .string(record.name)), ("role", .string(record.role)), ("owner", .string(record.owner)),
            ("service", .bool(record.service)), ("profiles", .array(record.profiles.map(JSONText.string))),
            ("expiresAt", record.expiresAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
        ])
        try await Self.audited(AuditEntry(at: now, actor: actor, action: "key.create", detail: detail.rendered), in: audit)
        return JSONText.object([
            ("id", .string(record.id)), ("name", .string(record.name)), ("role", .string(record.role)), ("owner", .string(record.owner)),
            ("key", .string(key)),
        ]).rendered
    }

    /// One JSON line per key, never the secret.
    public static func list(catalog: any CredentialCatalog) async throws(AirlockError) -> [String] {
        let keys: [APIKeyRecord]
        do {
            keys = try await catalog.apiKeys()
        } catch {
            throw AirlockError(.storage, "listing keys failed", cause: error)
        }
        return keys.map { key in
            JSONText.object([
                ("id", .string(key.id)), ("name", .string(key.name)), ("role", .string(key.role)), ("owner", .string(key.owner)),
                ("service", .bool(key.service)),
                ("profiles", .array(key.profiles.map(JSONText.string))), ("createdAt", .string(Timestamp.iso8601(key.createdAt))),
                ("expiresAt", key.expiresAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
                ("revokedAt", key.revokedAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ]).rendered
        }
    }

    /// Revokes a key and audits it (`key.revoke` by the operator).
    public static func revoke(
        _ idOrName: String,
        keys: any CredentialCatalog,
        audit: AuditLog,
        actor: String,
        now: EpochMillis
    ) async throws(AirlockError) -> String {
        let revoked: Bool
        do {
            revoked = try await keys.revokeAPIKey(idOrName, now: now)
        } catch {
            throw AirlockError(.storage, "revoking the key failed", cause: error)
        }
        guard revoked else { throw AirlockError(.invalidArgument, "no active key '\(idOrName)'") }
        try await Self.audited(
            AuditEntry(at: now, actor: actor, action: "key.revoke", detail: JSONText.object([("key", .string(idOrName))]).rendered),
            in: audit
        )
        return JSONText.object([("revoked", .string(idOrName))]).rendered
    }

    static func audited(_ entry: AuditEntry, in audit: AuditLog) async throws(AirlockError) {
        do {
            try await audit.recordRotation(now: entry.at)
            try await audit.append(entry)
        } catch {
            throw AirlockError(.storage, "writing the audit log failed", cause: error)
        }
    }

    public enum Action: Sendable {
        case create(CreateInput)
        case list
        case revoke(String)
    }

    /// The CLI entry point: the lines to print.
    public static func command(configPath: String?, action: Action) async throws(AirlockError) -> [String] {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let settings = try CatalogSettings(reader: config.scoped(to: "catalog"))
        let names = try ConfigLoader.profileNames(path: configPath, environment: environment)
        let keyring = try AuditKeyring(reader: config.scoped(to: "audit"))
        let actor = QuarantineCommands.operatorPrincipal.actor
        let opened = try await CatalogRuntime.open(settings, logger: StorageCommands.commandLogger(environment: environment))
        do {
            return try await opened.withPoolThenClose { catalog -> [String] in
                let now = SystemWallClock().now()
                let audit = AuditLog(catalog: catalog, keyring: keyring)
                switch action {
                case .create(let input): return [try await create(input, keys: catalog, audit: audit, actor: actor, profileNames: names, now: now)]
                case .list: return try await list(catalog: catalog)
                case .revoke(let id): return [try await revoke(id, keys: catalog, audit: audit, actor: actor, now: now)]
                }
            }
        } catch let error as AirlockError {
            throw error
        } catch {
            throw AirlockError(.storage, "the key command failed", cause: error)
        }
    }
}
