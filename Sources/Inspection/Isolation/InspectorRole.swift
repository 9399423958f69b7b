import AirlockCore
internal import CSandbox
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// The inspector process (`airlock inspector`, started by the worker, never by hand): it reads its setup from the
/// channel on descriptor 3, loads libmagic and the malware engine, locks itself down (``InspectorSandbox``), writes one
/// log line naming the active layers, then inspects one upload per request until the worker closes the channel.
///
/// Runs before any other thread of the process exists (Landlock binds the calling thread and those it starts later):
/// `airlock`'s `main.swift` calls it before the command line parser or Swift concurrency start.
public enum InspectorRole {
    /// The descriptor the worker's end of the channel arrives on.
    public static let channelDescriptor: Int32 = 3
    /// Distinct profiles one inspector keeps (the worker sends each once).
    static let maxProfiles = 4096

    public static func run() -> Never {
        let channel = InspectorChannel(descriptor: channelDescriptor)
        let setup: InspectorSetup
        do {
            guard case (.setup(let received), let stray) = try channel.receive() else { exitWith("the first message was not a setup", status: 2) }
            if stray >= 0 { Glibc.close(stray) }
            setup = received
        } catch {
            exitWith("no setup from the worker: \(error)", status: 2)
        }
        // The scratch directory becomes the working directory, reached by relative paths from now on: an inspector
        // that drops to another user may not be allowed to search the directories above it (a 0700 tempDir).
        guard chdir(setup.scratch) == 0 else {
            refuse(channel, "the scratch directory \(setup.scratch) cannot be entered: \(String(cString: strerror(errno)))")
        }
        let scratch = "."
        // Everything that reads files outside the scratch directory happens now, before lock-down.
        let magic: MagicDetector
        let scanner: any MalwareScanner
        var readOnly: [String] = []
        do {
            magic = try MagicDetector()
            switch setup.engine {
            case .libclamav(let database, let limits):
                scanner = try ClamAVEngine(database: database, limits: limits, temporaryDirectory: scratch)
                readOnly.append(database)
                // libclamav decodes VBA source with iconv, which loads glibc's character-set modules on first use:
                // without them every module reads "<Error decoding module data>" and signatures on macro source
                // never match (attack round 4 on isolation).
                if let modules = InspectorSandbox.characterSetModules { readOnly.append(modules) }
            case .clamd(let description):
                scanner = ChannelScanner(channel: channel, engineDescription: description)
            }
        } catch {
            refuse(channel, "the inspector could not load its engine: \(error.message)")
        }
        let layers: SandboxLayers
        do {
            layers = try InspectorSandbox.lockDown(readOnly: readOnly, scratch: setup.scratch, limits: setup.limits, parent: setup.parent)
        } catch {
            refuse(channel, error.message)
        }
        log(
            "inspector locked down: \(layers)",
            metadata: ["airlock.inspector.pid": "\(getpid())", "airlock.inspector.engine": scanner.engineDescription]
        )
        do {
            try channel.send(.ready(InspectorReady(layers: layers, engine: scanner.engineDescription, error: nil)))
        } catch {
            exit(0)
        }
        let inspector = Inspector(magic: magic, scanner: scanner, threads: 1, temporaryDirectory: scratch)
        // The profiles the worker sent, by id (each once; orders name them).
        var profiles: [Int: UploadProfile] = [:]
        while true {
            let message: InspectorMessage
            let descriptor: Int32
            do {
                (message, descriptor) = try channel.receive()
            } catch {
                exit(0)  // the worker closed the channel: retire
            }
            if case .profile(let id, let profile) = message, descriptor < 0, profiles.count < maxProfiles {
                profiles[id] = profile
                continue
            }
            guard case .inspect(let order) = message, descriptor >= 0, let profile = profiles[order.profile] else {
                exitWith("unexpected message from the worker", status: 2)
            }
            InspectorSandbox.limitCPU(seconds: profile.inspectionTimeLimit.components.seconds + 5)
            let verdict = inspector.inspectBlocking(order.request(profile: profile), descriptor: descriptor)
            Glibc.close(descriptor)
            do {
                try channel.send(.verdict(verdict))
            } catch {
                exit(0)
            }
        }
    }

