public import Hummingbird

/// Who is calling (from an API key or a JWT).
public struct Principal: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case uploader, reviewer, admin
    }

    /// The owner uploads belong to: `key:<name>`, a JWT subject, or a service key's owner.
    public var owner: String
    public var role: Role
    /// Profiles it may use; empty means all.
    public var profiles: [String]
    /// May name an `owner` in request bodies.
    public var service: Bool
    /// For the audit log: `key:<name>` or `jwt:<sub>`.
    public var actor: String

    public init(owner: String, role: Role, profiles: [String], service: Bool, actor: String) {
        self.owner = owner
        self.role = role
        self.profiles = profiles
        self.service = service
        self.actor = actor
    }

    public func mayUse(profile: String) -> Bool { profiles.isEmpty || profiles.contains(profile) }

    /// Reviewers and admins see every upload; uploaders their own.
    public var reviews: Bool { role == .reviewer || role == .admin }
}

/// The request context: the authenticated principal and the request id.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var requestID: String = ""
    public var maxBodyBytes: Int = 10_240

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { maxBodyBytes }
}
