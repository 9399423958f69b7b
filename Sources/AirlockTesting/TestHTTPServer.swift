import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Python test peer from scripts/testing/ on a free loopback port, for as long as this value lives:
/// `http_test_server.py` (default) or `permissive_s3.py`.
public final class TestHTTPServer: @unchecked Sendable {
    public let port: Int
    private let pid: pid_t

    private let scheme: String
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    /// - Parameters:
    ///   - script: The peer under scripts/testing/.
    ///   - arguments: Its arguments (`--tls CERT KEY` for http_test_server.py).
    public init(script: String = "http_test_server.py", arguments: [String] = []) throws {
        scheme = arguments.first == "--tls" ? "https" : "http"
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw TestProcess.Failure(description: "pipe failed") }
        let pid = try Spawn.start(
            ["python3", Repository.path("scripts/testing/" + script)] + arguments,
            environment: ProcessInfo.processInfo.environment,
            stdin: -1,
            stdout: pipeEnds[1],
            stderr: -1
        )
        close(pipeEnds[1])
        defer { close(pipeEnds[0]) }
        // The first line is "PORT <n>".
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(pipeEnds[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(pid, SIGKILL)
            _ = Spawn.wait(pid)
            throw TestProcess.Failure(description: "the test HTTP server did not start: '\(text)'")
        }
        self.pid = pid
        self.port = port
    }

    deinit {
        kill(pid, SIGKILL)
        _ = Spawn.wait(pid)
    }
}
