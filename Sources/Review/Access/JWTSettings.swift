/// `auth.jwt`: who may sign tokens and which claims carry roles and profiles.
public struct JWTSettings: Sendable {
    public var issuer: String?
    public var audience: String?
    /// An HS256 key (from configuration or a `_FILE`); never logged.
    public var hs256Secret: String?
    /// A JWKS file with RS256, ES256 and EdDSA public keys; reloaded when it changes.
    public var jwksFile: String?
    public var rolesClaim: String
    public var profilesClaim: String

    public init(
        issuer: String?,
        audience: String?,
        hs256Secret: String?,
        jwksFile: String?,
        rolesClaim: String = "roles",
        profilesClaim: String = "profiles"
    ) {
        self.issuer = issuer
        self.audience = audience
        self.hs256Secret = hs256Secret
        self.jwksFile = jwksFile
        self.rolesClaim = rolesClaim
        self.profilesClaim = profilesClaim
    }

    public var isConfigured: Bool { hs256Secret != nil || jwksFile != nil }
}
