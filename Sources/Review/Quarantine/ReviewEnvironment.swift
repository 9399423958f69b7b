public import AirlockCore

/// What the reviewer's actions work with, whoever calls them (the JSON API, the review page, `airlock quarantine`):
/// the AirlockCore ports, the audit log, and a few settings from the composition root.
public struct ReviewEnvironment: Sendable {
    public var catalog: any Catalog
    public var store: any ObjectStore
    public var layout: ObjectLayout
    public var clock: any WallClock
    /// Presigns the short-lived GETs of quarantined (and processed) objects.
    public var downloads: DownloadSigner
    /// Appends to the audit log (sealed by the composition root).
    public var audit: @Sendable (AuditEntry) async throws -> Void
    /// Wakes this process's worker (a rescan was queued); does nothing where no worker runs.
    public var wake: @Sendable () -> Void
    /// A release needs a second, different reviewer (`review.requireSecondReviewer`).
    public var requireSecondReviewer = false
    /// Where clients reach the API (`http.publicURL`, without a trailing slash): links to analysis zips are built under
    /// it; `nil` makes them paths. Never taken from a request's Host.
    public var publicURL: String?
    /// Signs the links of analysis zips; every replica needs the same key (the composition root derives it from the
    /// store's secret). A random key by default: links then work only on the process that made them.
    public var linkKey: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()
    /// Where analysis zips are assembled (`scanner.tempDir`, else the system's).
    public var temporaryDirectory = "/tmp"
    /// Runs blocking work (file reads of analysis zips) off the cooperative pool; the composition root gives it threads.
    public var blocking: @Sendable (_ work: @escaping @Sendable () throws -> Void) async throws -> Void = { work in try work() }

    /// - Parameters:
    ///   - catalog: Uploads, leases, hash lists and the audit trail.
    ///   - store: Where the quarantined objects are.
    ///   - layout: Buckets and prefixes of incoming, processed and quarantine.
    ///   - clock: The time actions are recorded at.
    ///   - downloads: Presigns download links.
    ///   - audit: Appends a sealed audit entry.
    ///   - wake: Wakes a local worker after a rescan was queued.
    public init(
        catalog: any Catalog,
        store: any ObjectStore,
        layout: ObjectLayout,
        clock: any WallClock,
        downloads: DownloadSigner,
        audit: @escaping @Sendable (AuditEntry) async throws -> Void,
        wake: @escaping @Sendable () -> Void
    ) {
        self.catalog = catalog
        self.store = store
        self.layout = layout
        self.clock = clock
        self.downloads = downloads
        self.audit = audit
        self.wake = wake
    }
}
