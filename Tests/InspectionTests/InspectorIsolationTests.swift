import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

/// Inspection in locked-down inspector processes (docs/isolation.md): what an inspector cannot reach, what its
/// environment holds, and that a killed, hung or over-budget inspector never costs an upload its verdict.
@Suite(.serialized)
struct InspectorIsolationTests {
    static let profile = UploadProfile(
        name: "isolation",
        maxSize: 1 << 30,
        allow: [
            .init(extensions: ["bin"], types: ["application/octet-stream"]), .init(extensions: ["txt"], types: ["text/plain"]),
            .init(extensions: ["zip"], types: ["application/zip"]),
        ],
        archives: .init(allowed: true, maxEntries: 1000, maxTotalSize: 256 << 20, maxDepth: 3),
        inspectionTimeLimit: .seconds(30)
    )
    static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)

    /// Random bytes (slow enough to hash and scan that an inspector can be caught mid-scan), EICAR at the end.
    static func largeInfectedFile(in directory: String, megabytes: Int = 96) throws -> String {
        let path = directory + "/large-\(UUID().uuidString).bin"
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: megabytes << 20)
        bytes.withUnsafeMutableBytes { buffer in
            let words = buffer.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
        }
        bytes += eicar
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-isolation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    struct Probe: Decodable {
        var layers: String
        var landlockABI: Int
        var uid: Int
        var connect: String
        var socket: String
        var unixSocket: String
        var execve: String
        var openPasswd: String
        var writeScratch: String
        var tiocsti: String
        var prlimitSelf: String
        var prlimitOther: String
        var setpriorityOther: String
        var setpriorityUser: String
        var fork: String
        var thread: String
        var killParent: String
        var killOther: String
        var killSelf: String
        var tkillSelf: String
        var setDumpable: String
        var dumpable: String
        var shmget: String
        var setPdeathsig: String
        var setown: String
        var memfd: String
        var mqOpen: String
        var chmodOwn: String
        var inotify: String
        var setxattr: String
        var pipe: String
        var mkdirHidden: String
        var createSetuid: String
        var whiteout: String
        var rtSignalSelf: String
        var sendOOB: String
        var umask: String
        var threadOwnFiles: String
    }

    @Test func aLockedDownInspectorCannotConnectExecOrReadOutsideItsScratch() async throws {
        let probe = try await Self.probe()
        #expect(probe.connect == "EPERM", "connect() to 127.0.0.1: \(probe.connect)")
        #expect(probe.socket == "EPERM" && probe.unixSocket == "EPERM", "socket(): \(probe.socket), \(probe.unixSocket)")
        #expect(probe.execve == "EPERM", "execve(): \(probe.execve)")
        #expect(probe.writeScratch == "ok", "its scratch directory stays writable: \(probe.writeScratch)")
        #expect(probe.layers.contains("seccomp") && probe.layers.contains("no_new_privs"), "\(probe.layers)")
        if geteuid() == 0 { #expect(probe.uid == 65534, "started as root, it runs as nobody") }
        // Landlock where the kernel has it (this machine kind: ABI 7).
        let kernelHasLandlock =
            FileManager.default.fileExists(atPath: "/sys/kernel/security/lsm")
            && ((try? String(contentsOfFile: "/sys/kernel/security/lsm", encoding: .utf8)) ?? "").contains("landlock")
        if kernelHasLandlock || probe.landlockABI > 0 {
            #expect(probe.landlockABI > 0, "the kernel lists Landlock but it was not applied")
            #expect(probe.openPasswd == "EACCES", "open(/etc/passwd): \(probe.openPasswd)")
        }
    }

    static func probe() async throws -> Probe {
        let scratch = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        if geteuid() == 0 { chown(scratch, 65534, 65534) }
        let output = try await TestProcess.run([SandboxHarness.binary, "inspector", "--probe", scratch])
        try #require(output.status == 0, "\(output.stderrText)")
        return try JSONDecoder().decode(Probe.self, from: Data(output.stdoutText.utf8))
    }

    /// Another process of the inspector's user (a sibling inspector, or the worker when it runs unprivileged) is out
    /// of reach by seccomp alone, Landlock or not: its limits, its priority, signals; no child process and no terminal
    /// input; it stays non-dumpable. Threads still work.
    @Test func aLockedDownInspectorCannotReachOtherProcessesForkOrPushTerminalInput() async throws {
        let probe = try await Self.probe()
        #expect(probe.tiocsti == "EPERM", "ioctl(TIOCSTI) on a non-terminal is refused by the filter before ENOTTY: \(probe.tiocsti)")
        #expect(probe.prlimitSelf == "ok", "prlimit64 on itself: \(probe.prlimitSelf)")
        #expect(probe.prlimitOther == "EPERM", "prlimit64 on a process of its user: \(probe.prlimitOther)")
        #expect(probe.setpriorityOther == "EPERM", "setpriority on a process of its user: \(probe.setpriorityOther)")
        #expect(probe.setpriorityUser == "EPERM", "setpriority(PRIO_USER): \(probe.setpriorityUser)")
        #expect(probe.fork == "EPERM", "fork: \(probe.fork)")
        #expect(probe.thread == "ok", "threads: \(probe.thread)")
        #expect(probe.killParent == "EPERM" && probe.killOther == "EPERM", "kill: \(probe.killParent), \(probe.killOther)")
        #expect(probe.killSelf == "ok", "kill of itself: \(probe.killSelf)")
        #expect(probe.tkillSelf == "EPERM", "tkill: \(probe.tkillSelf)")
        #expect(probe.setDumpable == "EPERM" && probe.dumpable == "ok", "dumpable: \(probe.setDumpable), non-dumpable \(probe.dumpable)")
        // SysV IPC (outlives it), its death signal (set at lock-down: it dies with the worker), a descriptor's signal
        // owner (the kernel would signal on its behalf), memfd (memory outside RLIMIT_AS).
        #expect(probe.shmget == "EPERM", "shmget: \(probe.shmget)")
        #expect(probe.setPdeathsig == "EPERM", "prctl(PR_SET_PDEATHSIG): \(probe.setPdeathsig)")
        #expect(probe.setown == "EPERM", "fcntl(F_SETOWN): \(probe.setown)")
        #expect(probe.memfd == "EPERM", "memfd_create: \(probe.memfd)")
        // POSIX message queues outlive it, owned by its uid: the next inspector given that uid would find them.
        #expect(probe.mqOpen == "EPERM", "mq_open: \(probe.mqOpen)")
    }

    /// The filter admits a list of calls and refuses the rest (docs/isolation.md, "System calls"): calls nothing in an
    /// inspector needs are refused even on its own files, among them the ones Landlock does not cover.
    @Test func aLockedDownInspectorIsRefusedEveryCallOffTheAllowList() async throws {
        let probe = try await Self.probe()
        #expect(probe.writeScratch == "ok", "what it needs still works: \(probe.writeScratch)")
        #expect(probe.chmodOwn == "EPERM", "chmod of its own file: \(probe.chmodOwn)")
        #expect(probe.inotify == "EPERM", "inotify_init1: \(probe.inotify)")
        #expect(probe.setxattr == "EPERM", "fsetxattr of its own file: \(probe.setxattr)")
        #expect(probe.pipe == "EPERM", "pipe2: \(probe.pipe)")
        // Arguments that would hide files from the worker's measuring and removal, make set-id files or character
        // devices (a rename's whiteout), fill its user's signal queue, or wake the worker with nothing to read.
        #expect(probe.mkdirHidden == "EPERM", "mkdir 0300: \(probe.mkdirHidden)")
        #expect(probe.createSetuid == "EPERM", "open(O_CREAT, 04755): \(probe.createSetuid)")
        #expect(probe.whiteout == "EPERM", "renameat2(RENAME_WHITEOUT): \(probe.whiteout)")
        #expect(probe.rtSignalSelf == "EPERM", "kill(self, SIGRTMIN+5): \(probe.rtSignalSelf)")
        #expect(probe.sendOOB == "EPERM", "sendto(MSG_OOB): \(probe.sendOOB)")
        #expect(probe.umask == "EPERM", "umask: \(probe.umask)")
        // A thread must share the descriptor table (and memory): one of its own would get RLIMIT_NOFILE more.
        #expect(probe.threadOwnFiles == "EPERM", "clone without CLONE_VM|CLONE_FILES: \(probe.threadOwnFiles)")
    }

    /// Inspectors of an unprivileged worker share its user: the uid stands in no one's way. Inspector A, exploited (the
    /// probe, in A's directory), is handed B's directory: it can neither change B's mode or times nor watch B or the base
    /// (seccomp refuses the calls), and with Landlock it cannot list them.
    @Test func anInspectorCannotChmodTouchOrWatchTheScratchOfASiblingOfTheSameUser() async throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let scratchA = base + "/a", scratchB = base + "/b"
        for directory in [scratchA, scratchB] {
            try #require(mkdir(directory, 0o700) == 0)
            if geteuid() == 0 { chown(directory, 65534, 65534) }
        }
        let output = try await TestProcess.run([SandboxHarness.binary, "inspector", "--probe", scratchA, "--sibling", scratchB])
        try #require(output.status == 0, "\(output.stderrText)")
        let object = try JSONSerialization.jsonObject(with: Data(output.stdoutText.utf8)) as? [String: Any]
        let probe = try #require(object, "\(output.stdoutText)").compactMapValues { $0 as? String }
        #expect(probe["siblingChmod"] == "EPERM", "chmod(B): \(String(describing: probe["siblingChmod"]))")
        #expect(probe["siblingTouch"] == "EPERM", "utimensat(B): \(String(describing: probe["siblingTouch"]))")
        #expect(probe["siblingWatch"] == "EPERM", "inotify_add_watch(B): \(String(describing: probe["siblingWatch"]))")
        #expect(probe["baseWatch"] == "EPERM", "inotify_add_watch(base): \(String(describing: probe["baseWatch"]))")
        if ((object?["landlockABI"] as? Int) ?? 0) > 0 {
            #expect(probe["siblingList"] == "EACCES", "opendir(B): \(String(describing: probe["siblingList"]))")
            #expect(probe["baseList"] == "EACCES", "opendir(base): \(String(describing: probe["baseList"]))")
        }
        var info = stat()
        #expect(stat(scratchB, &info) == 0 && info.st_mode & 0o7777 == 0o700, "B's directory changed mode")
    }

    /// The worker's spawn: the inspector's stdout and stderr are a pipe of its own (never the worker's stderr, a
    /// terminal or the journal's socket), in a session of its own (no controlling terminal); what it writes reaches the
    /// worker's log a line at a time, capped at 4 KiB a line and with control characters escaped.
    @Test func anInspectorsOutputIsAPipeOfItsOwnRelayedCappedAndEscaped() throws {
        let script =
            #"readlink /proc/self/fd/1; readlink /proc/self/fd/2 >&2; echo "sid $(cut -d' ' -f6 /proc/self/stat)"; "#
            + #"head -c 1048576 /dev/zero | tr '\0' a; echo; printf '\033[31mred\033[0m\r\n'; printf 'fake\nline'"#
        var channel: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &channel) == 0)
        defer { channel.forEach { close($0) } }
        let (pid, output, error) = InspectorProcess.spawn(
            executable: "/bin/sh",
            arguments: ["-c", script],
            channel: channel[1],
            environment: ["PATH": "/usr/bin:/bin"]
        )
        try #require(pid > 0, "spawn: \(error)")
        var pipe = stat()
        fstat(output, &pipe)
        var lines: [String] = []
        InspectorOutput.relay(descriptor: output) { lines.append($0) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try #require(lines.count == 7, "\(lines.map { $0.prefix(100) })")
        #expect(lines[0] == "pipe:[\(pipe.st_ino)]" && lines[1] == lines[0], "stdout and stderr: \(lines[0]), \(lines[1])")
        #expect(lines[2] == "sid \(pid)", "a session of its own: \(lines[2])")
        #expect(lines[3].hasPrefix(String(repeating: "a", count: 4096) + " [") && lines[3].count < 4200, "\(lines[3].suffix(80))")
        #expect(lines[3].hasSuffix("[\((1 << 20) - 4096) more bytes dropped]"), "\(lines[3].suffix(80))")
        #expect(lines[4] == #"\x1B[31mred\x1B[0m\x0D"#, "\(lines[4])")
        #expect(lines[5] == "fake" && lines[6] == "line", "\(lines[5...])")
    }

    /// Bidirectional controls cannot reorder what a reader of the log sees.
    @Test func bidiControlsInAnInspectorsOutputAreEscaped() {
        let line = InspectorOutput.escape(Array("ok \u{202E}txt.exe\u{2066}x\u{2069}\u{2028}".utf8))
        #expect(line == #"ok \u202Etxt.exe\u2066x\u2069\u2028"#, "\(line)")
    }

    @Test func anInspectorsOutputPastItsVolumeIsDroppedWithOneNotice() {
        let (pid, output, _) = InspectorProcess.spawn(
            executable: "/bin/sh",
            arguments: ["-c", "for i in $(seq 2000); do echo 0123456789; done"],
            channel: 0,
            environment: ["PATH": "/usr/bin:/bin"]
        )
        var lines: [String] = []
        InspectorOutput.relay(descriptor: output) { lines.append($0) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(lines.count == InspectorOutput.maxLines + 1)
        #expect(lines.last?.contains("dropped") == true, "\(lines.last ?? "")")
    }

    @Test func anInspectorsEnvironmentHoldsNoSecretAndNoDescriptorOfTheWorker() async throws {
        // The secrets this process holds (scripts/test: the store's keys, the catalog URL...). The environment is not
        // changed for the test: other suites run beside it in this process. With none, the inspectors' variable
        // names alone are checked (and `WorkerCommandTests` checks a real worker's inspectors against its store key).
        let secrets = ProcessInfo.processInfo.environment.filter { name, value in
            value.count >= 8 && ["SECRET", "KEY", "PASSWORD", "TOKEN", "URL"].contains { name.uppercased().contains($0) }
        }.map(\.value)
        // A descriptor the worker holds without close-on-exec (a store connection, say) must not reach an inspector.
        let leaked = open("/etc/hostname", O_RDONLY)
        defer { close(leaked) }
        try await SandboxHarness.with { inspector, base in
            let pids = inspector.idlePIDs
            #expect(pids.count == 2)
            for pid in pids {
                let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
                let text = String(decoding: environ, as: UTF8.self)
                #expect(!environ.isEmpty)
                for secret in secrets { #expect(!text.contains(secret), "a secret of the worker is in inspector \(pid)'s environment") }
                let names = Set(environ.split(separator: 0).map { String(decoding: $0.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self) })
                #expect(names.isSubset(of: ["PATH", "LANG", "TMPDIR"]), "\(names)")
                let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(Int32.init)
                for descriptor in descriptors {
                    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")) ?? ""
                    #expect(target != "/etc/hostname", "inspector \(pid) inherited the worker's descriptor \(descriptor)")
                }
                if geteuid() == 0 {
                    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                    let uid = try #require(try InspectorUsersTests.ids(pid).uids.first)
                    #expect(uid >= InspectorLimits.defaultUIDBase && uid != 0, "inspector \(pid) runs as \(uid), not a uid of its own")
                    #expect(status.contains("NoNewPrivs:\t1") && status.contains("Seccomp:\t2"), "\(status)")
                    #expect(status.contains("CapEff:\t0000000000000000"), "inspector \(pid) kept capabilities")
                }
            }
            #expect(inspector.layers?.cleanEnvironment == true)
            #expect(inspector.layers?.seccomp == true)
        }
    }

    @Test func sigkillMidScanFailsTheAttemptAndTheRetryReachesTheVerdict() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.largeInfectedFile(in: directory)
        var profile = Self.profile
        profile.maxSize = 1 << 30
        let engine = SandboxedInspector.Engine.libclamav(
            database: Repository.path("fixtures/clamav"),
            limits: ScanLimits(maxFileSize: 512 << 20, maxScanSize: 512 << 20)
        )
        try await SandboxHarness.with(engine: engine, size: 1) { inspector, _ in
            let victim = try #require(inspector.idlePIDs.first)
            let request = InspectionRequest(path: file, filename: "large.bin", profile: profile, exclusive: true)
            async let first = inspector.inspect(request)
            // Busy (taken from the idle list), then killed mid-scan.
            while !inspector.idlePIDs.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(100))
            #expect(kill(victim, SIGKILL) == 0)
            let failed = await first
            #expect(failed.outcome == .failed, "\(failed.reasons)")
            #expect(failed.reasons.contains { $0.code == .scanFailed && $0.detail.contains("signal 9") }, "\(failed.reasons)")
            // The worker retries a scan_failed verdict: a fresh inspector gives the upload its verdict.
            let retried = await inspector.inspect(request)
            #expect(retried.outcome == .infected, "\(retried.reasons)")
            #expect(retried.signatures.contains { $0.contains("EICAR") }, "\(retried.signatures)")
            #expect(inspector.counts.started == 2)
            #expect(kill(victim, 0) == -1 && errno == ESRCH, "the killed inspector was not reaped")
        }
    }

    @Test func anInspectorPastItsBudgetIsKilledAndTheUploadIsUnscannable() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.largeInfectedFile(in: directory)
        var profile = Self.profile
        // Hashing and scanning ~100 MB takes far longer than 20 ms; the inspector's own budget is not consulted while
        // it hashes, so the worker's deadline is what stops it.
        profile.inspectionTimeLimit = .milliseconds(20)
        try await SandboxHarness.with(size: 1, grace: .zero) { inspector, _ in
            let started = ContinuousClock.now
            let verdict = await inspector.inspect(InspectionRequest(path: file, filename: "large.bin", profile: profile, exclusive: true))
            // Hashing and scanning the whole file takes seconds; the kill ends it long before. The bound is loose so a
            // loaded CI machine does not fail it (2.14 s was seen there); the reason and the kill count prove the rest.
            #expect(ContinuousClock.now - started < .seconds(6))
            #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
            #expect(verdict.reasons.contains { $0.detail.contains("took longer than its") }, "\(verdict.reasons)")
            #expect(inspector.counts.killed == 1)
            // A fresh inspector takes the next upload.
            let small = directory + "/small.txt"
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: small))
            let next = await inspector.inspect(InspectionRequest(path: small, filename: "small.txt", profile: Self.profile))
            #expect(next.outcome == .clean, "\(next.reasons)")
        }
    }

    @Test func aRecursiveZipBombEndsUnscannableWithinItsBudgetWithNoTempFilesLeft() async throws {
        try await SandboxHarness.with(size: 1) { inspector, base in
            let bomb = try await InspectionBudgetTests().build(
                """
                level = nest({'core.txt': 'x' * 4096})
                for depth in range(10):
                    level = nest({'%d-%d.zip' % (depth, copy): level for copy in range(8)})
                open(path, 'wb').write(level)
                """,
                in: base
            )
            defer { unlink(bomb) }
            let started = ContinuousClock.now
            let verdict = await inspector.inspect(
                InspectionRequest(path: bomb, filename: "bomb.zip", profile: InspectionBudgetTests.profile(time: .seconds(30)))
            )
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
            // The inspector's scratch directory (in the pool's base) is empty between uploads (the pool removes it with
            // the inspector).
            let bases = try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.hasPrefix("airlock-scan.") }
            #expect(bases.count == 1)
            for pool in bases {
                let scratches = try FileManager.default.contentsOfDirectory(atPath: base + "/" + pool)
                #expect(scratches.count == 1, "\(scratches)")
                for scratch in scratches {
                    let path = base + "/" + pool + "/" + scratch
                    #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty, "files left in \(path)")
                }
            }
        }
    }

    @Test func aSignatureReloadReachesNewInspectorsAndRetiresOldOnes() async throws {
        let database = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: database) }
        for name in try FileManager.default.contentsOfDirectory(atPath: Repository.path("fixtures/clamav")) {
            try FileManager.default.copyItem(atPath: Repository.path("fixtures/clamav/\(name)"), toPath: database + "/" + name)
        }
        let sample = database + "/../airlock-isolation-sample-\(UUID().uuidString).txt"
        let bytes = Data("a file the new signatures name\n".utf8)
        try bytes.write(to: URL(fileURLWithPath: sample))
        defer { unlink(sample) }
        let request = InspectionRequest(path: sample, filename: "sample.txt", profile: Self.profile)
        try await SandboxHarness.with(engine: .libclamav(database: database, limits: ScanLimits()), size: 1) { inspector, _ in
            let old = try #require(inspector.idlePIDs.first)
            #expect(await inspector.inspect(request).outcome == .clean)
            let md5 = try await TestProcess.run(["md5sum", sample]).stdoutText.prefix(32)
            try Data("\(md5):\(bytes.count):Airlock.Test.Reloaded\n".utf8).write(to: URL(fileURLWithPath: database + "/reloaded.hdb"))
            inspector.databaseChanged()
            #expect(kill(old, 0) == -1 && errno == ESRCH, "the old inspector still runs")
            let verdict = await inspector.inspect(request)
            #expect(verdict.outcome == .infected, "\(verdict.reasons)")
            #expect(verdict.signatures.contains { $0.contains("Airlock.Test.Reloaded") }, "\(verdict.signatures)")
        }
    }

    /// CPU seconds (user + system) process `pid` has used, from /proc/<pid>/stat.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let line = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = line[line.index(after: try #require(line.lastIndex(of: ")")))...].split(separator: " ")
        let ticks = try #require(Int(fields[11])) + (try #require(Int(fields[12])))
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func anInspectorRetiresOnceItUsedHalfItsLifetimeCPU() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.largeInfectedFile(in: directory, megabytes: 6)
        let request = InspectionRequest(path: file, filename: "large.bin", profile: Self.profile, exclusive: true)
        // A 4 s lifetime: it must retire once it used 3 s (3 * 2 > 4), before its CPU limit ends it mid-upload (each
        // upload here takes a fraction of a second). Without the retirement an upload ends unscannable of SIGXCPU.
        try await SandboxHarness.with(size: 1, limits: InspectorLimits(maxCPUSeconds: 4)) { inspector, _ in
            let first = try #require(inspector.idlePIDs.first)
            var used = 0.0
            var uploads = 0
            while inspector.idlePIDs == [first] && uploads < 60 {
                used = try Self.cpuSeconds(first)
                let verdict = await inspector.inspect(request)
                #expect(verdict.outcome == .infected, "\(verdict.reasons)")
                uploads += 1
            }
            #expect(inspector.idlePIDs != [first], "still serving after \(uploads) uploads (\(used) s CPU before the last)")
            #expect(kill(first, 0) == -1 && errno == ESRCH, "the spent inspector was not stopped")
            #expect(used >= 2, "retired after \(used) s of CPU: too early")
            #expect(inspector.counts.killed == 0)
            // Its replacement takes the next upload.
            #expect(await inspector.inspect(request).outcome == .infected)
            #expect(inspector.counts.started == 2)
        }
    }

    @Test func anInspectorKilledByItsCPULimitMakesTheUploadUnscannableAndIsReplaced() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.largeInfectedFile(in: directory)
        // One CPU second for the inspector's life: scanning 96 MB (under ClamAV's default size limit) takes more (64 MB
        // scanned within it once, on a loaded machine: the worker hands its digests over, so the inspector no longer
        // hashes), and the wall-clock budget (30 s plus grace) is far away, so the kernel's SIGXCPU ends it.
        try await SandboxHarness.with(size: 1, limits: InspectorLimits(maxCPUSeconds: 1)) { inspector, _ in
            let victim = try #require(inspector.idlePIDs.first)
            let verdict = await inspector.inspect(InspectionRequest(path: file, filename: "large.bin", profile: Self.profile, exclusive: true))
            #expect(verdict.outcome == .unscannable, "\(verdict.reasons)")
            #expect(verdict.reasons.contains { $0.code == .unscannable && $0.detail.contains("CPU") }, "\(verdict.reasons)")
            #expect(inspector.counts.killed == 1)
            #expect(kill(victim, 0) == -1 && errno == ESRCH, "the inspector was not reaped")
            let small = directory + "/small.txt"
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: small))
            let next = await inspector.inspect(InspectionRequest(path: small, filename: "small.txt", profile: Self.profile))
            #expect(next.outcome == .clean, "\(next.reasons)")
            #expect(inspector.counts.started == 2)
        }
    }

    @Test func afterASignatureReloadABusyInspectorFinishesItsUploadThenRetires() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.largeInfectedFile(in: directory)
        try await SandboxHarness.with(size: 2) { inspector, _ in
            let before = Set(inspector.idlePIDs)
            #expect(before.count == 2)
            // Stopped, the busy one holds its upload until the reload is done, whatever the machine's speed.
            async let verdict = inspector.inspect(InspectionRequest(path: file, filename: "large.bin", profile: Self.profile, exclusive: true))
            while inspector.idlePIDs.count == 2 { try await Task.sleep(for: .milliseconds(2)) }
            let idle = try #require(inspector.idlePIDs.first)
            let busy = try #require(before.subtracting([idle]).first)
            #expect(kill(busy, SIGSTOP) == 0)
            inspector.databaseChanged()
            #expect(inspector.idlePIDs.isEmpty)
            #expect(kill(idle, 0) == -1 && errno == ESRCH, "the idle old inspector still runs")
            #expect(kill(busy, 0) == 0, "the busy old inspector was stopped mid-upload")
            #expect(kill(busy, SIGCONT) == 0)
            let finished = await verdict
            #expect(finished.outcome == .infected, "\(finished.reasons)")
            #expect(inspector.idlePIDs.isEmpty, "the old inspector went back to the idle list")
            #expect(kill(busy, 0) == -1 && errno == ESRCH, "the busy old inspector did not retire after its upload")
            #expect(inspector.counts.killed == 0)
        }
    }

    /// An order naming a profile the worker never sent is a protocol error: the inspector stops (exit 2) rather than
    /// inspect with a guessed profile, and the worker sees the channel close (`scan_failed`).
    @Test func anOrderNamingAProfileNeverSentStopsTheInspector() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let file = base + "/note.txt"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: file))
        let process = try InspectorProcess.start(
            executable: SandboxHarness.binary,
            arguments: ["inspector"],
            engine: .libclamav(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            temporaryDirectory: base,
            limits: InspectorLimits(),
            generation: 0,
            startTimeout: .seconds(60)
        )
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        defer { close(descriptor) }
        let order = InspectionOrder(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile), profile: 5)
        try process.channel.send(.inspect(order), descriptor: descriptor)
        #expect(throws: InspectorChannel.Failure.self) { try process.channel.receive(deadline: .now + .seconds(30)) }
        #expect(process.stop(kill: false) == .status(2))
    }

    @Test func anInspectorIsReplacedAfterItsRecycleCount() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/note.txt"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: file))
        try await SandboxHarness.with(size: 1, recycleAfter: 2) { inspector, _ in
            let first = try #require(inspector.idlePIDs.first)
            for _ in 0..<2 {
                #expect(await inspector.inspect(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile)).outcome == .clean)
            }
            #expect(inspector.idlePIDs.isEmpty && kill(first, 0) == -1, "recycled after two uploads")
            #expect(await inspector.inspect(InspectionRequest(path: file, filename: "note.txt", profile: Self.profile)).outcome == .clean)
            #expect(inspector.counts.started == 2)
        }
    }
}
