public import AirlockCore
internal import CSandbox
public import Logging
import Metrics
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Inspection in separate, locked-down inspector processes (docs/isolation.md): the worker's ``FileInspector`` when
/// `worker.isolation` is `process`, and `airlock scan`'s.
///
/// Each upload goes to an idle inspector as a read-only descriptor; its verdict comes back as JSON. An inspector that
/// overruns the upload's budget (`maxInspectionTime` plus ``Configuration/grace``) is killed and the upload is
/// `unscannable`, the limit named; one that dies meanwhile yields `scan_failed`, which the worker retries. Either way a
/// fresh inspector takes its place. After a signature reload (``databaseChanged()``) new inspectors load the new
/// database and old ones retire once their current upload is done.
///
/// ```swift
/// let inspector = SandboxedInspector(configuration: .init(engine: .libclamav(database: "/var/lib/clamav", limits: ScanLimits()), ...))
/// let layers = try await inspector.start()
/// let verdict = await inspector.inspect(request)
/// inspector.shutdown()
/// ```
public final class SandboxedInspector: FileInspector, Sendable {
    /// Which engine the inspectors use.
    public enum Engine: Sendable {
        case libclamav(database: String, limits: ScanLimits)
        /// clamd, reached by the worker on the inspectors' behalf (they cannot connect).
        case clamd(ClamdScanner)
    }

    public struct Configuration: Sendable {
        public var engine: Engine
        /// Inspectors started up front (`worker.concurrency`); more start when more inspections run at once.
        public var size: Int
        /// Where each inspector's private scratch directory is made.
        public var temporaryDirectory: String
        public var limits: InspectorLimits
        /// The `airlock` binary and the arguments of the inspector role.
        public var executable: String
        public var arguments: [String]
        /// An inspector is replaced after this many uploads (limits what an exploited parser can keep across uploads).
        public var recycleAfter: Int
        /// Time past the profile's `maxInspectionTime` before an inspector is killed (its own budget stops it first).
        public var grace: Duration
        /// How long an inspector may take to load its engine and lock down.
        public var startTimeout: Duration
        /// Where the inspectors' output (their stdout and stderr, a pipe each) is relayed, tagged with their pid.
        public var logger: Logger
        /// Where a root worker's per-uid lock files are (``InspectorUsers``), shared with the machine's other workers.
        public var uidLockDirectory: String?
        /// Run inspectors of this process's own user where Landlock is missing (`worker.inspector.unsafeWithoutLandlock`):
        /// unsafe, they can read its configuration and secret files (``refusal(of:workerIsRoot:)``).
        public var unsafeWithoutLandlock: Bool

        /// - Parameters:
        ///   - engine: libclamav (loaded by each inspector) or clamd.
        ///   - size: Inspectors started up front.
        ///   - temporaryDirectory: Where the pool's scratch base (0711, the inspectors' private directories inside) is made.
        public init(
            engine: Engine,
            size: Int,
            temporaryDirectory: String,
            limits: InspectorLimits = InspectorLimits(),
            executable: String = "/proc/self/exe",
            arguments: [String] = ["inspector"],
            recycleAfter: Int = 500,
            grace: Duration = .seconds(5),
            startTimeout: Duration = .seconds(300),
            logger: Logger = Logger(label: "airlock.inspector"),
            uidLockDirectory: String? = InspectorUsers.defaultLockDirectory,
            unsafeWithoutLandlock: Bool = false
        ) {
            self.engine = engine
            self.size = max(1, size)
            self.temporaryDirectory = temporaryDirectory
            self.limits = limits
            self.executable = executable
            self.arguments = arguments
            self.recycleAfter = max(1, recycleAfter)
            self.grace = grace
            self.startTimeout = startTimeout
            self.logger = logger
            self.uidLockDirectory = uidLockDirectory
            self.unsafeWithoutLandlock = unsafeWithoutLandlock
        }
    }

    private struct State {
        var idle: [InspectorProcess] = []
        /// Bumped by a signature reload: inspectors of an older generation are not handed out again.
        var generation = 0
        var layers: SandboxLayers?
        var closed = false
        var started = 0
        var killed = 0
    }

