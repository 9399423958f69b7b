internal import CSandbox

#if canImport(Glibc)
import Glibc
#endif

/// The limits an inspector process runs under (`worker.inspector.*`).
public struct InspectorLimits: Sendable, Hashable, Codable {
    /// Address space beyond what is mapped once the engine is loaded (RLIMIT_AS); 0: none.
    public var memoryHeadroom: Int64
    /// Largest file it may write, archive members and libclamav's temp files (RLIMIT_FSIZE).
    public var maxFileSize: Int64
    /// Open descriptors (RLIMIT_NOFILE).
    public var maxOpenFiles: Int
    /// CPU seconds over the process's life (RLIMIT_CPU hard limit); each upload also gets its own soft limit.
    public var maxCPUSeconds: Int
    /// The user and group an inspector started as root becomes when inspectors share one (``uidCount`` 0; default
    /// nobody/nogroup). With a range, the worker sets them to the inspector's own before it starts.
    public var uid: UInt32
    public var gid: UInt32
    /// A root worker's inspectors each run as a uid (and the gid of the same number) of their own from
    /// `uidBase` ..< `uidBase + uidCount` (``InspectorUsers``); 0: all as ``uid``/``gid``.
    public var uidBase: UInt32
    public var uidCount: Int

    /// The default range: 2100000000 + 4096, in the block systemd leaves unused (between its container ranges,
    /// which end at 1879048191, and the foreign range from 2147352576), above SSSD's default ID mapping
    /// (200000..2000200000) and the subordinate ids `useradd` hands out (from 100000), below 2^31.
    public static let defaultUIDBase: UInt32 = 2_100_000_000
    public static let defaultUIDCount = 4096

    public init(
        memoryHeadroom: Int64 = 2 << 30,
        maxFileSize: Int64 = 1 << 30,
        maxOpenFiles: Int = 256,
        maxCPUSeconds: Int = 3600,
        uid: UInt32 = 65534,
        gid: UInt32 = 65534,
        uidBase: UInt32 = InspectorLimits.defaultUIDBase,
        uidCount: Int = InspectorLimits.defaultUIDCount
    ) {
        self.memoryHeadroom = memoryHeadroom
        self.maxFileSize = maxFileSize
        self.maxOpenFiles = maxOpenFiles
        self.maxCPUSeconds = maxCPUSeconds
        self.uid = uid
        self.gid = gid
        self.uidBase = uidBase
        self.uidCount = uidCount
    }
}

/// Which lock-down layers an inspector process has (its first log line and the worker's `/ready`).
public struct SandboxLayers: Sendable, Hashable, Codable, CustomStringConvertible {
    public var noNewPrivileges: Bool
    public var seccomp: Bool
    /// The Landlock ABI enforced; 0 when the kernel has none.
    public var landlockABI: Int
    public var landlockNetwork: Bool
    public var landlockScoped: Bool
    public var droppedUser: Bool
    /// It dropped to a uid no other live inspector holds (a root worker with a uid range).
    public var ownUser: Bool
    public var capabilitiesCleared: Bool
    public var rlimits: Bool
    /// Its hard RLIMIT_NPROC (threads of its uid), 0 when not set: set only with a uid of its own
    /// (``InspectorSandbox/maxThreads``).
    public var processLimit: Int = 0
    /// The environment holds only PATH, LANG and TMPDIR.
    public var cleanEnvironment: Bool

    /// `no_new_privs seccomp landlock(abi=7,net,scoped) user-per-inspector caps-cleared rlimits clean-env`; the user
    /// part is `user-per-inspector` (a uid of its own), `user-dropped user-shared` (root worker, one uid for all
    /// inspectors) or `user-shared` (an unprivileged worker: its inspectors run as its own user).
    public var description: String {
        var names: [String] = []
        if noNewPrivileges { names.append("no_new_privs") }
        if seccomp { names.append("seccomp") }
        if landlockABI > 0 {
            names.append("landlock(abi=\(landlockABI)" + (landlockNetwork ? ",net" : "") + (landlockScoped ? ",scoped" : "") + ")")
        } else {
            names.append("landlock(unavailable)")
        }
        names.append(droppedUser ? (ownUser ? "user-per-inspector" : "user-dropped user-shared") : "user-shared")
        if capabilitiesCleared { names.append("caps-cleared") }
        if rlimits { names.append(processLimit > 0 ? "rlimits(nproc=\(processLimit))" : "rlimits") }
        if cleanEnvironment { names.append("clean-env") }
        return names.joined(separator: " ")
    }
}

