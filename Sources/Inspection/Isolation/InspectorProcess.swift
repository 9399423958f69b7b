import AirlockCore
internal import CSandbox
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One inspector process as the worker holds it: its pid, its end of the channel, its private scratch directory and
/// the signature generation it loaded. Used by one inspection at a time (the pool hands it out).
final class InspectorProcess: @unchecked Sendable {
    let pid: pid_t
    let channel: InspectorChannel
    let scratch: ScratchDirectory
    /// Its own uid (a root worker with `worker.inspector.uidCount` > 0), given back once it is reaped and `scratch`
    /// removed; nil when inspectors share a user.
    let lease: InspectorUsers.Lease?
    let generation: Int
    let layers: SandboxLayers
    /// Uploads inspected so far.
    var uses = 0
    /// The profiles sent to it, each once: an order names one by its index here.
    private var profiles: [UploadProfile] = []
    /// Its CPU-time clock (user + system; nil once it is reaped, when the pid may be another process's):
    /// ``cpuSeconds`` is one clock_gettime per upload.
    private var cpuClock: clockid_t?
    private var reaped = false

    /// How it ended.
    enum Exit: Equatable, CustomStringConvertible {
        case status(Int32)
        case signal(Int32)

        var description: String {
            switch self {
            case .status(let code): "exit status \(code)"
            case .signal(let number): "signal \(number)" + (number == SIGXCPU ? " (CPU limit)" : number == SIGKILL ? " (killed)" : "")
            }
        }
    }

    /// Starts an inspector and waits until it is locked down (blocking: engine loading takes seconds).
    /// - Parameters:
    ///   - executable: The `airlock` binary (`/proc/self/exe` in the worker).
    ///   - arguments: Its arguments after the program name (`inspector`).
    ///   - temporaryDirectory: Where its private directory is made (the pool's 0711 base).
    ///   - users: Where its own uid comes from (nil: it becomes `limits.uid`, shared, when the worker is root).
    ///   - logger: Where its output (stdout and stderr, a pipe of its own) is relayed, line by line.
    static func start(
        executable: String,
        arguments: [String],
        engine: InspectorSetup.Engine,
        temporaryDirectory: String,
        limits: InspectorLimits,
        users: InspectorUsers? = nil,
        generation: Int,
        startTimeout: Duration,
        logger: Logger = Logger(label: "airlock.inspector")
    ) throws(InspectionError) -> InspectorProcess {
        let root = geteuid() == 0
        var limits = limits
        let lease = root ? try users?.claim() : nil
        if let lease {
            limits.uid = lease.uid
            limits.gid = lease.gid
        }
        // Tells the inspector (its lock-down line) whether its user is its own.
        limits.uidCount = lease == nil ? 0 : limits.uidCount
        let scratch: ScratchDirectory
        let (ours, theirs): (InspectorChannel, InspectorChannel)
        do throws(InspectionError) {
            // A root worker's inspector drops to an unprivileged user: its scratch directory must be its own.
            scratch = try ScratchDirectory(privateIn: temporaryDirectory, owner: root ? (limits.uid, limits.gid) : nil)
            do {
                (ours, theirs) = try InspectorChannel.pair()
            } catch {
                scratch.remove()
                throw InspectionError(.engineLoad, "the inspector channel cannot be made: \(error)")
            }
        } catch {
            lease?.release()
            throw error
        }
        let environment = InspectorSandbox.environment(scratch: scratch.path)
        let (pid, output, spawnError) = spawn(executable: executable, arguments: arguments, channel: theirs.descriptor, environment: environment)
        theirs.close()
        guard pid > 0 else {
            ours.close()
            dispose(scratch, lease)
            throw InspectionError(.engineLoad, "the inspector process cannot be started: \(String(cString: strerror(spawnError)))")
        }
        InspectorOutput.start(descriptor: output, pid: pid, logger: logger)
        func abandon(_ why: String) -> InspectionError {
            kill(pid, SIGKILL)
            ours.close()
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
            if result == pid { dispose(scratch, lease) }
            return InspectionError(.engineLoad, why)
        }
        do {
            try ours.send(.setup(InspectorSetup(engine: engine, scratch: scratch.path, limits: limits, parent: getpid())))
            let (answer, stray) = try ours.receiveReport(deadline: .now + startTimeout)
            if stray >= 0 { close(stray) }
            guard case .ready(let ready) = answer else { throw abandon("the inspector answered its setup with something else") }
            guard let layers = ready.layers, ready.error == nil else { throw abandon(ready.error ?? "the inspector did not lock down") }
            return InspectorProcess(pid: pid, channel: ours, scratch: scratch, lease: lease, generation: generation, layers: layers)
        } catch let error as InspectionError {
            throw error
        } catch {
            throw abandon("the inspector did not start: \(error)")
        }
    }

