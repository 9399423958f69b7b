import AirlockApp
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `airlock scan`: run the inspection on local files. Exit 0 all clean, 1 any not clean, 2 error.
struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect local files as the worker would (reads only scanner and profiles from the configuration).",
        discussion: "Exit status: 0 when every file is clean, 1 when any is not, 2 on error."
    )
    @OptionGroup var configOption: ConfigOption
    @Option(help: "Profile to judge by (required when several are configured).") var profile: String?
    @Option(help: "Client filename to judge by (default: the file's own name).") var name: String?
    @Option(help: "Declared media type.") var declaredType: String?
    @Option(help: "Declared size in bytes.") var declaredSize: Int64?
    @Option(help: "Declared SHA-256 (hex).") var declaredSha256: String?
    @Option(help: "Signature directory instead of scanner.database.") var database: String?
    @Flag(help: "JSON Lines: {file, outcome, reasons, detectedType, sha256, size, signatures}.") var json = false
    @Option(help: "Files inspected at once (default: the number of processors).") var threads: Int?
    @Option(help: "A file listing more files to inspect, one path per line ('-': standard input), for batches too long for arguments.")
    var filesFrom: String?
    @Argument(help: "Files to inspect.") var files: [String] = []

    func run() async throws {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configOption.config)
        var input = ScanInput(files: files + (try filesFrom.map(Self.readList) ?? []))
        input.profile = profile
        input.name = name
        input.declaredType = declaredType
        input.declaredSize = declaredSize
        input.declaredSHA256 = declaredSha256
        input.database = database
        input.json = json
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            input.concurrency = threads
        }
        let result = try await ScanRunner.run(
            input,
            config: config,
            profileNames: try ConfigLoader.profileNames(path: configOption.config, environment: environment)
        )
        for line in result.lines { print(line) }
        if !result.allClean { Glibc.exit(1) }
    }

    /// The non-empty lines of `path` (`-`: standard input).
    static func readList(_ path: String) throws -> [String] {
        guard let stream = fopen(path == "-" ? "/dev/stdin" : path, "r") else { throw ValidationError("cannot read --files-from '\(path)'") }
        defer { fclose(stream) }
        var paths: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while true {
            let length = getline(&line, &capacity, stream)
            guard length >= 0, let line else { break }
            var text = String(cString: line)
            if text.hasSuffix("\n") { text.removeLast() }
            if !text.isEmpty { paths.append(text) }
        }
        guard ferror(stream) == 0 else { throw ValidationError("cannot read --files-from '\(path)'") }
        return paths
    }
}
