import AirlockCore
import Catalog
import Configuration
import Crypto
import Review

/// The reviewer's environment, as `airlock serve` and `airlock quarantine` both build it.
enum ReviewRuntime {
    /// The ports, the download signer, the audit log, `review.requireSecondReviewer`, and the key that signs
    /// analysis-zip links.
    static func environment(
        config: ConfigReader,
        catalog: SQLCatalog,
        clients: StoreClients,
        layout: ObjectLayout,
        wake: @escaping @Sendable () -> Void
    ) throws(AirlockError) -> ReviewEnvironment {
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let auditLog = AuditLog(catalog: catalog, keyring: try AuditKeyring(reader: config.scoped(to: "audit")))
        var environment = ReviewEnvironment(
            catalog: catalog,
            store: S3ObjectStore(client: clients.s3),
            layout: layout,
            clock: SystemWallClock(),
            downloads: DownloadSigner(presigner: clients.publicPresigner),
            audit: { entry in try await auditLog.append(entry) },
            wake: wake
        )
        environment.requireSecondReviewer = try config.scoped(to: "review").boolean("requireSecondReviewer", in: "review", default: false)
        // Every replica shares the store's secret, so links to analysis zips made by one are valid on all (a derived key:
        // the secret itself signs nothing but store requests).
        if let secret = store.secretAccessKey {
            let derived = HMAC<SHA256>.authenticationCode(
                for: Array("airlock analysis-zip links v1".utf8),
                using: SymmetricKey(data: Array(secret.utf8))
            )
            environment.linkKey = Array(derived)
        }
        return environment
    }
}
