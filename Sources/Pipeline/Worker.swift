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
        workerID: String, concurrency: Int = 4, leaseMillis: Int64 = 300_000, maxAttempts: Int = 5, retryBaseMillis: Int64 = 2_000,
        retryMaxMillis: Int64 = 600_000, pollInterval: Duration = .seconds(2), temporaryDirectory: String, engine: String
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

/// The worker (DESIGN.md section 1, step 4): claims uploads, streams each object to a private temp file, inspects it,
/// moves it with a copy pinned to the scanned ETag, verifies the destination holds exactly the scanned bytes, deletes
/// the source, records the verdict. Every step is recorded or idempotent, so a crash anywhere is recovered by the
/// next claim; nothing is promoted without a clean verdict on the exact bytes that were scanned.
public final class Worker: Service {
    let configuration: WorkerConfiguration
    let layout: ObjectLayout
    let catalog: any Catalog
    let store: any ObjectStore
    let inspector: any FileInspector
    let profiles: [String: UploadProfile]
    let hashLists: @Sendable () async throws -> (deny: Set<String>, allow: Set<String>)
    let clock: any WallClock
    let wake: WakeSignal
    let webhooks: [Webhook]
    let logger: Logger
    private let running = Mutex(0)
    private let stopping = Atomic(false)

    public init(
        configuration: WorkerConfiguration, layout: ObjectLayout, catalog: any Catalog, store: any ObjectStore, inspector: any FileInspector,
        profiles: [String: UploadProfile], hashLists: @escaping @Sendable () async throws -> (deny: Set<String>, allow: Set<String>) = { ([], []) },
        clock: any WallClock, wake: WakeSignal = WakeSignal(), webhooks: [Webhook] = [], logger: Logger
    ) {
        self.configuration = configuration
        self.layout = layout
        self.catalog = catalog
        self.store = store
        self.inspector = inspector
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
                            claimed = try await catalog.claim(worker: configuration.workerID, limit: free, leaseMillis: configuration.leaseMillis, now: clock.now())
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
                    if claimed.count < free, let rescans = try? await catalog.claimRescans(
                        worker: configuration.workerID, limit: free - claimed.count, leaseMillis: configuration.leaseMillis, now: clock.now()
                    ) {
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
        if let released = try? await catalog.releaseLeases(worker: configuration.workerID, now: clock.now()), released > 0 {
            logger.info("gave leases back", metadata: ["count": "\(released)"])
        }
    }

    /// Claims one batch and processes it (tests and `airlock worker --once`); returns how many were claimed.
    public func processBatch(limit: Int? = nil) async throws -> Int {
        let claimed = try await catalog.claim(
            worker: configuration.workerID, limit: limit ?? configuration.concurrency, leaseMillis: configuration.leaseMillis, now: clock.now()
        )
        let rescans = try await catalog.claimRescans(worker: configuration.workerID, limit: limit ?? configuration.concurrency, leaseMillis: configuration.leaseMillis, now: clock.now())
        await withDiscardingTaskGroup { group in
            for upload in claimed { group.addTask { await self.process(upload) } }
            for upload in rescans { group.addTask { await self.rescan(upload) } }
        }
        return claimed.count + rescans.count
    }

    /// Inspects a quarantined object again (a reviewer asked): the verdict is updated, the object stays where it is;
    /// a clean result only flags the upload `rescanned_clean` for the reviewer. A failure leaves the lease to expire
    /// and the request to be retried.
    func rescan(_ upload: Upload) async {
        var logger = self.logger
        logger[metadataKey: "upload"] = "\(upload.id)"
        do {
            let file = try TemporaryFile(in: configuration.temporaryDirectory)
            let digest = StreamingDigest()
            let downloaded = try await store.download(layout.quarantine(upload.id), ifMatch: nil, to: file.descriptor, observe: digest.observer)
            let profile = profiles[upload.profile] ?? UploadProfile(name: "unsolicited", maxSize: .max, allow: [])
            let lists = try await hashLists()
            var verdict = await inspector.inspect(
                InspectionRequest(
                    path: file.path, filename: upload.filename, declaredSize: upload.originalKey == nil ? upload.declaredSize : nil,
                    declaredType: upload.originalKey == nil ? upload.declaredType : nil, declaredSHA256: upload.declaredSHA256, profile: profile,
                    denyList: lists.deny, allowList: lists.allow, exclusive: true, digests: digest.digests(size: downloaded.size)
                )
            )
            if let failure = verdict.reasons.first(where: { $0.code == .scanFailed }) {
                throw StoreFailure(.transient, "inspection failed: \(failure.detail)")
            }
            if upload.originalKey != nil {
                verdict = Verdict(
                    reasons: [Reason(.unsolicited, "no upload intent for '\(upload.originalKey ?? "")'")] + verdict.reasons, detectedType: verdict.detectedType,
                    sha256: verdict.sha256, size: downloaded.size, signatures: verdict.signatures
                )
            }
            _ = try await catalog.finishRescan(id: upload.id, worker: configuration.workerID, verdict: verdict, now: clock.now())
            logger.info("rescanned", metadata: ["outcome": "\(verdict.outcome.rawValue)"])
        } catch {
            logger.warning("rescan failed; it will be retried", metadata: ["error": "\(Self.describe(error))"])
        }
    }

    // MARK: One upload

    /// Why an attempt ends early.
    enum AttemptError: Error {
        /// The lease was lost to another worker: stop touching this upload.
        case leaseLost
        /// The source changed after it was scanned: inspect it again.
        case sourceChanged(String)
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
            try await withLeaseRenewal(upload.id) {
                if upload.attempts > configuration.maxAttempts {
                    try await giveUp(upload, why: upload.lastError ?? "inspection failed \(upload.attempts - 1) times", logger: logger)
                    return
                }
                // A source that changes under us is inspected again, a few times within one attempt.
                var current = upload
                for round in 1...3 {
                    do {
                        try await move(current, logger: logger)
                        return
                    } catch AttemptError.sourceChanged(let why) {
                        logger.warning("the object changed after it was scanned; inspecting again", metadata: ["why": "\(why)", "round": "\(round)"])
                        Metrics.Counter(label: "airlock_pipeline_source_changed_total").increment()
                        guard try await catalog.clearScan(id: current.id, worker: configuration.workerID, now: clock.now()) else { throw AttemptError.leaseLost }
                        current.scannedETag = nil
                        current.destinationKey = nil
                        current.outcome = nil
                    }
                }
                throw StoreFailure(.transient, "the object kept changing while it was inspected")
            }
        } catch AttemptError.leaseLost {
            logger.warning("lease lost to another worker")
        } catch {
            let message = Self.describe(error)
            let delay = retryDelay(attempt: upload.attempts)
            logger.warning("attempt failed; retrying later", metadata: ["attempt": "\(upload.attempts)", "error": "\(message)", "retryInMillis": "\(delay)"])
            Metrics.Counter(label: "airlock_pipeline_attempt_failures_total").increment()
            _ = try? await catalog.retryLater(id: upload.id, worker: configuration.workerID, retryAt: clock.now() + delay, error: message, now: clock.now())
        }
    }

