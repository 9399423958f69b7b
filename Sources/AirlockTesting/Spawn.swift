import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts and reaps child processes with posix_spawn and waitpid (Foundation's `Process.waitUntilExit` spins a CPU
/// on Linux while it waits).
enum Spawn {
    /// Starts `arguments` through `/usr/bin/env` with the given environment and standard streams (descriptors owned by
    /// the caller; -1 keeps this process's).
    static func start(_ arguments: [String], environment: [String: String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] where source >= 0 {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, envp)
        guard result == 0 else {
            throw TestProcess.Failure(description: "posix_spawn \(arguments.first ?? "") failed: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Waits for `pid` and returns its exit status (128 + signal when it was killed).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        if status & 0x7F == 0 { return (status >> 8) & 0xFF }
        return 128 + (status & 0x7F)
    }
}