    /// Spawns `executable` in a session of its own with `channel` as descriptor 3 and its stdout and stderr on a new pipe.
    /// Returns the pid and the pipe's read end (for ``InspectorOutput``), or pid 0 and the errno.
    static func spawn(
        executable: String,
        arguments: [String],
        channel: Int32,
        environment: [String: String]
    ) -> (pid: pid_t, output: Int32, error: Int32) {
        var output: [Int32] = [-1, -1]
        guard airlock_sandbox_pipe(&output) == 0 else { return (0, -1, errno) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let pid = airlock_sandbox_spawn(executable, argv, envp, channel, output[1])
        let spawnError = errno
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        close(output[1])
        guard pid > 0 else {
            close(output[0])
            return (0, -1, spawnError)
        }
        return (pid, output[0], 0)
    }

    private init(
        pid: pid_t,
        channel: InspectorChannel,
        scratch: ScratchDirectory,
        lease: InspectorUsers.Lease?,
        generation: Int,
        layers: SandboxLayers
    ) {
        self.pid = pid
        self.channel = channel
        self.scratch = scratch
        self.lease = lease
        self.generation = generation
        self.layers = layers
        var clock = clockid_t()
        self.cpuClock = clock_getcpuclockid(pid, &clock) == 0 ? clock : nil
    }

    /// The id under which the inspector knows `profile`, and whether it must be sent first.
    func profileID(for profile: UploadProfile) -> (id: Int, new: Bool) {
        if let known = profiles.firstIndex(of: profile) { return (known, false) }
        profiles.append(profile)
        return (profiles.count - 1, true)
    }

    /// `body` run while the inspector is stopped (SIGSTOP, waited for; SIGCONT after): what it measures cannot change
    /// under it (attack round 5 on isolation: a directory renamed during the usage walk was missed).
    func frozen<T>(_ body: () -> T) -> T {
        guard !reaped, kill(pid, SIGSTOP) == 0 else { return body() }
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WSTOPPED | WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        defer { kill(pid, SIGCONT) }
        return body()
    }

    /// CPU time it has used, in nanoseconds (user + system), 0 when unknown.
    var cpuNanoseconds: UInt64 {
        var time = timespec()
        guard let cpuClock, clock_gettime(cpuClock, &time) == 0 else { return 0 }
        return UInt64(max(0, time.tv_sec)) * 1_000_000_000 + UInt64(max(0, time.tv_nsec))
    }

    /// Its CPU time when it went idle (``SandboxedInspector``'s pool), nil while it works.
    var idleCPU: UInt64?

    /// Why an idle inspector is not fit to take an upload, or nil: an honest one waits in a receive, using no CPU and
    /// sending nothing. One that computes while idle (outside any upload's deadline and CPU budget) or writes to its
    /// channel unasked (descriptors in flight count against its user's limit, which siblings of the same user share)
    /// is misbehaving.
    func idleMisbehaviour() -> String? {
        if let idleCPU, cpuNanoseconds &- idleCPU > Self.idleCPUAllowance {
            return "it used CPU time while idle"
        }
        var entry = pollfd(fd: channel.descriptor, events: Int16(POLLIN | POLLPRI), revents: 0)
        if poll(&entry, 1, 0) > 0 { return "it wrote to its channel while idle (poll events \(entry.revents))" }
        return nil
    }

    /// CPU an idle inspector may still use after its verdict (its own cleanup).
    static let idleCPUAllowance: UInt64 = 500_000_000

    /// CPU seconds it has used (user + system, its process CPU-time clock), 0 when unknown.
    var cpuSeconds: Int {
        var time = timespec()
        guard let cpuClock, clock_gettime(cpuClock, &time) == 0 else { return 0 }
        return time.tv_sec
    }

    /// Ends the process: SIGKILL when `kill` (a hung or misbehaving one), else the channel closes and it exits on its
    /// own (a second later it is killed anyway). Reaps it, removes its scratch directory (or quarantines what cannot be
    /// removed), then gives its uid back.
    @discardableResult
    func stop(kill killNow: Bool) -> Exit {
        if killNow { kill(pid, SIGKILL) }
        cpuClock = nil
        channel.close()
        var status: Int32 = 0
        var waited = 0
        while true {
            let result = waitpid(pid, &status, killNow ? 0 : WNOHANG)
            if result == pid { break }
            if result < 0 && errno == EINTR { continue }
            if result < 0 { return .status(-1) }
            waited += 1
            if waited == 100 { kill(pid, SIGKILL) }
            usleep(10_000)
        }
        reaped = true
        // No process of its uid is left (it could not start one: seccomp allows threads only).
        Self.dispose(scratch, lease)
        if status & 0x7F == 0 { return .status((status >> 8) & 0xFF) }
        return .signal(status & 0x7F)
    }

    /// After the inspector is reaped (or never ran): its scratch directory removed. With a uid of its own, what cannot
    /// be removed is quarantined (root's, 0700, moved aside: out of the uid's reach) and the uid given back in any
    /// case, its lock descriptor closed: a hostile tree (too deep, too many entries) must not keep a uid.
    static func dispose(_ scratch: ScratchDirectory, _ lease: InspectorUsers.Lease?) {
        guard let lease else {
            scratch.remove()
            return
        }
        scratch.removeOrQuarantine()
        lease.release()
    }

    deinit {
        if !reaped { stop(kill: true) }
    }
}