/// The lock-down every inspector process (and the probe) applies before it reads any upload.
enum InspectorSandbox {
    /// The only variables an inspector's environment holds.
    static func environment(scratch: String) -> [String: String] {
        ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": scratch]
    }

    /// Locks this process down (fail closed: a layer other than Landlock that cannot be applied throws).
    /// - Parameters:
    ///   - readOnly: Directories still readable afterwards (Landlock).
    ///   - scratch: The one directory it may write.
    static func lockDown(readOnly: [String], scratch: String, limits: InspectorLimits, parent: pid_t) throws(InspectionError) -> SandboxLayers {
        var status = airlock_sandbox_status()
        let paths = ([scratch] + readOnly).map { strdup($0) }
        defer { paths.forEach { free($0) } }
        var config = airlock_sandbox_config()
        config.read_write = UnsafePointer(paths[0])
        withUnsafeMutableBytes(of: &config.read_only) { slots in
            let pointers = slots.bindMemory(to: UnsafePointer<CChar>?.self)
            for index in 0..<min(pointers.count, readOnly.count) { pointers[index] = UnsafePointer(paths[index + 1]) }
        }
        config.address_space_headroom = UInt64(max(0, limits.memoryHeadroom))
        config.max_file_size = UInt64(max(0, limits.maxFileSize))
        config.max_open_files = UInt64(max(0, limits.maxOpenFiles))
        config.max_cpu_seconds = UInt64(max(0, limits.maxCPUSeconds))
        // RLIMIT_NPROC counts every task of the real uid: with a uid of its own that is this inspector alone; with a
        // shared uid it would be shared with the other inspectors (and, unprivileged, with the worker itself, whose
        // threads and inspectors it would then starve), so it is left to the host there (docs/isolation.md).
        let ownUser = geteuid() == 0 && limits.uidCount > 0
        config.max_processes = ownUser ? UInt64(Self.maxThreads) : 0
        config.uid = limits.uid
        config.gid = limits.gid
        config.parent = parent
        guard airlock_sandbox_lockdown(&config, &status) == 0 else {
            let step = status.failed_step.map { String(cString: $0) } ?? "lock-down"
            throw InspectionError(
                .engineLoad,
                "the inspector sandbox could not be applied (\(step)): \(String(cString: strerror(status.error)))",
                rawCode: status.error
            )
        }
        let environment = Set(environment(scratch: scratch).keys)
        var names: [String] = []
        var entry = environ
        while let pair = entry.pointee {
            names.append(String(String(cString: pair).prefix { $0 != "=" }))
            entry += 1
        }
        return SandboxLayers(
            noNewPrivileges: status.no_new_privs != 0,
            seccomp: status.seccomp != 0,
            landlockABI: Int(status.landlock_abi),
            landlockNetwork: status.landlock_network != 0,
            landlockScoped: status.landlock_scoped != 0,
            droppedUser: status.dropped_user != 0,
            ownUser: status.dropped_user != 0 && limits.uidCount > 0,
            capabilitiesCleared: status.capabilities_cleared != 0,
            rlimits: status.rlimits != 0,
            processLimit: status.dropped_user != 0 && limits.uidCount > 0 ? Self.maxThreads : 0,
            cleanEnvironment: Set(names).isSubset(of: environment)
        )
    }

    /// This upload's CPU seconds (soft RLIMIT_CPU above what the process used so far).
    static func limitCPU(seconds: Int64) {
        _ = airlock_sandbox_cpu_budget(UInt64(max(1, seconds)))
    }

    /// The hard RLIMIT_NPROC of an inspector with a uid of its own: its threads (an inspector runs 1 to 3 during a
    /// scan, measured in docs/isolation.md) with room to spare; one exploited upload can no longer take every pid.
    static let maxThreads = 64

    static var landlockABI: Int { Int(airlock_sandbox_landlock_abi()) }

    /// glibc's iconv modules (read-only after lock-down): the multiarch directory of Debian and Ubuntu, or the
    /// lib64/lib one of other distributions, whichever exists.
    static let characterSetModules: String? = [
        "/usr/lib/x86_64-linux-gnu/gconv", "/usr/lib/aarch64-linux-gnu/gconv", "/usr/lib64/gconv", "/usr/lib/gconv",
    ].first { access($0 + "/gconv-modules", R_OK) == 0 || access($0 + "/gconv-modules.cache", R_OK) == 0 }
}
