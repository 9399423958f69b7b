public import AirlockCore
public import Logging
import Metrics
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// How the reconciler runs.
public struct ReconcilerConfiguration: Sendable {
    /// Unique per process (the leadership lease names it).
    public var holderID: String
    /// `worker.reconcileInterval`.
    public var interval: Duration
    /// Intents are expired this long after their URLs expire (an upload in flight at expiry may still land).
    public var expiryGraceMillis: Int64
    /// Private temp files older than this are leftovers of a crashed process.
    public var temporaryDirectory: String
    public var staleTemporaryFileMillis: Int64
    /// `uploads.processedRetention`: processed files older than this are deleted (nil keeps them).
    public var processedRetentionMillis: Int64?
    /// `uploads.quarantineRetention`: quarantined files older than this are purged (nil keeps them).
    public var quarantineRetentionMillis: Int64?
    /// Seals the audit entries retention writes (the composition root's keyed seal; plain SHA-256 by default).
    public var auditSeal: @Sendable (String, AuditEntry) throws -> String = AuditSeal.sha256

    public init(
        holderID: String,
        interval: Duration = .seconds(30),
        expiryGraceMillis: Int64 = 3_600_000,
        temporaryDirectory: String,
        staleTemporaryFileMillis: Int64 = 3_600_000,
        processedRetentionMillis: Int64? = nil,
        quarantineRetentionMillis: Int64? = nil
    ) {
        self.processedRetentionMillis = processedRetentionMillis
        self.quarantineRetentionMillis = quarantineRetentionMillis
        self.holderID = holderID
        self.interval = interval
        self.expiryGraceMillis = expiryGraceMillis
        self.temporaryDirectory = temporaryDirectory
        self.staleTemporaryFileMillis = staleTemporaryFileMillis
    }
}

/// The safety net (docs/architecture.md, "Data flow", step 3): one active at a time across processes. Each pass lists incoming
/// (objects of pending intents become `uploaded`; originals whose inspected copies were placed are deleted once no URL
/// can write them and their SHA-256 is the inspected one; objects nobody asked for, or written to a consumed key, are
/// recorded as unsolicited for the worker to quarantine), expires intents whose URLs ran out (aborting their multipart
/// uploads) and removes temp files a crashed process left.
public final class Reconciler: Service {
    let configuration: ReconcilerConfiguration
    let layout: ObjectLayout
    let catalog: any UploadCatalog & ReviewCatalog & AuditCatalog
    let store: any ObjectStore
    let clock: any WallClock
    /// Woken when work appears.
    let wake: WakeSignal
    /// Told whether listing incoming works (so readiness recovers once the store does, even with no uploads).
    let storeHealth: StoreHealth?
    let logger: Logger

    public struct PassReport: Sendable, Equatable {
        public var leader = false
        public var markedUploaded = 0
        public var unsolicited = 0
        public var expired = 0
        public var temporaryFilesRemoved = 0
        public var retired = 0
        /// Incoming originals deleted once their inspected copies were placed and no URL could write them.
        public var removedFromIncoming = 0
        /// Incoming objects whose reconciliation failed this pass (tried again next pass).
        public var failed = 0
    }

    public init(
        configuration: ReconcilerConfiguration,
        layout: ObjectLayout,
        catalog: any UploadCatalog & ReviewCatalog & AuditCatalog,
        store: any ObjectStore,
        clock: any WallClock,
        wake: WakeSignal,
        storeHealth: StoreHealth? = nil,
        logger: Logger
    ) {
        self.storeHealth = storeHealth
        self.configuration = configuration
        self.layout = layout
        self.catalog = catalog
        self.store = store
        self.clock = clock
        self.wake = wake
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await pass()
            } catch {
                logger.warning("reconciliation pass failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            let interval = configuration.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        _ = await logger.bestEffort("giving the reconciler's leadership back") {
            try await catalog.releaseLeadership(role: "reconciler", holder: configuration.holderID)
        }
    }

    /// How long a leadership claim lasts: three intervals (renewed every page of a sweep).
    var leadershipMillis: Int64 {
        3 * max(configuration.interval.components.seconds * 1000 + configuration.interval.components.attoseconds / 1_000_000_000_000_000, 1000)
    }