    /// Inspect and move one upload; throws to retry.
    func move(_ upload: Upload, logger: Logger) async throws {
        let source = ObjectRef(bucket: layout.incoming.bucket, key: upload.incomingKey)
        // A scan was recorded by an earlier attempt: the move may be done or half done. (Otherwise no HEAD: the
        // download says what the object is, one request fewer per upload.)
        if let scannedETag = upload.scannedETag, let destinationKey = upload.destinationKey, let outcome = upload.outcome {
            let head = try await store.head(source)
            let destination = ObjectRef(bucket: outcome == .clean ? layout.processed.bucket : layout.quarantine.bucket, key: destinationKey)
            let placed = try await store.head(destination)
            let ours = placed.map { $0.metadata["airlock-id"] == upload.id.rawValue && $0.metadata["airlock-source-etag"] == ETagText.normalized(scannedETag) } ?? false
            if head == nil, ours {
                // The source is deleted only after the destination verified: the move is complete.
                try await finish(upload, outcome: outcome, logger: logger)
                return
            }
            if let head, ours, let placed, ETagText.normalized(head.etag) == ETagText.normalized(scannedETag), placed.size == head.size,
                ETagText.normalized(placed.etag) == ETagText.normalized(scannedETag)
            {
                // Copied and identical to the scanned version (same single-part ETag): not copied again.
                try await store.delete(source)
                try await finish(upload, outcome: outcome, logger: logger)
                return
            }
        }
        // Stream the object to a private file; what arrived (and its ETag) is what gets inspected and pinned.
        let file = try TemporaryFile(in: configuration.temporaryDirectory)
        let downloaded: ObjectInfo
        let digest = StreamingDigest()  // hashed as it arrives: the inspection does not read the whole file again
        do {
            downloaded = try await store.download(source, ifMatch: nil, to: file.descriptor, observe: digest.observer)
        } catch let failure as StoreFailure where failure.kind == .notFound {
            throw StoreFailure(.notFound, "the object is not in incoming")
        }

        // Inspect.
        let started = ContinuousClock.now
        var verdict: Verdict
        // Unsolicited objects have no profile: judged against one that allows nothing, so every finding is recorded.
        let profile = profiles[upload.profile] ?? (upload.originalKey != nil ? UploadProfile(name: "unsolicited", maxSize: .max, allow: []) : nil)
        if let profile {
            let lists = try await hashLists()
            verdict = await inspector.inspect(
                InspectionRequest(
                    path: file.path, filename: upload.filename, declaredSize: upload.declaredSize, declaredType: upload.declaredType,
                    declaredSHA256: upload.declaredSHA256, profile: profile, denyList: lists.deny, allowList: lists.allow, computeMD5: true,
                    exclusive: true, digests: digest.digests(size: downloaded.size)  // the worker's private temp file
                )
            )
        } else {
            verdict = Verdict(reasons: [Reason(.scanFailed, "profile '\(upload.profile)' is not configured")], detectedType: nil, sha256: nil, size: downloaded.size)
        }
        Metrics.Timer(label: "airlock_inspection_duration_seconds").record(duration: ContinuousClock.now - started)
        if upload.originalKey != nil {
            verdict = Verdict(
                reasons: [Reason(.unsolicited, "no upload intent for '\(upload.originalKey ?? "")'")] + verdict.reasons, detectedType: verdict.detectedType,
                sha256: verdict.sha256, size: verdict.size, signatures: verdict.signatures
            )
        }
        // The scanner failing is not a verdict about the file: retry (after maxAttempts it is quarantined as scan_failed).
        if profile != nil, let failure = verdict.reasons.first(where: { $0.code == .scanFailed }) {
            throw StoreFailure(.transient, "inspection failed: \(failure.detail)")
        }
        let clean = verdict.outcome == .clean
        let destination = clean ? layout.processed(upload.id, safeName: upload.safeName) : layout.quarantine(upload.id)
        guard try await catalog.recordScan(
            id: upload.id, worker: configuration.workerID, scan: ScanRecord(etag: downloaded.etag, verdict: verdict, destinationKey: destination.key), now: clock.now()
        ) else { throw AttemptError.leaseLost }

        // Copy pinned to the scanned version, then verify the destination holds exactly the scanned bytes.
        let metadata = movedMetadata(upload, verdict: verdict, sourceETag: downloaded.etag)
        let copied: CopyOutcome
        do {
            copied = try await store.copy(
                from: source, ifMatch: downloaded.etag, size: downloaded.size, to: destination,
                contentType: clean ? (verdict.detectedType ?? "application/octet-stream") : "application/octet-stream", metadata: metadata
            )
        } catch let failure as StoreFailure where failure.kind == .preconditionFailed || failure.kind == .notFound {
            throw AttemptError.sourceChanged("the copy precondition failed: \(failure.message)")
        }
        // The copy's own answer names the destination's ETag; a store that leaves it empty is asked with HEAD.
        let expected: String
        if copied.partSize == nil, let md5 = verdict.md5 {
            expected = md5  // computed in the inspection's single read of the file
        } else {
            expected = try await Self.expectedETag(descriptor: file.descriptor, size: downloaded.size, partSize: copied.partSize)
        }
        var placedETag = ETagText.normalized(copied.etag)
        if placedETag.isEmpty {
            let placed = try await store.head(destination)
            placedETag = placed.map { $0.size == downloaded.size ? ETagText.normalized($0.etag) : "size \($0.size)" } ?? "none"
        }
        // A store may copy a multipart object as it is, keeping its multipart ETag: that ETag names the exact
        // version that was scanned (a replaced object gets another), so it verifies too.
        let scannedETag = ETagText.normalized(downloaded.etag)
        guard placedETag == expected || (scannedETag.contains("-") && placedETag == scannedETag) else {
            // Never promote bytes that were not scanned: remove what the copy produced and inspect again.
            try await store.delete(destination)
            throw AttemptError.sourceChanged("the destination holds other bytes (ETag \(placedETag), expected \(expected))")
        }
        try await store.delete(source)
        try await finish(upload, outcome: verdict.outcome, verdict: verdict, logger: logger)
    }

