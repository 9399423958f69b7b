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
    @Argument(help: "Files to inspect.") var files: [String] = []

    func run() async throws {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configOption.config)
        var input = ScanInput(files: files)
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
        let result = try await ScanRunner.run(input, config: config, profileNames: try ConfigLoader.profileNames(path: configOption.config, environment: environment))
        for line in result.lines { print(line) }
        if !result.allClean { Glibc.exit(1) }
    }
}
