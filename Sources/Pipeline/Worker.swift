public import AirlockCore
import Crypto
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How a worker runs.
public struct WorkerConfiguration: Sendable {
    /// Unique per process (leases name it).
    public var workerID: String
    /// Uploads inspected at once.
    public var concurrency: Int
    public var leaseMillis: Int64
    /// After this many attempts an upload is quarantined as `scan_failed`.
    public var maxAttempts: Int
    public var retryBaseMillis: Int64
    public var retryMaxMillis: Int64
    /// How long an idle worker sleeps before looking for work it was not woken for.
    public var pollInterval: Duration
    /// Private temp files (`scanner.tempDir`).
    public var temporaryDirectory: String
    /// Scanner and signature database, recorded on moved objects.
    public var engine: String

    public init(
        workerID: String,
        concurrency: Int = 4,
        leaseMillis: Int64 = 300_000,
        maxAttempts: Int = 5,
        retryBaseMillis: Int64 = 2_000,
        retryMaxMillis: Int64 = 600_000,
        pollInterval: Duration = .seconds(2),
        temporaryDirectory: String,
        engine: String
    ) {
        self.workerID = workerID
        self.concurrency = max(1, concurrency)
        self.leaseMillis = leaseMillis
        self.maxAttempts = max(1, maxAttempts)
        self.retryBaseMillis = retryBaseMillis
        self.retryMaxMillis = retryMaxMillis
        self.pollInterval = pollInterval
        self.temporaryDirectory = temporaryDirectory
        self.engine = engine
    }
}

/// Points in the worker's sequence where tests pause it (to race an uploader against it). Empty in production.
public struct WorkerHooks: Sendable {
    public var afterDownload: (@Sendable (Upload) async -> Void)?
    public var afterInspection: (@Sendable (Upload) async -> Void)?
    public var afterPromotion: (@Sendable (Upload) async -> Void)?

    public init(
        afterDownload: (@Sendable (Upload) async -> Void)? = nil,
        afterInspection: (@Sendable (Upload) async -> Void)? = nil,
        afterPromotion: (@Sendable (Upload) async -> Void)? = nil
    ) {
        self.afterDownload = afterDownload
        self.afterInspection = afterInspection
        self.afterPromotion = afterPromotion
    }
}

/// The worker (docs/architecture.md, "Data flow", step 4): claims uploads, streams each object to a private temp file, inspects that
/// file, records the verdict and uploads that same file to processed or quarantine. Every step is recorded or
/// idempotent, so a crash anywhere is recovered by the next claim; what is promoted is, by construction, the bytes
/// that were inspected (no ETag or MD5 is trusted for it). The original stays in incoming for the reconciler.
public final class Worker: Service {
    let configuration: WorkerConfiguration
    let layout: ObjectLayout
    let catalog: any UploadCatalog
    let store: any ObjectStore
    let inspector: any FileInspector
    let profiles: [String: UploadProfile]
    let hashLists: @Sendable () async throws -> (deny: Set<String>, allow: Set<String>)
    let clock: any WallClock
    let wake: WakeSignal
    let webhooks: [Webhook]
    let logger: Logger
    let hooks: WorkerHooks
    /// The outcome of every store read and placement (the readiness check and metric of a failing store).
    public let storeHealth: StoreHealth
    private let running = Mutex(0)
    private let stopping = Atomic(false)

    public init(
        configuration: WorkerConfiguration,
        layout: ObjectLayout,
        catalog: any UploadCatalog,
        store: any ObjectStore,
        inspector: any FileInspector,
        profiles: [String: UploadProfile],
        hashLists: @escaping @Sendable () async throws -> (deny: Set<String>, allow: Set<String>) = { ([], []) },
        clock: any WallClock,
        wake: WakeSignal = WakeSignal(),
        webhooks: [Webhook] = [],
        hooks: WorkerHooks = WorkerHooks(),
        storeHealth: StoreHealth? = nil,
        logger: Logger
    ) {
        self.hooks = hooks
        self.storeHealth = storeHealth ?? StoreHealth(clock: clock)
        self.configuration = configuration
        self.layout = layout
        self.catalog = catalog
        self.store = store
        // Every verdict, whatever inspected, passes custody's one check (docs/isolation.md, "One validator").
        self.inspector = CustodyCheckedInspector(inspector)
        self.profiles = profiles
        self.hashLists = hashLists
        self.clock = clock
        self.wake = wake
        self.webhooks = webhooks
        self.logger = logger
    }