    func finish(_ upload: Upload, outcome: Outcome, verdict: Verdict? = nil, logger: Logger) async throws {
        let state: UploadState = outcome == .clean ? .processed : .quarantined
        let now = clock.now()
        let recorded = verdict ?? Verdict(reasons: upload.reasons, detectedType: upload.detectedType, sha256: upload.sha256, size: upload.size ?? 0)
        let events = EventSigning.deliveries(for: upload, verdict: recorded, processed: state == .processed, webhooks: webhooks, now: now)
        guard try await catalog.finish(id: upload.id, worker: configuration.workerID, state: state, now: now, events: events) else { throw AttemptError.leaseLost }
        Metrics.Counter(label: "airlock_pipeline_outcomes_total", dimensions: [("outcome", outcome.rawValue)]).increment()
        if outcome != .clean { Metrics.Counter(label: "airlock_security_violations_total", dimensions: [("outcome", outcome.rawValue)]).increment() }
        logger.info("upload \(state.rawValue)", metadata: ["outcome": "\(outcome.rawValue)"])
    }

    /// Attempts exhausted: quarantine as `scan_failed` what is there (unscanned bytes never go to processed).
    func giveUp(_ upload: Upload, why: String, logger: Logger) async throws {
        let source = ObjectRef(bucket: layout.incoming.bucket, key: upload.incomingKey)
        let destination = layout.quarantine(upload.id)
        let verdict = Verdict(reasons: [Reason(.scanFailed, why)], detectedType: nil, sha256: nil, size: upload.size ?? 0)
        if let head = try await store.head(source) {
            guard try await catalog.recordScan(
                id: upload.id, worker: configuration.workerID, scan: ScanRecord(etag: head.etag, verdict: verdict, destinationKey: destination.key), now: clock.now()
            ) else { throw AttemptError.leaseLost }
            _ = try await store.copy(
                from: source, ifMatch: head.etag, size: head.size, to: destination, contentType: "application/octet-stream",
                metadata: movedMetadata(upload, verdict: verdict, sourceETag: head.etag)
            )
            guard let placed = try await store.head(destination), placed.size == head.size else {
                throw StoreFailure(.transient, "the quarantine copy did not arrive")
            }
            try await store.delete(source)
        }
        try await finish(upload, outcome: .failed, verdict: verdict, logger: logger)
    }