    /// `airlock inspector --probe SCRATCH [--uid N --sibling DIR]`: the same lock-down, then what an exploited parser
    /// would try; one JSON line of errno names on stdout (tests assert on it). With `--uid` (started as root) it becomes
    /// uid and gid N, an inspector's own user; with `--sibling` it also tries to reach DIR, another inspector's scratch
    /// directory, and the directory above it. It only ever gives up privileges: nothing it does needs more than the
    /// user that runs it.
    public static func probe(scratch: String, uid: UInt32? = nil, siblingScratch: String? = nil) -> Never {
        // A socket made before lock-down: connect() after it must still fail.
        let early = airlock_sandbox_stream_socket(AF_INET)
        var limits = InspectorLimits()
        limits.uidCount = 0
        if let uid {
            limits.uid = uid
            limits.gid = uid
            limits.uidCount = 1
        }
        // Another process of the inspector's user (as a sibling inspector would be), dying with this one.
        let sibling = airlock_sandbox_probe_sibling(limits.uid, limits.gid)
        guard sibling > 0, chdir(scratch) == 0 else { exitWith("the probe could not prepare: \(String(cString: strerror(errno)))", status: 3) }
        let layers: SandboxLayers
        do {
            layers = try InspectorSandbox.lockDown(readOnly: [], scratch: scratch, limits: limits, parent: 0)
        } catch {
            exitWith(error.message, status: 3)
        }
        func outcome(_ result: Int32) -> JSONText { .string(result >= 0 ? "ok" : errnoName(errno)) }
        func check(_ check: airlock_sandbox_probe_check) -> JSONText {
            let error = airlock_sandbox_probe(check, sibling)
            return .string(error == 0 ? "ok" : errnoName(error))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(9).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(early, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let connectResult = outcome(connected)
        let socketResult = outcome(airlock_sandbox_stream_socket(AF_INET))
        let unixResult = outcome(airlock_sandbox_stream_socket(AF_UNIX))
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        let execResult = outcome(execve("/bin/true", argv, environ))
        let passwdResult = outcome(open("/etc/passwd", O_RDONLY))
        let scratchResult = outcome(open(scratch + "/probe", O_CREAT | O_WRONLY | O_CLOEXEC, 0o600))
        var fields: [(String, JSONText)] = []
        if let siblingScratch { fields = siblingChecks(siblingScratch) }
        let line = JSONText.object(
            fields + [
                ("layers", .string(layers.description)), ("landlockABI", .int(layers.landlockABI)), ("uid", .int(Int(getuid()))),
                ("connect", connectResult), ("socket", socketResult), ("unixSocket", unixResult), ("execve", execResult),
                ("openPasswd", passwdResult), ("writeScratch", scratchResult), ("tiocsti", check(AIRLOCK_PROBE_TIOCSTI)),
                ("prlimitSelf", check(AIRLOCK_PROBE_PRLIMIT_SELF)), ("prlimitOther", check(AIRLOCK_PROBE_PRLIMIT_OTHER)),
                ("setpriorityOther", check(AIRLOCK_PROBE_SETPRIORITY_OTHER)), ("setpriorityUser", check(AIRLOCK_PROBE_SETPRIORITY_USER)),
                ("fork", check(AIRLOCK_PROBE_FORK)), ("thread", check(AIRLOCK_PROBE_THREAD)), ("killParent", check(AIRLOCK_PROBE_KILL_PARENT)),
                ("killOther", check(AIRLOCK_PROBE_KILL_OTHER)), ("killSelf", check(AIRLOCK_PROBE_KILL_SELF)),
                ("tkillSelf", check(AIRLOCK_PROBE_TKILL_SELF)), ("setDumpable", check(AIRLOCK_PROBE_SET_DUMPABLE)),
                ("dumpable", check(AIRLOCK_PROBE_DUMPABLE)), ("shmget", check(AIRLOCK_PROBE_SHMGET)),
                ("setPdeathsig", check(AIRLOCK_PROBE_SET_PDEATHSIG)), ("setown", check(AIRLOCK_PROBE_SETOWN)),
                ("memfd", check(AIRLOCK_PROBE_MEMFD)), ("mqOpen", check(AIRLOCK_PROBE_MQ_OPEN)),
                ("chmodOwn", check(AIRLOCK_PROBE_CHMOD_OWN)), ("inotify", check(AIRLOCK_PROBE_INOTIFY)),
                ("setxattr", check(AIRLOCK_PROBE_SETXATTR)), ("pipe", check(AIRLOCK_PROBE_PIPE)),
                ("mkdirHidden", check(AIRLOCK_PROBE_MKDIR_HIDDEN)), ("createSetuid", check(AIRLOCK_PROBE_CREATE_SETUID)),
                ("whiteout", check(AIRLOCK_PROBE_WHITEOUT)), ("rtSignalSelf", check(AIRLOCK_PROBE_RT_SIGNAL_SELF)),
                ("sendOOB", check(AIRLOCK_PROBE_SEND_OOB)), ("umask", check(AIRLOCK_PROBE_UMASK)),
                ("threadOwnFiles", check(AIRLOCK_PROBE_THREAD_OWN_FILES)),
            ]
        ).rendered
        print(line)
        exit(0)
    }

    /// What a sibling inspector's scratch directory `path` (and the base above it) lets this process do: list it, watch
    /// it, stat what is in it, change its mode or times. Each "ok" or the errno's name.
    static func siblingChecks(_ path: String) -> [(String, JSONText)] {
        func outcome(_ result: Int32) -> JSONText { .string(result >= 0 ? "ok" : errnoName(errno)) }
        func list(_ directory: String) -> JSONText {
            guard let stream = opendir(directory) else { return .string(errnoName(errno)) }
            closedir(stream)
            return .string("ok")
        }
        let notify = inotify_init1(Int32(IN_CLOEXEC))
        let notifyError = errno
        func watch(_ directory: String) -> JSONText {
            guard notify >= 0 else { return .string(errnoName(notifyError)) }
            return outcome(inotify_add_watch(notify, directory, UInt32(IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE | IN_OPEN)))
        }
        let base = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        var info = stat()
        return [
            ("siblingList", list(path)), ("siblingWatch", watch(path)), ("siblingEntryStat", outcome(stat(path + "/member", &info))),
            ("siblingChmod", outcome(chmod(path, 0o777))), ("siblingTouch", outcome(utimensat(AT_FDCWD, path, nil, 0))),
            ("baseList", list(base)), ("baseWatch", watch(base)),
        ]
    }

    static func errnoName(_ code: Int32) -> String {
        switch code {
        case EPERM: "EPERM"
        case EACCES: "EACCES"
        case ENOENT: "ENOENT"
        case ECONNREFUSED: "ECONNREFUSED"
        case ENOSYS: "ENOSYS"
        case ENOTTY: "ENOTTY"
        case ESRCH: "ESRCH"
        case EINVAL: "EINVAL"
        case ENOTDIR: "ENOTDIR"
        default: "errno \(code)"
        }
    }

    private static func refuse(_ channel: InspectorChannel, _ why: String) -> Never {
        try? channel.send(.ready(InspectorReady(layers: nil, engine: "", error: why)))
        exitWith(why, status: 3)
    }

    private static func exitWith(_ why: String, status: Int32) -> Never {
        log("inspector stopped: \(why)", metadata: ["airlock.inspector.pid": "\(getpid())"])
        exit(status)
    }

    /// One line on stderr (a pipe the worker relays to its log, escaped and tagged with this pid): the inspector has no
    /// logger of its own.
    static func log(_ message: String, metadata: [String: String]) {
        var fields = [("level", JSONText.string("info")), ("message", .string(message))]
        fields += metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
        let line = JSONText.object(fields).rendered + "\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress!, $0.count - 1) }
    }
}

/// clamd for an inspector: it cannot connect, so it hands the descriptor to the worker, which scans it through clamd
/// (FILDES) and answers on the channel.
final class ChannelScanner: MalwareScanner, @unchecked Sendable {
    let channel: InspectorChannel
    let engineDescription: String

    init(channel: InspectorChannel, engineDescription: String) {
        self.channel = channel
        self.engineDescription = engineDescription
    }

    func scan(descriptor: Int32, name: String) throws(InspectionError) -> ClamAVResult {
        try scan(descriptor: descriptor, name: name, unpackArchives: true)
    }

    func scan(descriptor: Int32, name: String, unpackArchives: Bool) throws(InspectionError) -> ClamAVResult {
        do {
            try channel.send(.scan(name: name, unpackArchives: unpackArchives), descriptor: descriptor)
            let (answer, stray) = try channel.receive()
            if stray >= 0 { Glibc.close(stray) }
            guard case .scanned(let signatures, let error) = answer else { throw InspectionError(.scanFailed, "unexpected answer from the worker") }
            if let error { throw InspectionError(.scanFailed, error) }
            guard let signatures else { return .clean }
            return signatures.isEmpty ? .clean : .detected(signatures)
        } catch let error as InspectionError {
            throw error
        } catch {
            throw InspectionError(.scanFailed, "the worker did not answer a scan: \(error)")
        }
    }
}