    /// Claims and processes until cancelled or shut down gracefully; then gives its leases back.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                    let free = configuration.concurrency - running.withLock { $0 }
                    var claimed: [Upload] = []
                    if free > 0 {
                        do {
                            claimed = try await catalog.claim(
                                worker: claimToken(),
                                limit: free,
                                leaseMillis: configuration.leaseMillis,
                                now: clock.now()
                            )
                        } catch {
                            logger.warning("claiming work failed", metadata: ["error": "\(error)"])
                        }
                    }
                    // Each job counts against the concurrency until it ends, then wakes the loop.
                    func start(_ job: @escaping @Sendable () async -> Void) {
                        running.withLock { $0 += 1 }
                        group.addTask {
                            await job()
                            self.running.withLock { $0 -= 1 }
                            self.wake.signal()
                        }
                    }
                    for upload in claimed { start { await self.process(upload) } }
                    if claimed.count < free,
                        let rescans = await logger.bestEffort(
                            "claiming rescans",
                            {
                                try await catalog.claimRescans(
                                    worker: claimToken(),
                                    limit: free - claimed.count,
                                    leaseMillis: configuration.leaseMillis,
                                    now: clock.now()
                                )
                            }
                        )
                    {
                        for upload in rescans { start { await self.rescan(upload) } }
                        claimed += rescans
                    }
                    if claimed.isEmpty || claimed.count < free {
                        await wake.wait(timeout: configuration.pollInterval)
                    }
                }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.wake.signal()
        }
        if let released = await logger.bestEffort(
            "giving leases back",
            { try await catalog.releaseLeases(worker: configuration.workerID, now: clock.now()) }
        ),
            released > 0
        {
            logger.info("gave leases back", metadata: ["count": "\(released)"])
        }
    }

    /// Claims one batch and processes it (tests and `airlock worker --once`); returns how many were claimed.
    public func processBatch(limit: Int? = nil) async throws -> Int {
        let claimed = try await catalog.claim(
            worker: claimToken(),
            limit: limit ?? configuration.concurrency,
            leaseMillis: configuration.leaseMillis,
            now: clock.now()
        )
        let rescans = try await catalog.claimRescans(
            worker: claimToken(),
            limit: limit ?? configuration.concurrency,
            leaseMillis: configuration.leaseMillis,
            now: clock.now()
        )
        await withDiscardingTaskGroup { group in
            for upload in claimed { group.addTask { await self.process(upload) } }
            for upload in rescans { group.addTask { await self.rescan(upload) } }
        }
        return claimed.count + rescans.count
    }

    /// Inspects a quarantined upload again (a reviewer or operator asked): the verdict is updated and the upload stays
    /// quarantined; a clean result only flags it `rescanned_clean` for the reviewer. An upload that ended before its
    /// object reached quarantine (the store kept refusing writes) is read from incoming and placed in quarantine now,
    /// if its bytes are still the ones custody began with. A missing or replaced object ends the request with
    /// `source_missing`; a rescan that keeps failing ends with `scan_failed` after `worker.maxAttempts` claims.
    func rescan(_ upload: Upload) async {
        var logger = self.logger
        logger[metadataKey: "upload"] = "\(upload.id)"
        do {
            try await withLeaseRenewal(upload) { [self, logger] in
                if upload.rescanAttempts > configuration.maxAttempts {
                    let why = "the rescan failed \(upload.rescanAttempts - 1) times: \(upload.lastError ?? "see the workers' logs")"
                    try await endRescan(upload, adding: Reason(.scanFailed, why), logger: logger)
                    return
                }
                try await rescanOnce(upload, logger: logger)
            }
        } catch AttemptError.leaseLost {
            logger.warning("rescan lease lost")
        } catch {
            logger.warning(
                "rescan failed; it will be retried",
                metadata: ["error": "\(Self.describe(error))", "attempt": "\(upload.rescanAttempts)"]
            )
            _ = await logger.bestEffort("recording the rescan failure") {
                try await catalog.noteRescanFailure(
                    id: upload.id,
                    worker: holder(upload),
                    error: Self.describe(error),
                    retryAt: clock.now() + retryDelay(attempt: upload.rescanAttempts)
                )
            }
        }
    }

    func rescanOnce(_ upload: Upload, logger: Logger) async throws {
        let placed = upload.destinationKey != nil
        let source = placed ? layout.quarantine(upload.id) : ObjectRef(bucket: layout.incoming.bucket, key: upload.incomingKey)
        guard let copy = try await fetch(source) else {
            try await endRescan(upload, adding: Reason(.sourceMissing, "\(source) is gone"), logger: logger)
            return
        }
        guard let sha256 = copy.digests?.sha256 else { throw StoreFailure(.transient, "the download arrived out of order") }
        switch (placed, CustodyCheck.judge(custody: upload.sha256, read: sha256)) {
        case (_, .holds):
            break
        case (_, .take):
            // Nothing was ever read of it (or an older Airlock did not record it): these bytes are its custody now.
            guard try await catalog.recordCustody(id: upload.id, worker: holder(upload), sha256: sha256, size: copy.info.size, now: clock.now())
            else {
                throw AttemptError.leaseLost
            }
        case (false, .replaced):
            // Not the bytes custody began with: never placed as this upload; the reconciler records them apart.
            try await endRescan(
                upload,
                adding: Reason(.sourceMissing, "the object in incoming was replaced after Airlock took custody of sha256 \(upload.sha256 ?? "")"),
                logger: logger
            )
            return
        case (true, .replaced):
            // Quarantine holds other bytes than this upload records (only Airlock writes it): judged on nothing, so
            // nobody releases them on the strength of an old verdict.
            try await endRescan(
                upload,
                adding: Reason(
                    .unscannable,
                    "the quarantined object is not the recorded one (sha256 \(sha256), recorded \(upload.sha256 ?? "none"))"
                ),
                logger: logger
            )
            return
        }
        let profile = profiles[upload.profile] ?? UploadProfile(name: "unsolicited", maxSize: .max, allow: [])
        let lists = try await hashLists()
        var verdict = await inspector.inspect(
            InspectionRequest(
                path: copy.file.path,
                filename: upload.filename,
                declaredSize: upload.originalKey == nil ? upload.declaredSize : nil,
                declaredType: upload.originalKey == nil ? upload.declaredType : nil,
                declaredSHA256: upload.declaredSHA256,
                profile: profile,
                denyList: lists.deny,
                allowList: lists.allow,
                exclusive: true,
                digests: copy.digests
            )
        )
        if let failure = verdict.reasons.first(where: { $0.code == .scanFailed }) {
            throw StoreFailure(.transient, "inspection failed: \(failure.detail)")
        }
        if upload.originalKey != nil {
            verdict = verdict.adding(Reason(.unsolicited, "no upload intent for '\(upload.originalKey ?? "")'"))
        }
        var destinationKey: String?
        if !placed {
            // Custody now: the inspected private copy goes to quarantine; incoming's original is the reconciler's.
            let destination = layout.quarantine(upload.id)
            try await checkLease(upload)
            try await place(
                upload,
                from: copy.file.descriptor,
                size: copy.info.size,
                to: destination,
                contentType: "application/octet-stream",
                metadata: movedMetadata(upload, verdict: verdict),
                md5: copy.digests?.md5,
                sha256: verdict.sha256
            )
            destinationKey = destination.key
        }
        guard
            try await catalog.finishRescan(id: upload.id, worker: holder(upload), verdict: verdict, destinationKey: destinationKey, now: clock.now())
        else {
            throw AttemptError.leaseLost
        }
        logger.info("rescanned", metadata: ["outcome": "\(verdict.outcome.rawValue)"])
    }

    /// Ends a rescan request without a new verdict: the recorded one stays, with `reason` added (replacing an earlier
    /// reason of the same code).
    func endRescan(_ upload: Upload, adding reason: Reason, logger: Logger) async throws {
        let verdict = Verdict(
            reasons: upload.reasons.filter { $0.code != reason.code } + [reason],
            detectedType: upload.detectedType,
            sha256: upload.sha256,
            size: upload.size ?? 0
        )
        guard try await catalog.finishRescan(id: upload.id, worker: holder(upload), verdict: verdict, destinationKey: nil, now: clock.now()) else {
            throw AttemptError.leaseLost
        }
        if reason.code == .sourceMissing { Metrics.Counter(label: "airlock_pipeline_source_missing_total").increment() }
        logger.error("the rescan ended without a new verdict", metadata: ["reason": "\(reason.code.rawValue)", "detail": "\(reason.detail)"])
    }

    // MARK: One upload

    /// Why an attempt ends early.
    enum AttemptError: Error {
        /// The lease was lost to another worker: stop touching this upload.
        case leaseLost
    }

    func process(_ upload: Upload) async {
        var logger = self.logger
        logger[metadataKey: "upload"] = "\(upload.id)"
        if upload.attempts > 1 && upload.lastError == nil {
            // Claimed again without a recorded failure: the previous holder's lease ran out (a crash or a stall).
            Metrics.Counter(label: "airlock_lease_reclaims_total").increment()
            logger.info("resuming an upload whose lease expired", metadata: ["attempt": "\(upload.attempts)"])
        }
        do {
            try await withLeaseRenewal(upload) { [self, logger] in
                // An earlier attempt may have placed the object and stopped before recording it. (At the end of the
                // road a store that cannot even answer HEAD does not keep the upload going.)
                let plan = AttemptPlan.plan(attempt: upload.attempts, maxAttempts: configuration.maxAttempts)
                if plan == .endUnplaced {
                    if await logger.bestEffort("looking for an earlier attempt's placed copy", { try await finishIfPlaced(upload, logger: logger) })
                        == true
                    {
                        return
                    }
                } else if try await finishIfPlaced(upload, logger: logger) {
                    return
                }
                switch plan {
                case .inspect:
                    try await move(upload, logger: logger)
                case .quarantineUninspected:
                    try await giveUp(upload, why: upload.lastError ?? "inspection failed \(upload.attempts - 1) times", logger: logger)
                case .endUnplaced:
                    // Even quarantining failed (the store refuses writes): end here, visibly; `airlock quarantine
                    // rescan` (or the review API's rescan) places the object once the store works again.
                    try await endUnplaced(upload, why: upload.lastError ?? "the store refused every write", logger: logger)
                }
            }
        } catch AttemptError.leaseLost {
            logger.warning("lease lost to another worker")
        } catch {
            let message = Self.describe(error)
            let delay = retryDelay(attempt: upload.attempts)
            logger.warning(
                "attempt failed; retrying later",
                metadata: ["attempt": "\(upload.attempts)", "error": "\(message)", "retryInMillis": "\(delay)"]
            )
            Metrics.Counter(label: "airlock_pipeline_attempt_failures_total").increment()
            // When even this fails, the lease runs out and another claim retries the upload.
            _ = await logger.bestEffort("scheduling the retry") {
                try await catalog.retryLater(id: upload.id, worker: holder(upload), retryAt: clock.now() + delay, error: message, now: clock.now())
            }
        }
    }

    /// Takes custody of one upload and places it; throws to retry.
    ///
    /// Custody by construction (docs/architecture.md): the object is streamed once into a private temp file, that file
    /// is inspected, and that same file is uploaded to processed or quarantine. No ETag, MD5 or copy precondition is
    /// trusted: whatever the uploader writes to incoming afterwards is never what gets promoted. The original in
    /// incoming is left for the reconciler, which deletes it only once no URL can write it any more and only if its
    /// SHA-256 is the inspected one (anything else there becomes a recorded `unsolicited` upload).
    func move(_ upload: Upload, logger: Logger) async throws {
        guard let copy = try await takeCustody(upload, logger: logger) else { return }
        await hooks.afterDownload?(upload)

        // Inspect.
        let started = ContinuousClock.now
        var verdict: Verdict
        // Unsolicited objects have no profile: judged against one that allows nothing, so every finding is recorded.
        let profile = profiles[upload.profile] ?? (upload.originalKey != nil ? UploadProfile(name: "unsolicited", maxSize: .max, allow: []) : nil)
        let digests = copy.digests  // hashed as it arrived: the inspection does not read the whole file again
        if let profile {
            let lists = try await hashLists()
            verdict = await inspector.inspect(
                InspectionRequest(
                    path: copy.file.path,
                    filename: upload.filename,
                    declaredSize: upload.declaredSize,
                    declaredType: upload.declaredType,
                    declaredSHA256: upload.declaredSHA256,
                    profile: profile,
                    denyList: lists.deny,
                    allowList: lists.allow,
                    computeMD5: digests == nil,
                    exclusive: true,
                    digests: digests  // the worker's private temp file
                )
            )
        } else {
            verdict = Verdict(
                reasons: [Reason(.scanFailed, "profile '\(upload.profile)' is not configured")],
                detectedType: nil,
                sha256: copy.digests?.sha256,
                size: copy.info.size
            )
        }
        Metrics.Timer(label: "airlock_inspection_duration_seconds").record(duration: ContinuousClock.now - started)
        if upload.originalKey != nil {
            verdict = verdict.adding(Reason(.unsolicited, "no upload intent for '\(upload.originalKey ?? "")'"), first: true)
        }
        // The scanner failing is not a verdict about the file: retry (after maxAttempts it is quarantined as scan_failed),
        // holding the next attempt to the same bytes.
        if profile != nil, let failure = verdict.reasons.first(where: { $0.code == .scanFailed }) {
            try await recordCustody(upload, copy)
            throw StoreFailure(.transient, "inspection failed: \(failure.detail)")
        }
        await hooks.afterInspection?(upload)
        let clean = verdict.outcome == .clean
        let destination = clean ? layout.processed(upload.id, safeName: upload.safeName) : layout.quarantine(upload.id)
        guard
            try await catalog.recordScan(
                id: upload.id,
                worker: holder(upload),
                scan: ScanRecord(etag: copy.info.etag, verdict: verdict, destinationKey: destination.key),
                now: clock.now()
            )
        else { throw AttemptError.leaseLost }

        // Place the inspected copy itself. Content-MD5 (and the SHA-256 where the store verifies checksums) make the
        // store refuse anything but these bytes.
        try await place(
            upload,
            from: copy.file.descriptor,
            size: copy.info.size,
            to: destination,
            contentType: clean ? (verdict.detectedType ?? "application/octet-stream") : "application/octet-stream",
            metadata: movedMetadata(upload, verdict: verdict),
            md5: digests?.md5 ?? verdict.md5,
            sha256: verdict.sha256
        )
        await hooks.afterPromotion?(upload)
        try await finish(upload, outcome: verdict.outcome, verdict: verdict, logger: logger)
    }

    /// Whether an earlier attempt recorded a scan and placed the object: only Airlock writes processed and quarantine,
    /// so an object there carrying this upload's id and recorded SHA-256 is that attempt's inspected copy. Finishes the
    /// upload when it is.
    func finishIfPlaced(_ upload: Upload, logger: Logger) async throws -> Bool {
        guard let destinationKey = upload.destinationKey, let outcome = upload.outcome, let sha256 = upload.sha256 else { return false }
        let destination = ObjectRef(bucket: outcome == .clean ? layout.processed.bucket : layout.quarantine.bucket, key: destinationKey)
        guard let placed = try await store.head(destination), placed.metadata["airlock-id"] == upload.id.rawValue,
            placed.metadata["airlock-sha256"] == sha256
        else { return false }
        try await finish(upload, outcome: outcome, logger: logger)
        return true
    }

    /// Streams the upload's object into a private copy and holds it to custody: the first complete download's SHA-256
    /// is recorded (with the scan, or on failure); every later attempt must read the same bytes. Bytes written after custody began are not this
    /// upload: it ends (`source_missing`, the replacement left in incoming for the reconciler to record as
    /// unsolicited). Returns nil when the upload ended.
    func takeCustody(_ upload: Upload, logger: Logger) async throws -> PrivateCopy? {
        guard let copy = try await fetch(ObjectRef(bucket: layout.incoming.bucket, key: upload.incomingKey)) else {
            try await endMissing(upload, logger: logger)
            return nil
        }
        guard let sha256 = copy.digests?.sha256 else { throw StoreFailure(.transient, "the download arrived out of order") }
        switch CustodyCheck.judge(custody: upload.sha256, read: sha256) {
        case .take, .holds:
            // A first custody is recorded with the scan (one statement fewer per upload), or by `recordCustody` when
            // the attempt fails before it gets there.
            break
        case .replaced:
            try await endReplaced(upload, custody: upload.sha256 ?? "", found: sha256, logger: logger)
            return nil
        }
        return copy
    }

    /// Records the copy's SHA-256 as the upload's custody, unless it already has one.
    func recordCustody(_ upload: Upload, _ copy: PrivateCopy) async throws {
        guard upload.sha256 == nil, let sha256 = copy.digests?.sha256 else { return }
        guard try await catalog.recordCustody(id: upload.id, worker: holder(upload), sha256: sha256, size: copy.info.size, now: clock.now()) else {
            throw AttemptError.leaseLost
        }
    }

    /// The bytes at the key are not the ones custody began with: the upload ends `expired` (`source_missing`; its
    /// bytes are gone), and what is there now is recorded by the reconciler as unsolicited, never promoted.
    func endReplaced(_ upload: Upload, custody: String, found: String, logger: Logger) async throws {
        let verdict = Verdict(
            reasons: [
                Reason(
                    .sourceMissing,
                    "the object was replaced after Airlock took custody of sha256 \(custody); sha256 \(found) is recorded apart as unsolicited"
                )
            ],
            detectedType: nil,
            sha256: custody,
            size: upload.size ?? 0
        )
        guard try await catalog.end(id: upload.id, worker: holder(upload), state: .expired, verdict: verdict, now: clock.now()) else {
            throw AttemptError.leaseLost
        }
        Metrics.Counter(label: "airlock_pipeline_source_replaced_total").increment()
        Metrics.Counter(label: "airlock_security_violations_total", dimensions: [("outcome", "replaced")]).increment()
        logger.error(
            "the object was replaced after custody began: the upload ends; the replacement will be recorded as unsolicited",
            metadata: ["found": "\(found)"]
        )
    }

    func finish(_ upload: Upload, outcome: Outcome, verdict: Verdict? = nil, logger: Logger) async throws {
        let state: UploadState = outcome == .clean ? .processed : .quarantined
        let now = clock.now()
        let recorded = verdict ?? Verdict(reasons: upload.reasons, detectedType: upload.detectedType, sha256: upload.sha256, size: upload.size ?? 0)
        let events = EventSigning.deliveries(for: upload, verdict: recorded, processed: state == .processed, webhooks: webhooks, now: now)
        guard try await catalog.finish(id: upload.id, worker: holder(upload), state: state, now: now, events: events) else {
            throw AttemptError.leaseLost
        }
        Metrics.Counter(label: "airlock_pipeline_outcomes_total", dimensions: [("outcome", outcome.rawValue)]).increment()
        if outcome != .clean { Metrics.Counter(label: "airlock_security_violations_total", dimensions: [("outcome", outcome.rawValue)]).increment() }
        logger.info("upload \(state.rawValue)", metadata: ["outcome": "\(outcome.rawValue)"])
    }

    /// The object is not in incoming (a lifecycle rule or an operator removed it): the upload ends `expired` with the
    /// reason `source_missing`. Nothing was inspected, so nothing is placed.
    func endMissing(_ upload: Upload, logger: Logger) async throws {
        let verdict = Verdict(
            reasons: [Reason(.sourceMissing, "\(layout.incoming.bucket)/\(upload.incomingKey) is gone")],
            detectedType: nil,
            sha256: nil,
            size: 0
        )
        guard try await catalog.end(id: upload.id, worker: holder(upload), state: .expired, verdict: verdict, now: clock.now()) else {
            throw AttemptError.leaseLost
        }
        Metrics.Counter(label: "airlock_pipeline_source_missing_total").increment()
        Metrics.Counter(label: "airlock_pipeline_outcomes_total", dimensions: [("outcome", Outcome.failed.rawValue)]).increment()
        logger.error("the object vanished from incoming before it was inspected", metadata: ["key": "\(upload.incomingKey)"])
    }

    /// Attempts exhausted: quarantine as `scan_failed` a private copy of what is there (unscanned bytes never go to
    /// processed; a reviewer decides).
    func giveUp(_ upload: Upload, why: String, logger: Logger) async throws {
        let destination = layout.quarantine(upload.id)
        guard let copy = try await takeCustody(upload, logger: logger) else { return }
        guard let digests = copy.digests else { throw StoreFailure(.transient, "the download arrived out of order") }
        let verdict = Verdict(reasons: [Reason(.scanFailed, why)], detectedType: nil, sha256: digests.sha256, size: copy.info.size)
        guard
            try await catalog.recordScan(
                id: upload.id,
                worker: holder(upload),
                scan: ScanRecord(etag: copy.info.etag, verdict: verdict, destinationKey: destination.key),
                now: clock.now()
            )
        else { throw AttemptError.leaseLost }
        try await place(
            upload,
            from: copy.file.descriptor,
            size: copy.info.size,
            to: destination,
            contentType: "application/octet-stream",
            metadata: movedMetadata(upload, verdict: verdict),
            md5: digests.md5,
            sha256: digests.sha256
        )
        try await finish(upload, outcome: .failed, verdict: verdict, logger: logger)
    }

    /// Even the quarantine copy failed: the upload ends `quarantined` (`scan_failed`) with its object still in incoming,
    /// so reviewers and operators see it; a rescan places it.
    func endUnplaced(_ upload: Upload, why: String, logger: Logger) async throws {
        let verdict = Verdict(
            reasons: [Reason(.scanFailed, "not moved out of incoming: \(why)")],
            detectedType: nil,
            sha256: nil,
            size: upload.size ?? 0
        )
        guard try await catalog.end(id: upload.id, worker: holder(upload), state: .quarantined, verdict: verdict, now: clock.now()) else {
            throw AttemptError.leaseLost
        }
        Metrics.Counter(label: "airlock_pipeline_outcomes_total", dimensions: [("outcome", Outcome.failed.rawValue)]).increment()
        Metrics.Counter(label: "airlock_pipeline_unplaced_total").increment()
        logger.error("the upload ended in quarantine with its object still in incoming: the store refused every write", metadata: ["why": "\(why)"])
    }

    /// Streams an object into a private copy (nil when it does not exist), recording the outcome for ``storeHealth``.
    func fetch(_ object: ObjectRef) async throws -> PrivateCopy? {
        do {
            let copy = try await PrivateCopy.fetch(object, from: store, into: configuration.temporaryDirectory)
            storeHealth.succeeded()
            return copy
        } catch let failure as StoreFailure {
            storeHealth.failed(failure.description)
            throw failure
        }
    }

    /// Uploads a private copy to its destination, recording the outcome for ``storeHealth``. Callers hold the lease as
    /// of a compare-and-set just before (the scan's record, or ``checkLease(_:)``): an attempt that lost it does not
    /// write.
    func place(
        _ upload: Upload,
        from descriptor: Int32,
        size: Int64,
        to destination: ObjectRef,
        contentType: String?,
        metadata: [(name: String, value: String)],
        md5: String?,
        sha256: String?
    ) async throws {
        do {
            try await store.upload(
                from: descriptor,
                size: size,
                to: destination,
                contentType: contentType,
                metadata: metadata,
                md5: md5,
                sha256: sha256
            )
            storeHealth.succeeded()
        } catch let failure as StoreFailure {
            storeHealth.failed(failure.description)
            throw failure
        }
    }

    /// Renews the lease now, or throws ``AttemptError/leaseLost``.
    func checkLease(_ upload: Upload) async throws {
        let now = clock.now()
        guard try await catalog.renewLease(id: upload.id, worker: holder(upload), until: now + configuration.leaseMillis, now: now) else {
            throw AttemptError.leaseLost
        }
    }

    /// The user metadata of docs/architecture.md, "Object layout" (the id and SHA-256 also let a later attempt recognize its own upload).
    func movedMetadata(_ upload: Upload, verdict: Verdict) -> [(name: String, value: String)] {
        var metadata: [(name: String, value: String)] = [
            ("airlock-id", upload.id.rawValue),
            ("airlock-sha256", verdict.sha256 ?? ""),
            ("airlock-outcome", verdict.outcome.rawValue),
            ("airlock-reasons", verdict.reasons.map(\.code.rawValue).joined(separator: ",")),
            ("airlock-type", verdict.detectedType ?? ""),
            ("airlock-scanned-at", Timestamp.iso8601(clock.now())),
            ("airlock-engine", configuration.engine),
        ]
        if let original = upload.originalKey { metadata.append(("airlock-original-key", Self.percentEncoded(original))) }
        return metadata
    }

    func retryDelay(attempt: Int) -> Int64 {
        Self.retryDelay(attempt: attempt, baseMillis: configuration.retryBaseMillis, maxMillis: configuration.retryMaxMillis)
    }

    /// Exponential backoff with jitter: between half and all of `base << (attempt - 1)`, capped at `maxMillis`. A zero
    /// base is no delay at all.
    static func retryDelay(attempt: Int, baseMillis: Int64, maxMillis: Int64) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 20)
        let base = min(maxMillis, baseMillis << Int64(exponent))
        return base / 2 + Int64.random(in: 0...base / 2)
    }

    /// Runs `body` while renewing the lease every third of its length. A renewal that fails (the database blinked) is
    /// tried again at the next tick; a lease another worker took cancels `body` (its store writes stop) and throws
    /// ``AttemptError/leaseLost``.
    func withLeaseRenewal(_ upload: Upload, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let id = upload.id
        let holder = holder(upload)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(max(50, self.configuration.leaseMillis / 3)))
                    let now = self.clock.now()
                    do {
                        if try await !self.catalog.renewLease(id: id, worker: holder, until: now + self.configuration.leaseMillis, now: now) {
                            return false
                        }
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        self.logger.warning("renewing a lease failed; trying again", metadata: ["upload": "\(id)", "error": "\(error)"])
                    }
                }
            }
            defer { group.cancelAll() }
            guard let finished = try await group.next(), finished else { throw AttemptError.leaseLost }
        }
    }

    // MARK: Helpers

    /// The lease holder of one claim: this worker and a fresh nonce, so that a later claim of the same upload by this
    /// very process (after its lease ran out) holds it apart from the attempt that lost it; that one's compare-and-sets
    /// and renewals fail. ``Catalog/releaseLeases(worker:now:)`` gives back every claim of the worker at once.
    func claimToken() -> String {
        configuration.workerID + "#" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Who holds the upload's lease for this attempt (the claim's token).
    func holder(_ upload: Upload) -> String {
        upload.leaseOwner ?? configuration.workerID
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let failure as StoreFailure: failure.description
        case let local as StoreFailureBox: local.message
        case let catalog as CatalogError: catalog.description
        default: String(describing: error)
        }
    }

    /// RFC 3986 unreserved characters kept, everything else %XX (metadata values must be ASCII).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