    /// The user metadata of DESIGN.md section 5 (plus the source ETag, to recognize a finished copy after a crash).
    func movedMetadata(_ upload: Upload, verdict: Verdict, sourceETag: String) -> [(name: String, value: String)] {
        var metadata: [(name: String, value: String)] = [
            ("airlock-id", upload.id.rawValue),
            ("airlock-sha256", verdict.sha256 ?? ""),
            ("airlock-outcome", verdict.outcome.rawValue),
            ("airlock-reasons", verdict.reasons.map(\.code.rawValue).joined(separator: ",")),
            ("airlock-type", verdict.detectedType ?? ""),
            ("airlock-scanned-at", Timestamp.iso8601(clock.now())),
            ("airlock-engine", configuration.engine),
            ("airlock-source-etag", ETagText.normalized(sourceETag)),
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

    /// Renews the lease every third of its length while `body` runs.
    func withLeaseRenewal<Result: Sendable>(_ id: UploadID, _ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(max(50, self.configuration.leaseMillis / 3)))
                    let now = self.clock.now()
                    guard try await self.catalog.renewLease(id: id, worker: self.configuration.workerID, until: now + self.configuration.leaseMillis, now: now) else {
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    // MARK: Helpers

    /// The ETag a store gives a copy of these bytes: their MD5, or for a copy in parts of `partSize` the MD5 of the
    /// parts' MD5s with `-N`.
    static func expectedETag(descriptor: Int32, size: Int64, partSize: Int64?) async throws -> String {
        var whole = Insecure.MD5()
        var parts: [Insecure.MD5.Digest] = []
        var part = Insecure.MD5()
        var inPart: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < size {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw StoreFailure(.transient, "reading the temporary file failed") }
            var consumed = 0
            while consumed < count {
                let take = partSize.map { min(count - consumed, Int($0 - inPart)) } ?? (count - consumed)
                buffer.withUnsafeBytes { bytes in
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[consumed..<consumed + take])
                    if partSize == nil { whole.update(bufferPointer: slice) } else { part.update(bufferPointer: slice) }
                }
                consumed += take
                inPart += Int64(take)
                if let partSize, inPart == partSize {
                    parts.append(part.finalize())
                    part = Insecure.MD5()
                    inPart = 0
                }
            }
            offset += Int64(count)
            await Task.yield()
        }
        guard partSize != nil else { return Hex.lowercase(whole.finalize()) }
        if inPart > 0 { parts.append(part.finalize()) }
        var combined = Insecure.MD5()
        for digest in parts { digest.withUnsafeBytes { combined.update(bufferPointer: $0) } }
        return Hex.lowercase(combined.finalize()) + "-\(parts.count)"
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
