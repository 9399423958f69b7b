public import AirlockCore

/// One disagreement between the buckets and the catalog (`airlock verify`).
public struct Drift: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// An object in processed without a processed upload behind it, or with bytes other than the ones that upload
        /// was judged on.
        case unverifiedProcessed = "processed_without_verdict"
        /// An object in quarantine its upload does not place there, or whose bytes differ from the recorded ones.
        case misplaced = "object_misplaced"
        /// A processed or placed quarantined upload whose object is not there.
        case missing = "object_missing"
        /// An incoming object older than `uploads.incomingRetention`.
        case staleIncoming = "incoming_past_retention"
    }

    public var kind: Kind
    public var object: ObjectRef?
    public var upload: UploadID?
    public var detail: String

    public init(_ kind: Kind, object: ObjectRef?, upload: UploadID?, detail: String) {
        self.kind = kind
        self.object = object
        self.upload = upload
        self.detail = detail
    }

    /// One JSON line.
    public var description: String {
        JSONText.object([
            ("kind", .string(kind.rawValue)), ("bucket", object.map { .string($0.bucket) } ?? .null),
            ("key", object.map { .string($0.key) } ?? .null),
            ("upload", upload.map { .string($0.rawValue) } ?? .null), ("detail", .string(detail)),
        ]).rendered
    }
}

/// Compares the buckets with the catalog and reports drift: what `airlock verify` prints and test suites assert empty
/// after their flows. Uploads a worker or reviewer holds right now are skipped (their objects are in motion).
public struct DriftCheck: Sendable {
    let layout: ObjectLayout
    let catalog: any UploadCatalog & AuditCatalog
    let store: any ObjectStore
    let clock: any WallClock
    let temporaryDirectory: String
    /// `uploads.incomingRetention`: an incoming object older than this is drift.
    let incomingRetentionMillis: Int64
    /// Hash every processed and quarantined object instead of trusting its `airlock-sha256` metadata.
    let deep: Bool
    /// Places that hold no uploads (the audit checkpoints): their objects are not drift.
    public var ignored: [BucketPrefix] = []

    public init(
        layout: ObjectLayout,
        catalog: any UploadCatalog & AuditCatalog,
        store: any ObjectStore,
        clock: any WallClock,
        temporaryDirectory: String,
        incomingRetentionMillis: Int64,
        deep: Bool
    ) {
        self.layout = layout
        self.catalog = catalog
        self.store = store
        self.clock = clock
        self.temporaryDirectory = temporaryDirectory
        self.incomingRetentionMillis = incomingRetentionMillis
        self.deep = deep
    }

    /// What was compared, and what disagreed.
    public struct Report: Sendable {
        public var objects = 0
        public var uploads = 0
        public var inMotion = 0
        public var drift: [Drift] = []
    }

