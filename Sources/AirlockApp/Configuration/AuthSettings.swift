import AirlockCore
public import Configuration
public import Review

/// The `auth.jwt` section.
public enum AuthSettings {
    /// - Configuration keys: `jwt.issuer`, `jwt.audience`, `jwt.hs256Secret` (secret), `jwt.jwksFile`, `jwt.rolesClaim`
    ///   (default `roles`), `jwt.profilesClaim` (default `profiles`).
    public static func jwt(reader: ConfigReader) throws(AirlockError) -> JWTSettings {
        let settings = JWTSettings(
            issuer: reader.string(forKey: "jwt.issuer"),
            audience: reader.string(forKey: "jwt.audience"),
            hs256Secret: reader.string(forKey: "jwt.hs256Secret", isSecret: true),
            jwksFile: reader.string(forKey: "jwt.jwksFile"),
            rolesClaim: reader.string(forKey: "jwt.rolesClaim", default: "roles"),
            profilesClaim: reader.string(forKey: "jwt.profilesClaim", default: "profiles")
        )
        if let secret = settings.hs256Secret, secret.utf8.count < 32 {
            throw AirlockError(.invalidConfig, "auth.jwt.hs256Secret must be at least 32 bytes")
        }
        if let issuer = settings.issuer, issuer.contains("#") || FreeText.forbiddenControl(in: issuer) != nil {
            // `#` ends the issuer in an owner (`jwt:<issuer>#<sub>`); an issuer URL has no fragment anyway.
            throw AirlockError(.invalidConfig, "auth.jwt.issuer must not contain '#' or control characters")
        }
        if settings.isConfigured, settings.audience == nil {
            throw AirlockError(.invalidConfig, "auth.jwt.audience is required when JWTs are accepted")
        }
        return settings
    }
}
