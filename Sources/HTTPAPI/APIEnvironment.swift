public import AirlockCore
public import Review

/// What the API's routes work with: the reviewer's environment (the AirlockCore ports, the audit log), the upload
/// signer and settings, and a few closures from the composition root.
public struct APIEnvironment: Sendable {
    /// What `ReviewActions` needs; the API's own routes read the same ports through the accessors below.
    public var review: ReviewEnvironment
    public var signer: UploadSigner
    public var profiles: [String: UploadProfile]
    /// `uploads.expires`.
    public var uploadExpiresSeconds: Int
    /// `uploads.downloadExpires`.
    public var downloadExpiresSeconds: Int
    /// NFC normalization for safe names.
    public var normalize: @Sendable (String) -> String
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
    /// Browser origins allowed to call the API (`http.corsOrigins`).
    public var corsOrigins: [String] = []
    /// The review page's session lifetime (`http.sessionLifetime`).
    public var sessionLifetimeSeconds: Int = 8 * 3600

    /// - Parameters:
    ///   - review: The ports, the audit log and the review settings.
    ///   - signer: Presigns upload forms.
    ///   - profiles: The upload profiles by name.
    ///   - uploadExpiresSeconds: How long upload forms are valid.
    ///   - downloadExpiresSeconds: How long download links of processed files are valid.
    ///   - normalize: NFC normalization for safe names.
    public init(
        review: ReviewEnvironment,
        signer: UploadSigner,
        profiles: [String: UploadProfile],
        uploadExpiresSeconds: Int,
        downloadExpiresSeconds: Int,
        normalize: @escaping @Sendable (String) -> String
    ) {
        self.review = review
        self.signer = signer
        self.profiles = profiles
        self.uploadExpiresSeconds = uploadExpiresSeconds
        self.downloadExpiresSeconds = downloadExpiresSeconds
        self.normalize = normalize
    }

    public var catalog: any Catalog { review.catalog }
    public var store: any ObjectStore { review.store }
    public var layout: ObjectLayout { review.layout }
    public var clock: any WallClock { review.clock }
    public var downloads: DownloadSigner { review.downloads }
    public var audit: @Sendable (AuditEntry) async throws -> Void { review.audit }
    public var wake: @Sendable () -> Void { review.wake }
    public var publicURL: String? { review.publicURL }
}
