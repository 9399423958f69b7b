public import AirlockCore

/// Who is calling (from an API key or a JWT).
public struct Principal: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case uploader, reviewer, admin
    }

    /// The owner uploads belong to: `key:<name>` (or a key's configured `--owner`) or `jwt:<issuer>#<sub>`: the two
    /// namespaces never meet, so no token subject can name a key's files.
    public var owner: String
    public var role: Role
    /// Profiles it may use; empty means all.
    public var profiles: [String]
    /// May name an `owner` in request bodies.
    public var service: Bool
    /// For the audit log: `key:<name>` or `jwt:<issuer>#<sub>`.
    public var actor: String
    /// When the credential stops being valid (a JWT's `exp`); a review session never outlives it.
    public var expiresAt: EpochMillis?
    /// The key that signed the credential (a JWT's `kid`, "" for none), checked again on every use of a review session.
    public var signingKey: String?

    public init(owner: String, role: Role, profiles: [String], service: Bool, actor: String, expiresAt: EpochMillis? = nil, signingKey: String? = nil)
    {
        self.owner = owner
        self.role = role
        self.profiles = profiles
        self.service = service
        self.actor = actor
        self.expiresAt = expiresAt
        self.signingKey = signingKey
    }

    /// The owner (and actor) of a JWT's subject: `jwt:<issuer>#<sub>`. An issuer never holds `#` (tokens whose `iss`
    /// does are refused, and so is such an `auth.jwt.issuer`), so the first `#` ends it: `iss` "a#b" with `sub` "c" and
    /// `iss` "a" with `sub` "b#c" cannot both become `jwt:a#b#c`.
    public static func jwtOwner(issuer: String, subject: String) -> String { "jwt:\(issuer)#\(subject)" }

    public func mayUse(profile: String) -> Bool { profiles.isEmpty || profiles.contains(profile) }

    /// Reviewers and admins see every upload; uploaders their own.
    public var reviews: Bool { role == .reviewer || role == .admin }
}
