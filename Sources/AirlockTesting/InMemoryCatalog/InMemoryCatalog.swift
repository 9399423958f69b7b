public import AirlockCore

/// An in-memory ``Catalog`` for unit tests: every role, with the semantics of `SQLCatalog` (compare-and-set updates
/// that return whether they applied, leases, ordering, limits, unique keys). The catalog contract suite
/// (`Tests/CatalogTests/CatalogContractTests.swift`) runs the same tests on it, SQLite and PostgreSQL, so it cannot
/// drift from the real thing. Not a product: only test targets link `AirlockTesting`.
///
/// ```swift
/// let catalog = InMemoryCatalog()
/// let authenticator = APIKeyAuthenticator(catalog: catalog, clock: clock)
/// ```
public actor InMemoryCatalog: Catalog {
    var uploads: [UploadID: Upload] = [:]
    var leaders: [String: (holder: String, until: EpochMillis)] = [:]
    var auditLog: [AuditEntry] = []
    var hashList: [String: HashListEntry] = [:]
    var keys: [APIKeyRecord] = []
    var sessions: [String: ReviewSession] = [:]
    var deliveries: [String: Delivery] = [:]

    /// An event delivery and the sender's lease on it.
    struct Delivery {
        var event: EventDelivery
        var leaseOwner: String?
        var leaseExpiresAt: EpochMillis?
    }

    /// Creates an empty catalog.
    public init() {}

    /// Nothing to migrate.
    public func migrate() async throws -> Int { 0 }

    /// Uploads sorted by id, the order SQL's `ORDER BY id` gives.
    var uploadsByID: [Upload] { uploads.values.sorted { $0.id < $1.id } }

    /// Applies `change` to the upload when `condition` holds (a compare-and-set); whether it applied.
    func update(_ id: UploadID, if condition: (Upload) -> Bool, _ change: (inout Upload) -> Void) -> Bool {
        guard var upload = uploads[id], condition(upload) else { return false }
        change(&upload)
        uploads[id] = Self.stored(upload)
        return true
    }

    /// An upload as the SQL catalog reads it back: flags go through a comma-separated column (empty ones vanish).
    static func stored(_ upload: Upload) -> Upload {
        var upload = upload
        upload.flags = UploadFlag.parse(column: UploadFlag.column(upload.flags))
        return upload
    }

    /// SQL's `expiresAt < now` with NULL: false.
    static func expired(_ expiresAt: EpochMillis?, before now: EpochMillis) -> Bool {
        expiresAt.map { $0 < now } ?? false
    }
}
