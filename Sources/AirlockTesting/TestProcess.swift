public import Foundation

/// Runs a helper program (curl, python3, the airlock binary) for a test and collects what it printed.
public enum TestProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data

        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `arguments[0]` (looked up in PATH) with the rest as arguments, waiting for it on a thread of its own.
    ///
    /// Never on the cooperative pool: it has one thread per core, and the suite runs its tests in parallel on it; a
    /// test blocked in `waitpid` there starves every other test (a server's readiness wait then times out while the
    /// server long answers).
    /// - Parameters:
    ///   - arguments: Program and arguments.
    ///   - stdin: Bytes written to standard input, then closed.
    ///   - environment: Extra environment variables (added to this process's).
    ///   - removing: Environment variables to remove.
    public static func run(
        _ arguments: [String],
        stdin: Data? = nil,
        environment: [String: String] = [:],
        removing: [String] = []
    ) async throws -> Output {
        try await offPool { try runBlocking(arguments, stdin: stdin, environment: environment, removing: removing) }
    }

    /// Runs `body` on a new thread and returns what it returned (for blocking work a test awaits).
    public static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// ``run(_:stdin:environment:removing:)`` on the calling thread: for code that is not async (a `deinit`, a
    /// static property's initializer), never for a test's own steps.
    public static func runBlocking(
        _ arguments: [String],
        stdin: Data? = nil,
        environment: [String: String] = [:],
        removing: [String] = []
    ) throws -> Output {
        var env = ProcessInfo.processInfo.environment
        for name in removing { env[name] = nil }
        env.merge(environment) { _, new in new }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files rather than pipes: no deadlock however much the program prints.
        let outPath = directory.appendingPathComponent("out").path
        let errPath = directory.appendingPathComponent("err").path
        let inPath = directory.appendingPathComponent("in").path
        guard FileManager.default.createFile(atPath: inPath, contents: stdin ?? Data()) else {
            throw Failure(description: "cannot create \(inPath)")
        }
        let input = open(inPath, O_RDONLY)
        let output = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let errors = open(errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer {
            close(input)
            close(output)
            close(errors)
        }
        let pid = try Spawn.start(arguments, environment: env, stdin: input, stdout: output, stderr: errors)
        let status = Spawn.wait(pid)
        return Output(
            status: status,
            stdout: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
            stderr: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        )
    }
}

extension TestProcess {
    /// The environment variable that marks a test binary started by ``runAlone(_:)``.
    public static let aloneVariable = "AIRLOCK_TEST_ALONE"

    /// Whether this process is the child that ``runAlone(_:)`` started for `testName`.
    public static func isAlone(_ testName: String) -> Bool {
        ProcessInfo.processInfo.environment[aloneVariable] == testName
    }

    /// Runs the test function `testName` (its `#function`) of this test binary in a process of its own and returns its output.
    ///
    /// For measurements of the whole process (peak RSS) that the tests running in parallel beside it would disturb.
    /// The child runs only that test, with ``aloneVariable`` set to its name; the test checks ``isAlone(_:)`` and
    /// measures there. It waits on a thread of its own, off the cooperative pool.
    public static func runAlone(_ testName: String) async throws -> Output {
        let binary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let arguments = [binary, "--testing-library", "swift-testing", "--filter", NSRegularExpression.escapedPattern(for: testName)]
        return try await run(arguments, environment: [aloneVariable: testName])
    }
}