    public func run() async throws -> Report {
        var report = Report()
        let now = clock.now()
        var processedKeys: Set<String> = []
        var quarantineKeys: Set<String> = []

        for object in try await listAll(layout.processed) {
            report.objects += 1
            processedKeys.insert(object.key)
            let ref = ObjectRef(bucket: layout.processed.bucket, key: object.key)
            let idText = object.key.dropFirst(layout.processed.prefix.count).split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            guard let id = UploadID(idText), let upload = try await catalog.upload(id: id) else {
                report.drift.append(Drift(.unverifiedProcessed, object: ref, upload: nil, detail: "no upload has this key"))
                continue
            }
            if isInMotion(upload, now: now) {
                report.inMotion += 1
                continue
            }
            guard upload.state == .processed, layout.processed(id, safeName: upload.safeName).key == object.key else {
                report.drift.append(Drift(.unverifiedProcessed, object: ref, upload: id, detail: "the upload is \(upload.state.rawValue)"))
                continue
            }
            // Processed means a clean verdict, or a reviewer's recorded release.
            if upload.outcome != .clean, try await !catalog.auditEntries(uploadID: id.rawValue).contains(where: { $0.action == "quarantine.release" })
            {
                report.drift.append(
                    Drift(
                        .unverifiedProcessed,
                        object: ref,
                        upload: id,
                        detail: "processed with outcome \(upload.outcome?.rawValue ?? "none") and no recorded release"
                    )
                )
                continue
            }
            guard upload.sha256 != nil else {
                report.drift.append(Drift(.unverifiedProcessed, object: ref, upload: id, detail: "processed without a recorded SHA-256"))
                continue
            }
            if let why = try await bytesDiffer(ref, from: upload) {
                report.drift.append(Drift(.unverifiedProcessed, object: ref, upload: id, detail: why))
            }
        }

        for object in try await listAll(layout.quarantine) {
            report.objects += 1
            quarantineKeys.insert(object.key)
            let ref = ObjectRef(bucket: layout.quarantine.bucket, key: object.key)
            guard let id = UploadID(String(object.key.dropFirst(layout.quarantine.prefix.count))), let upload = try await catalog.upload(id: id)
            else {
                report.drift.append(Drift(.misplaced, object: ref, upload: nil, detail: "no upload has this key"))
                continue
            }
            if isInMotion(upload, now: now) {
                report.inMotion += 1
                continue
            }
            guard upload.state == .quarantined, upload.destinationKey == object.key else {
                report.drift.append(Drift(.misplaced, object: ref, upload: id, detail: "the upload is \(upload.state.rawValue)"))
                continue
            }
            if let why = try await bytesDiffer(ref, from: upload) {
                report.drift.append(Drift(.misplaced, object: ref, upload: id, detail: why))
            }
        }

        for state in [UploadState.processed, .quarantined] {
            var after: UploadID?
            while true {
                let page = try await catalog.uploads(state: state, owner: nil, after: after, limit: 500)
                for upload in page {
                    report.uploads += 1
                    if isInMotion(upload, now: now) { continue }
                    if state == .processed {
                        let ref = layout.processed(upload.id, safeName: upload.safeName)
                        if !processedKeys.contains(ref.key) {
                            report.drift.append(Drift(.missing, object: ref, upload: upload.id, detail: "processed, but not in processed"))
                        }
                    } else if upload.destinationKey != nil {
                        let ref = layout.quarantine(upload.id)
                        if !quarantineKeys.contains(ref.key) {
                            report.drift.append(Drift(.missing, object: ref, upload: upload.id, detail: "quarantined, but not in quarantine"))
                        }
                    }
                }
                guard let last = page.last else { break }
                after = last.id
            }
        }

        for object in try await listAll(layout.incoming) {
            report.objects += 1
            if let written = Timestamp.parse(object.lastModified), written < now - incomingRetentionMillis {
                report.drift.append(
                    Drift(
                        .staleIncoming,
                        object: ObjectRef(bucket: layout.incoming.bucket, key: object.key),
                        upload: nil,
                        detail: "written \(object.lastModified), past the incoming retention"
                    )
                )
            }
        }
        return report
    }

    /// A worker or a review action holds the upload now, or a rescan is placing one that never left incoming. (A
    /// rescan of a placed upload moves nothing, so its lease hides nothing.)
    func isInMotion(_ upload: Upload, now: EpochMillis) -> Bool {
        if upload.state == .uploaded || upload.state == .inspecting { return true }
        guard let owner = upload.leaseOwner, (upload.leaseExpiresAt ?? 0) > now else { return false }
        return owner.hasPrefix("review:") || owner.hasPrefix("retention:") || upload.destinationKey == nil
    }

    /// Why the object's bytes are not the upload's recorded ones (its metadata, or with `deep` its SHA-256), or nil.
    func bytesDiffer(_ object: ObjectRef, from upload: Upload) async throws -> String? {
        guard let recorded = upload.sha256 else { return nil }
        if deep {
            guard let copy = try await PrivateCopy.fetch(object, from: store, into: temporaryDirectory) else { return "vanished while it was read" }
            guard let sha256 = copy.digests?.sha256 else { return "could not be hashed" }
            return sha256 == recorded ? nil : "holds SHA-256 \(sha256), the upload records \(recorded)"
        }
        guard let head = try await store.head(object) else { return "vanished while it was read" }
        let labelled = head.metadata["airlock-sha256"] ?? ""
        return labelled == recorded ? nil : "is labelled SHA-256 '\(labelled)', the upload records \(recorded)"
    }

    func listAll(_ place: BucketPrefix) async throws -> [ListedObjectInfo] {
        var all: [ListedObjectInfo] = []
        var after: String?
        while true {
            let page = try await store.list(bucket: place.bucket, prefix: place.prefix, startAfter: after, limit: 1000)
            all += page.objects.filter { object in !ignored.contains { $0.bucket == place.bucket && object.key.hasPrefix($0.prefix) } }
            guard page.more, let last = page.objects.last else { return all }
            after = last.key
        }
    }
}
