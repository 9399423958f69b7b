public import AirlockCore
public import Configuration
import Inspection
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What `airlock scan` was asked.
public struct ScanInput: Sendable {
    public var files: [String]
    public var profile: String?
    /// The client filename to judge by (default: each file's own name).
    public var name: String?
    public var declaredType: String?
    public var declaredSize: Int64?
    public var declaredSHA256: String?
    /// A signature directory instead of `scanner.database`.
    public var database: String?
    public var json: Bool
    /// Files inspected at once (`--threads`, default the number of processors).
    public var concurrency: Int

    public init(files: [String]) {
        self.files = files
        self.json = false
        self.concurrency = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

/// `airlock scan`: the inspection on local files, reading only `scanner` and `profiles` from the configuration.
public enum ScanRunner {
    public struct Result: Sendable {
        /// One line per file (JSON Lines with `--json`).
        public var lines: [String]
        public var verdicts: [Verdict]
        public var allClean: Bool { verdicts.allSatisfy { $0.outcome == .clean } }
    }

    public static func run(_ input: ScanInput, config: ConfigReader, profileNames: [String]) async throws(AirlockError) -> Result {
        guard !input.files.isEmpty else { throw AirlockError(.invalidArgument, "name at least one file to scan") }
        if input.name != nil && input.files.count > 1 {
            throw AirlockError(.invalidArgument, "--name applies to a single file")
        }
        if let hash = input.declaredSHA256, !Hex.isSHA256(hash.lowercased()) {
            throw AirlockError(.invalidArgument, "--declared-sha256 must be 64 hexadecimal digits")
        }
        if let size = input.declaredSize, size < 0 { throw AirlockError(.invalidArgument, "--declared-size must not be negative") }
        let profiles = try ProfileSettings.read(config, names: profileNames)
        let profile: UploadProfile
        switch (input.profile, profiles.count) {
        case (let name?, _):
            guard let found = profiles[name] else {
                throw AirlockError(.invalidArgument, "no profile '\(name)' (configured: \(profileNames.joined(separator: ", ")))")
            }
            profile = found
        case (nil, 1):
            profile = profiles.values.first!
        case (nil, 0):
            throw AirlockError(.invalidConfig, "the configuration defines no profiles")
        default:
            throw AirlockError(.invalidArgument, "--profile is required: the configuration defines \(profileNames.joined(separator: ", "))")
        }
        for file in input.files where access(file, R_OK) != 0 {
            throw AirlockError(.invalidArgument, "cannot read '\(file)'")
        }
        let scanner = try ScannerSettings(reader: config.scoped(to: "scanner"))
        guard scanner.engine == .libclamav || input.database != nil else {
            throw AirlockError(.invalidConfig, "airlock scan runs libclamav in-process: pass --database DIR when scanner.engine is clamd")
        }
        let worker = try WorkerSettings(reader: config.scoped(to: "worker"))
        let database = input.database ?? scanner.database
        let threads = max(1, min(input.concurrency, input.files.count))
        let inspection = try await InspectionAssembly.make(
            isolation: worker.isolation,
            engine: .libclamav(database: database, limits: scanner.limits),
            size: threads,
            temporaryDirectory: scanner.temporaryDirectory,
            recycleAfter: worker.inspectorRecycleAfter,
            limits: worker.inspectorLimits,
            unsafeWithoutLandlock: worker.inspectorUnsafeWithoutLandlock,
            logger: Self.warnings,
            profiles: [profile]
        ) { () throws(AirlockError) -> Inspector in
            do throws(InspectionError) {
                let scratch = try ScratchDirectory(in: scanner.temporaryDirectory)
                let engine = try ClamAVEngine(database: database, limits: scanner.limits, temporaryDirectory: scratch.path)
                return Inspector(magic: try MagicDetector(), scanner: engine, threads: threads, scratch: scratch)
            } catch {
                throw AirlockError(.invalidConfig, "the scanner could not start: \(error.message)")
            }
        }
        defer { inspection.shutdown() }
        // The worker's custody check, so that what is printed is what the worker would take.
        let inspector = CustodyCheckedInspector(inspection.inspector)
        // Files are inspected a few at a time (the inspector's threads); lines come out in the order given.
        let concurrency = max(1, input.concurrency)
        let requests = input.files.map { file in
            InspectionRequest(
                path: file,
                filename: input.name ?? (file.split(separator: "/").last.map(String.init) ?? file),
                declaredSize: input.declaredSize,
                declaredType: input.declaredType,
                declaredSHA256: input.declaredSHA256,
                profile: profile
            )
        }
        let verdicts = await inspector.inspectAll(requests, concurrency: concurrency)
        let lines = zip(input.files, verdicts).map { file, verdict in input.json ? json(file: file, verdict).rendered : text(file: file, verdict) }
        return Result(lines: lines, verdicts: verdicts)
    }

    /// Warnings on stderr (stdout carries the verdicts).
    static var warnings: Logger {
        var logger = Logger(label: "airlock.scan", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        return logger
    }

    static func json(file: String, _ verdict: Verdict) -> JSONText {
        .object([
            ("file", .string(file)),
            ("outcome", .string(verdict.outcome.rawValue)),
            ("reasons", .array(verdict.reasons.map { .object([("code", .string($0.code.rawValue)), ("detail", .string($0.detail))]) })),
            ("detectedType", verdict.detectedType.map { .string($0) } ?? .null),
            ("sha256", verdict.sha256.map { .string($0) } ?? .null),
            ("size", .int(Int(verdict.size))),
            ("signatures", .array(verdict.signatures.map { .string($0) })),
        ])
    }

    /// One line for a terminal: every string escaped (``TerminalText``), so a file name or a verdict cannot move the
    /// cursor, retitle the window or start a forged line.
    static func text(file: String, _ verdict: Verdict) -> String {
        let escape = TerminalText.escaped
        var line = "\(escape(file)): \(verdict.outcome.rawValue)"
        if let type = verdict.detectedType { line += " [\(escape(type))]" }
        if !verdict.reasons.isEmpty {
            line += " — " + verdict.reasons.map { "\(escape($0.code.rawValue)): \(escape($0.detail))" }.joined(separator: "; ")
        }
        return line
    }
}
