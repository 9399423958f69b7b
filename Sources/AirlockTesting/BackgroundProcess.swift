public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process running beside a test (an `airlock worker`), with its output appended to a log file; killed and
/// reaped when released.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: pid_t
    public let logPath: String
    private var status: Int32?

    public init(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment, logPath: String) throws {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw TestProcess.Failure(description: "cannot open \(logPath)") }
        defer { close(log) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        pid = try Spawn.start(arguments, environment: environment, stdin: null, stdout: log, stderr: log)
        self.logPath = logPath
    }

    /// Sends a signal (SIGKILL, SIGTERM...).
    public func signal(_ signal: Int32) {
        if status == nil { kill(pid, signal) }
    }

    /// Waits for the process to end; its exit status (128 + signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        let result = Spawn.wait(pid)
        status = result
        return result
    }

    /// Whether it has ended (without blocking).
    public var hasExited: Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid {
            status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            return true
        }
        return false
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid)
        }
    }
}