    /// One pass, if this process holds (or takes) the leadership lease.
    public func pass() async throws -> PassReport {
        var report = PassReport()
        let now = clock.now()
        guard try await catalog.acquireLeadership(role: "reconciler", holder: configuration.holderID, until: now + leadershipMillis, now: now) else {
            return report
        }
        report.leader = true
        try await sweepIncoming(&report)
        for upload in try await catalog.expirePending(now: clock.now() - configuration.expiryGraceMillis, limit: 1000) {
            report.expired += 1
            if let uploadID = upload.multipartUploadID {
                do {
                    try await store.abortMultipartUpload(ObjectRef(bucket: layout.incoming.bucket, key: upload.incomingKey), uploadID: uploadID)
                } catch {
                    logger.warning("aborting an expired multipart upload failed", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
                }
            }
        }
        report.temporaryFilesRemoved = removeStaleTemporaryFiles()
        report.retired = try await applyRetention()
        if report.markedUploaded + report.unsolicited > 0 { wake.signal() }
        Metrics.Counter(label: "airlock_reconciler_unsolicited_total").increment(by: report.unsolicited)
        Metrics.Counter(label: "airlock_reconciler_expired_total").increment(by: report.expired)
        return report
    }

    func sweepIncoming(_ report: inout PassReport) async throws {
        var after: String?
        while true {
            let page: (objects: [ListedObjectInfo], more: Bool)
            do {
                page = try await store.list(bucket: layout.incoming.bucket, prefix: layout.incoming.prefix, startAfter: after, limit: 1000)
                storeHealth?.succeeded()
            } catch let failure as StoreFailure {
                storeHealth?.failed(failure.description)
                throw failure
            }
            for object in page.objects {
                // One object that cannot be read or recorded does not stop the pass (expiry, retention and clean-up
                // come after the sweep): it is logged and looked at again next pass.
                do {
                    try await sweep(object, &report)
                } catch {
                    report.failed += 1
                    logger.warning("reconciling an incoming object failed", metadata: ["key": "\(object.key)", "error": "\(error)"])
                }
            }
            // A long sweep keeps the leadership (other reconcilers wait instead of sweeping beside this one).
            let now = clock.now()
            guard try await catalog.acquireLeadership(role: "reconciler", holder: configuration.holderID, until: now + leadershipMillis, now: now)
            else {
                throw CatalogError(.conflict, "the reconciler's leadership passed to another process during the sweep")
            }
            guard page.more, let last = page.objects.last else { return }
            after = last.key
        }
    }

    /// One incoming object: mark, wait, remove or record.
    func sweep(_ object: ListedObjectInfo, _ report: inout PassReport) async throws {
        let records = try await catalog.uploads(incomingKey: object.key)
        let intent = records.first { $0.originalKey == nil }
        if let intent, intent.state == .pending {
            if try await catalog.markUploaded(id: intent.id, now: clock.now()) { report.markedUploaded += 1 }
            return
        }
        // A worker has it.
        if records.contains(where: { $0.state == .uploaded || $0.state == .inspecting }) { return }
        // Uploads that ended in quarantine before their object left incoming (a rescan places it): their custody
        // SHA-256s, kept here. Without one (nothing was ever read), whatever is there is theirs.
        let unplaced = records.filter { $0.state == .quarantined && $0.destinationKey == nil && !$0.reasons.contains { $0.code == .sourceMissing } }
        let kept = Set(unplaced.compactMap(\.sha256))
        if unplaced.count > kept.count { return }
        // What workers placed from this key: an original with one of these SHA-256s is done with.
        let placed = Set(records.compactMap { $0.destinationKey != nil ? $0.sha256 : nil })
        let writableUntil = intent.map { $0.expiresAt + configuration.expiryGraceMillis }
        if !placed.isEmpty || !kept.isEmpty {
            // Nothing is judged while a URL could still write here (an upload in flight at expiry may land during the
            // grace): after that, the object can no longer change under us.
            if let writableUntil, clock.now() < writableUntil { return }
            let ref = ObjectRef(bucket: layout.incoming.bucket, key: object.key)
            guard let copy = try await PrivateCopy.fetch(ref, from: store, into: configuration.temporaryDirectory) else { return }
            guard let sha256 = copy.digests?.sha256 else { throw StoreFailure(.transient, "the download of \(ref) arrived out of order") }
            if kept.contains(sha256) { return }
            if placed.contains(sha256) {
                if try await remove(ref, as: copy.info) { report.removedFromIncoming += 1 }
                return
            }
            logger.warning("incoming holds bytes nobody inspected at a consumed key", metadata: ["key": "\(object.key)", "sha256": "\(sha256)"])
            if try await recordUnsolicited(object, sha256: sha256, writableUntil: writableUntil) { report.unsolicited += 1 }
            return
        }
        if try await recordUnsolicited(object, writableUntil: writableUntil) { report.unsolicited += 1 }
    }

    /// Deletes an incoming original that was read back and found to be bytes a worker inspected and placed (by
    /// SHA-256: no ETag or MD5 is trusted). Called only once no URL can write the key; an upload started before its URL
    /// expired could still land, so the store's own description must still be what was hashed (same ETag, size and
    /// write time) right before the delete. False when it is not (the next pass looks again).
    func remove(_ ref: ObjectRef, as read: ObjectInfo) async throws -> Bool {
        guard let head = try await store.head(ref), head.etag == read.etag, head.size == read.size, head.lastModified == read.lastModified else {
            return false
        }
        try await store.delete(ref)
        return true
    }

    /// - Parameter writableUntil: When the last URL that could write the key stops working (nil: no URL ever named it).
    /// - Parameter sha256: The object's SHA-256 when it was read: part of the record's identity (two versions with the
    ///   same ETag and write time are still told apart).
    func recordUnsolicited(_ object: ListedObjectInfo, sha256: String? = nil, writableUntil: EpochMillis? = nil) async throws -> Bool {
        // Still there? (a worker may have just moved it)
        guard try await store.head(ObjectRef(bucket: layout.incoming.bucket, key: object.key)) != nil else { return false }
        let now = clock.now()
        let name = String(object.key.split(separator: "/").last ?? "unsolicited")
        let record = Upload(
            id: UploadID.generate(at: now),
            owner: "",
            profile: "",
            filename: name,
            safeName: name,
            declaredSize: object.size,
            declaredType: "application/octet-stream",
            incomingKey: object.key,
            state: .uploaded,
            reasons: [Reason(.unsolicited, "no upload intent for '\(object.key)'")],
            originalKey: object.key,
            idempotencyKey: "unsolicited:\(object.key)@\(object.etag)@\(object.lastModified)" + (sha256.map { "@" + $0 } ?? ""),
            createdAt: now,
            expiresAt: max(now, writableUntil ?? now)
        )
        let stored = try await catalog.createUnsolicited(record)
        if stored.id == record.id {
            logger.warning("unsolicited object in incoming", metadata: ["key": "\(object.key)", "upload": "\(stored.id)"])
            return true
        }
        return false
    }

    /// Deletes processed and purges quarantined objects past their retention; each one audited as `system`.
    func applyRetention() async throws -> Int {
        var retired = 0
        let rules: [(UploadState, UploadState, Int64?, String)] = [
            (.processed, .deleted, configuration.processedRetentionMillis, "retention.delete"),
            (.quarantined, .purged, configuration.quarantineRetentionMillis, "retention.purge"),
        ]
        for (state, next, retention, action) in rules {
            guard let retention else { continue }
            for upload in try await catalog.uploads(state: state, updatedBefore: clock.now() - retention, limit: 500) {
                let bucket = state == .processed ? layout.processed.bucket : layout.quarantine.bucket
                if state == .quarantined {
                    // Like a reviewer's purge: under the upload's review lease, so a release or rescan does not race it.
                    let holder = "retention:" + configuration.holderID
                    guard try await catalog.leaseQuarantined(id: upload.id, holder: holder, until: clock.now() + 120_000, now: clock.now()) else {
                        continue
                    }
                    if let key = upload.destinationKey { try await store.delete(ObjectRef(bucket: bucket, key: key)) }
                    guard try await catalog.concludeQuarantined(id: upload.id, holder: holder, to: next, destinationKey: nil, now: clock.now()) else {
                        continue
                    }
                } else {
                    if let key = upload.destinationKey { try await store.delete(ObjectRef(bucket: bucket, key: key)) }
                    guard try await catalog.transition(id: upload.id, from: state, to: next, now: clock.now()) else { continue }
                }
                _ = try await catalog.appendAudit(
                    AuditEntry(
                        at: clock.now(),
                        actor: "system",
                        action: action,
                        uploadID: upload.id.rawValue,
                        note: "retention of \(retention / 86_400_000) days",
                        detail: JSONText.object([
                            ("key", .string(upload.destinationKey ?? "")), ("sha256", upload.sha256.map(JSONText.string) ?? .null),
                        ]).rendered
                    ),
                    seal: configuration.auditSeal
                )
                retired += 1
            }
        }
        return retired
    }

    /// Removes `airlock-object-*` and `airlock-member-*` files older than the limit.
    func removeStaleTemporaryFiles() -> Int {
        guard let directory = opendir(configuration.temporaryDirectory) else { return 0 }
        defer { closedir(directory) }
        let cutoff = clock.now() - configuration.staleTemporaryFileMillis
        var removed = 0
        while let entry = readdir(directory) {
            // Read in place up to the NUL, never as a copy of the whole `dirent`: a short last record ends before
            // `d_name`'s 256 bytes do, and copying them read into an unmapped page (a crash: see Inspection's
            // DirectoryEntry, which the tests check against a guard page).
            let name = withUnsafeMutablePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard name.hasPrefix("airlock-object-") || name.hasPrefix("airlock-member-") else { continue }
            let path = configuration.temporaryDirectory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if Int64(info.st_mtim.tv_sec) * 1000 < cutoff, unlink(path) == 0 { removed += 1 }
        }
        return removed
    }
}