    public let configuration: Configuration
    private let state = Mutex(State())
    /// Threads that talk to inspectors (and start them: an inspector's PR_SET_PDEATHSIG follows the thread that
    /// started it, so only these long-lived threads do).
    private let pool: BlockingPool
    /// A uid per inspector when this process can change users (root) and `limits.uidCount` > 0; nil: they share one.
    public let users: InspectorUsers?
    /// `airlock-scan.<pid>.<random>` in `temporaryDirectory`, this process's, mode 0711: the inspectors' private
    /// directories are made inside (made with the first inspector, removed with the pool).
    private let scratchBase = Mutex<ScratchDirectory?>(nil)

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.pool = BlockingPool(threads: configuration.size)
        let limits = configuration.limits
        self.users =
            geteuid() == 0 && limits.uidCount > 0
            ? InspectorUsers(base: limits.uidBase, count: limits.uidCount, lockDirectory: configuration.uidLockDirectory) : nil
    }

    /// The scratch base, made now when there is none yet.
    private func base() throws(InspectionError) -> String {
        try scratchBase.withLock { base throws(InspectionError) -> String in
            if let base { return base.path }
            let made = try ScratchDirectory(in: configuration.temporaryDirectory, mode: 0o711)
            base = made
            return made.path
        }
    }

    /// Makes this process non-dumpable, so that an inspector running as the same user cannot read its memory,
    /// environment or descriptors through /proc even without Landlock (the worker calls it once; core dumps of the
    /// worker are then off too).
    public static func protectThisProcess() {
        _ = airlock_sandbox_protect_worker()
    }

    /// Starts ``Configuration/size`` inspectors and returns their lock-down layers; throws when one cannot start.
    @discardableResult
    public func start() async throws(InspectionError) -> SandboxLayers {
        // Reading the id maps and the account databases blocks (NSS may ask a directory service): on the pool.
        if let users, let problem = await pool.run({ users.mappingProblem() ?? users.accountProblem() }) {
            throw InspectionError(.engineLoad, problem)
        }
        let generation = state.withLock { $0.generation }
        let failures = await withTaskGroup(of: InspectionError?.self) { group in
            for _ in 0..<configuration.size {
                group.addTask {
                    do throws(InspectionError) {
                        try await self.pool.run { () throws(InspectionError) -> Void in self.release(try self.spawn(generation: generation)) }
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var failures: [InspectionError] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        if let failure = failures.first { throw failure }
        guard let layers else { throw InspectionError(.engineLoad, "no inspector started") }
        return layers
    }

    /// The layers the inspectors reported (nil before the first started).
    public var layers: SandboxLayers? { state.withLock { $0.layers } }

    /// Inspectors started and killed so far (metrics, tests).
    public var counts: (started: Int, killed: Int) { state.withLock { ($0.started, $0.killed) } }

    /// Pids of the idle inspectors (tests).
    public var idlePIDs: [Int32] { state.withLock { $0.idle.map(\.pid) } }

    /// The idle inspectors' pids and scratch directories (tests).
    var idleScratch: [(pid: Int32, scratch: String)] { state.withLock { $0.idle.map { ($0.pid, $0.scratch.path) } } }

    public var engineDescription: String {
        switch configuration.engine {
        case .libclamav: "libclamav \(ClamAVEngine.version) (sandboxed)"
        case .clamd(let clamd): clamd.engineDescription
        }
    }

    public func inspect(_ request: InspectionRequest) async -> Verdict {
        await pool.run { () -> Verdict in self.inspectBlocking(request) }
    }

    /// Inspects `requests` on the threads that talk to inspectors, each thread taking the next file when done with one.
    public func inspectAll(_ requests: [InspectionRequest], concurrency: Int) async -> [Verdict] {
        await pool.map(count: requests.count, lanes: concurrency) { self.inspectBlocking(requests[$0]) }
    }

    /// New inspectors load the signature database as it is now; idle old ones stop, busy ones after their upload.
    public func databaseChanged() {
        let retired = state.withLock { state -> [InspectorProcess] in
            state.generation += 1
            defer { state.idle.removeAll() }
            return state.idle
        }
        for process in retired { process.stop(kill: false) }
    }

    /// Stops every idle inspector and the threads (in-flight inspections finish first; their inspectors then stop).
    public func shutdown() {
        let idle = state.withLock { state -> [InspectorProcess] in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for process in idle { process.stop(kill: false) }
        pool.shutdown()
        // Every inspector is reaped and its directory removed: the base goes too.
        scratchBase.withLock { $0 = nil }
    }

    deinit {
        shutdown()
    }

    // MARK: - One inspection (blocking, on a pool thread)

    func inspectBlocking(_ request: InspectionRequest) -> Verdict {
        let descriptor = open(request.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return Verdict(
                reasons: [Reason(.scanFailed, "the file cannot be opened: \(String(cString: strerror(errno)))")],
                detectedType: nil,
                sha256: nil,
                size: 0
            )
        }
        defer { close(descriptor) }
        // The file's digests as the worker knows them (hashed on the download, or here): the verdict's sha256, size
        // and MD5 are always these, never what the inspector says (they become the custody hash, the stored metadata
        // and, through a reviewer's release or purge, hash-list entries).
        let known: FileDigests
        do throws(InspectionError) {
            known = try Self.digests(of: descriptor, given: request.digests, md5: request.computeMD5)
        } catch {
            return Verdict(reasons: [Reason(.scanFailed, error.message)], detectedType: nil, sha256: nil, size: 0)
        }
        var request = request
        request.digests = known
        let size = known.size
        let process: InspectorProcess
        do {
            process = try acquire()
        } catch {
            return Verdict(reasons: [Reason(.scanFailed, error.message)], detectedType: nil, sha256: known.sha256, size: size)
        }
        let limit = request.profile.inspectionTimeLimit
        let deadline = ContinuousClock.now + limit + configuration.grace
        do throws(InspectorChannel.Failure) {
            let profile = process.profileID(for: request.profile)
            if profile.new { try process.channel.send(.profile(id: profile.id, request.profile), deadline: deadline) }
            try process.channel.send(.inspect(InspectionOrder(request, profile: profile.id)), descriptor: descriptor, deadline: deadline)
            var scans = 0
            while true {
                let (report, attached) = try process.channel.receiveReport(deadline: deadline)
                switch report {
                case .verdict(let claimed):
                    if attached >= 0 { close(attached) }
                    let verdict = try Self.custody(claimed, known: known, md5: request.computeMD5)
                    // An honest inspector unlinks what it extracted; one that leaves more than a file's worth behind
                    // is filling `tempDir` (RLIMIT_FSIZE caps each file, not the total): not trusted again.
                    guard process.frozen({ process.scratch.usage(limit: configuration.limits.maxFileSize) }) != nil else {
                        throw InspectorChannel.Failure.malformed("more than \(configuration.limits.maxFileSize) bytes left in its scratch directory")
                    }
                    process.uses += 1
                    release(process)
                    return verdict
                case .scan(let name, let unpackArchives):
                    // One request per file the inspector may scan, and only a readable regular file: anything else is
                    // malformed (docs/isolation.md, "Wire format").
                    scans += 1
                    let refusal =
                        scans > Self.maxScanRequests(request.profile)
                        ? "more than \(Self.maxScanRequests(request.profile)) scan requests" : InspectorChannel.refusal(ofScanDescriptor: attached)
                    if let refusal {
                        if attached >= 0 { close(attached) }
                        throw InspectorChannel.Failure.malformed(refusal)
                    }
                    let answer = clamdScan(attached, name: name, unpackArchives: unpackArchives)
                    close(attached)
                    try process.channel.send(answer, deadline: deadline)
                case .ready:
                    if attached >= 0 { close(attached) }
                    throw InspectorChannel.Failure.malformed("a second ready message")
                }
            }
        } catch .timedOut {
            process.stop(kill: true)
            recordKill(reason: "budget")
            return Verdict(
                reasons: [Reason(.unscannable, "the inspection took longer than its \(limit) budget (the inspector process was stopped)")],
                detectedType: nil,
                sha256: known.sha256,
                size: size
            )
        } catch {
            // Crashed, or said something it should not: never trusted again.
            let exit = process.stop(kill: true)
            recordKill(reason: exit == .signal(SIGXCPU) ? "cpu" : "crash")
            if exit == .signal(SIGXCPU) {
                return Verdict(
                    reasons: [
                        Reason(.unscannable, "the inspector process reached its CPU time limit (SIGXCPU; the inspection's budget is \(limit))")
                    ],
                    detectedType: nil,
                    sha256: known.sha256,
                    size: size
                )
            }
            return Verdict(
                reasons: [Reason(.scanFailed, "the inspector process ended during the inspection (\(exit))")],
                detectedType: nil,
                sha256: known.sha256,
                size: size
            )
        }
    }

    /// The digests of the open file: `given` when its size is the file's (the worker hashed its download), else
    /// hashed here (one pass; the inspector then does not hash again; the MD5 only when `md5`, else empty).
    static func digests(of descriptor: Int32, given: FileDigests?, md5: Bool) throws(InspectionError) -> FileDigests {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw InspectionError(.io, "the file cannot be examined") }
        if let given, given.size == Int64(info.st_size) { return given }
        let hashed = try Inspector.hash(descriptor: descriptor, size: Int64(info.st_size), prefix: 0, md5: md5)
        return FileDigests(size: Int64(info.st_size), sha256: hashed.sha256, md5: hashed.md5 ?? "")
    }

    /// `claimed` with the worker's own sha256, size and MD5 (the MD5 only when the request asked for it). A verdict
    /// that names other values is malformed: an honest inspector, given the digests, reports them (or none); so is
    /// one that breaks custody's rules (``Verdict/custodyProblem``), however it was read.
    static func custody(_ claimed: Verdict, known: FileDigests, md5: Bool) throws(InspectorChannel.Failure) -> Verdict {
        if let sha256 = claimed.sha256, sha256 != known.sha256 || claimed.size != known.size {
            throw .malformed("the verdict names other bytes (sha256 or size) than the ones sent")
        }
        if let claimedMD5 = claimed.md5, claimedMD5 != known.md5 {
            throw .malformed("the verdict names another MD5 than the file's")
        }
        var verdict = claimed
        verdict.sha256 = known.sha256
        verdict.size = known.size
        verdict.md5 = md5 ? known.md5 : nil
        if let problem = verdict.custodyProblem { throw .malformed("the verdict breaks custody's rules: \(problem)") }
        return verdict
    }

    /// `airlock_inspectors_stopped_total{reason}`: budget (killed past its deadline), cpu, crash.
    private func recordKill(reason: String) {
        state.withLock { $0.killed += 1 }
        Counter(label: "airlock_inspectors_stopped_total", dimensions: [("reason", reason)]).increment()
    }

    /// Scan requests one upload may make: one per archive member and package part its budget allows, and the upload.
    static func maxScanRequests(_ profile: UploadProfile) -> Int {
        profile.archives.maxEntries + Inspector.InspectionBudget.maxParts + 1
    }

    /// clamd on an inspector's behalf.
    private func clamdScan(_ descriptor: Int32, name: String, unpackArchives: Bool) -> InspectorMessage {
        guard case .clamd(let clamd) = configuration.engine, descriptor >= 0 else {
            return .scanned(signatures: nil, error: "no clamd to scan with")
        }
        do {
            switch try clamd.scan(descriptor: descriptor, name: name, unpackArchives: unpackArchives) {
            case .clean: return .scanned(signatures: [], error: nil)
            case .detected(let names): return .scanned(signatures: names, error: nil)
            }
        } catch {
            return .scanned(signatures: nil, error: error.message)
        }
    }

    /// An idle inspector of the current generation, or a new one.
    private func acquire() throws(InspectionError) -> InspectorProcess {
        while true {
            let (found, stale, generation) = state.withLock { state -> (InspectorProcess?, [InspectorProcess], Int) in
                let stale = state.idle.filter { $0.generation != state.generation }
                state.idle.removeAll { $0.generation != state.generation }
                return (state.idle.popLast(), stale, state.generation)
            }
            for process in stale { process.stop(kill: false) }
            guard let found else { return try spawn(generation: generation) }
            if let misbehaviour = found.idleMisbehaviour() {
                stopMisbehaving(found, misbehaviour)
                continue
            }
            found.idleCPU = nil
            return found
        }
    }

    /// Kills an idle inspector that misbehaved (``InspectorProcess/idleMisbehaviour()``) and says so.
    private func stopMisbehaving(_ process: InspectorProcess, _ misbehaviour: String) {
        process.stop(kill: true)
        recordKill(reason: "idle")
        configuration.logger.warning(
            "an idle inspector was stopped: \(misbehaviour)",
            metadata: ["airlock.inspector.pid": "\(process.pid)"]
        )
    }

    private func spawn(generation: Int) throws(InspectionError) -> InspectorProcess {
        let engine: InspectorSetup.Engine
        switch configuration.engine {
        case .libclamav(let database, let limits): engine = .libclamav(database: database, limits: limits)
        case .clamd(let clamd): engine = .clamd(description: clamd.engineDescription)
        }
        let process = try InspectorProcess.start(
            executable: configuration.executable,
            arguments: configuration.arguments,
            engine: engine,
            temporaryDirectory: try base(),
            limits: configuration.limits,
            users: users,
            generation: generation,
            startTimeout: configuration.startTimeout,
            logger: configuration.logger
        )
        if !configuration.unsafeWithoutLandlock, let refusal = Self.refusal(of: process.layers, workerIsRoot: geteuid() == 0) {
            process.stop(kill: true)
            throw InspectionError(.engineLoad, refusal)
        }
        Counter(label: "airlock_inspectors_started_total").increment()
        state.withLock {
            $0.started += 1
            if $0.layers == nil { $0.layers = process.layers }
        }
        return process
    }

    /// Why inspectors with `layers` may not run, or nil. Fail closed: one that runs as the worker's own user (an
    /// unprivileged worker, or one that reports it kept its user) and has no Landlock could read whatever the worker's
    /// user can, the configuration and secret files included, and return it in a verdict's details (docs/isolation.md,
    /// "Without Landlock"). The report is the inspector's own, made before it read any upload.
    static func refusal(of layers: SandboxLayers, workerIsRoot: Bool) -> String? {
        let sharesWorkersUser = !(workerIsRoot && layers.droppedUser)
        guard sharesWorkersUser, layers.landlockABI == 0 else { return nil }
        return "the kernel has no Landlock (or the container's seccomp profile refuses it) and the inspectors would run as this "
            + "process's user, able to read its configuration and secret files: run on a kernel with Landlock (5.13 or later, "
            + "allowed by the runtime), or run the worker as root with worker.inspector.uidCount > 0 so that each inspector "
            + "has a uid of its own; worker.inspector.unsafeWithoutLandlock: true runs them anyway, UNSAFE "
            + "(docs/isolation.md, \"Without Landlock\")"
    }

    /// Back to the idle list, or stopped: recycled after ``Configuration/recycleAfter`` uploads or half its lifetime
    /// CPU (`worker.inspector.cpuSeconds`: the next upload's own CPU budget must fit below that hard limit), of an
    /// older signature generation, or the pool is closing.
    private func release(_ process: InspectorProcess) {
        let spent = process.uses > 0 && process.cpuSeconds * 2 > configuration.limits.maxCPUSeconds
        process.idleCPU = process.cpuNanoseconds
        // The other idle inspectors are looked at too (a poll and a clock read each, outside the lock): one that
        // misbehaves while it waits is stopped within an upload's time, not only when it is next taken. Only those
        // still idle when the lock is taken again are stopped (another thread may have taken one meanwhile; its own
        // check at acquire then applies).
        let suspects = state.withLock { $0.idle }.compactMap { idle in idle.idleMisbehaviour().map { (idle, $0) } }
        let (keep, misbehaving) = state.withLock { state -> (Bool, [(InspectorProcess, String)]) in
            let misbehaving = suspects.filter { suspect in state.idle.contains { $0 === suspect.0 } }
            state.idle.removeAll { idle in misbehaving.contains { $0.0 === idle } }
            guard !state.closed, !spent, process.generation == state.generation, process.uses < configuration.recycleAfter else {
                return (false, misbehaving)
            }
            state.idle.append(process)
            return (true, misbehaving)
        }
        for (idle, why) in misbehaving { stopMisbehaving(idle, why) }
        if !keep { process.stop(kill: false) }
    }
}
