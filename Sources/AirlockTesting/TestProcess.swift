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
    }

    /// Runs `arguments[0]` (looked up in PATH) with the rest as arguments.
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
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for name in removing { env[name] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files rather than pipes: no deadlock however much the program prints.
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        let inURL = directory.appendingPathComponent("in")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        FileManager.default.createFile(atPath: inURL.path, contents: stdin ?? Data())
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        try inHandle.close()
        return Output(status: process.terminationStatus, stdout: try Data(contentsOf: outURL), stderr: try Data(contentsOf: errURL))
    }
}
