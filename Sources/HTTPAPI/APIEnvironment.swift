public import AirlockCore

/// What the API's routes work with: the AirlockCore ports, configuration and a few closures from the composition root.
public struct APIEnvironment: Sendable {
    public var catalog: any Catalog
    public var store: any ObjectStore
    public var signer: UploadSigner
    public var layout: ObjectLayout
    public var profiles: [String: UploadProfile]
    /// `uploads.expires`.
    public var uploadExpiresSeconds: Int
    /// `uploads.downloadExpires`.
    public var downloadExpiresSeconds: Int
    public var clock: any WallClock
    /// NFC normalization for safe names.
    public var normalize: @Sendable (String) -> String
    /// Wakes this process's worker (an upload was completed).
    public var wake: @Sendable () -> Void
    /// Appends to the audit log (sealed by the composition root).
    public var audit: @Sendable (AuditEntry) async throws -> Void
    /// `/ready`: each dependency's name, whether it is ready, and a detail.
    public var readiness: @Sendable () async -> [(name: String, ready: Bool, detail: String)] = { [] }
    /// `/metrics`: the Prometheus text.
    public var metrics: @Sendable () async -> String = { "" }
    /// Requests per second and burst per principal (`http.rateLimit`).
    public var rateLimit: (perSecond: Int, burst: Int) = (50, 200)
    /// Failed authentications allowed per client address: a burst, then a few a minute (`http.authFailures`).
    public var authFailureLimit: (perMinute: Int, burst: Int) = (10, 20)
    /// Above this declared size, uploads are multipart (`uploads.multipartThreshold`).
    public var multipartThreshold: Int64 = 100 << 20
    /// `uploads.partSize`.
    public var partSize: Int64 = 16 << 20
    /// Where clients reach this API (`http.publicURL`, without a trailing slash): links Airlock serves itself are built
    /// under it; `nil` makes them paths. Never taken from a request's Host.
    public var publicURL: String?
    /// Browser origins allowed to call the API (`http.corsOrigins`).
    public var corsOrigins: [String] = []
    /// The review page's session lifetime (`http.sessionLifetime`).
    public var sessionLifetimeSeconds: Int = 8 * 3600
    /// A release needs a second, different reviewer (`review.requireSecondReviewer`).
    public var requireSecondReviewer = false
    /// Runs blocking work (file reads of analysis zips) off the cooperative pool; the composition root gives it threads.
    public var blocking: @Sendable (_ work: @escaping @Sendable () throws -> Void) async throws -> Void = { work in try work() }
    /// Where analysis zips are assembled (`scanner.tempDir`, else the system's).
    public var temporaryDirectory = "/tmp"
    /// Signs the links of analysis zips; every replica needs the same key (the composition root derives it from the
    /// store's secret). A random key by default: links then work only on the process that made them.
    public var linkKey: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    public init(
        catalog: any Catalog, store: any ObjectStore, signer: UploadSigner, layout: ObjectLayout, profiles: [String: UploadProfile], uploadExpiresSeconds: Int,
        downloadExpiresSeconds: Int, clock: any WallClock, normalize: @escaping @Sendable (String) -> String, wake: @escaping @Sendable () -> Void,
        audit: @escaping @Sendable (AuditEntry) async throws -> Void
    ) {
        self.catalog = catalog
        self.store = store
        self.signer = signer
        self.layout = layout
        self.profiles = profiles
        self.uploadExpiresSeconds = uploadExpiresSeconds
        self.downloadExpiresSeconds = downloadExpiresSeconds
        self.clock = clock
        self.normalize = normalize
        self.wake = wake
        self.audit = audit
    }
}
