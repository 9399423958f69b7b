import AirlockApp
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `airlock storage init|check`.
struct Storage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prepare and probe the object store.",
        subcommands: [Initialize.self, Check.self]
    )

    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the buckets, CORS on incoming and the incoming lifecycle rule (idempotent)."
        )
        @OptionGroup var configOption: ConfigOption

        func run() async throws {
            let (config, environment) = try ConfigLoader.loadForCommand(path: configOption.config)
            let lines = try await StorageCommands.initialize(config: config, logger: StorageCommands.commandLogger(environment: environment))
            for line in lines { print(line) }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Probe the live store: one row per guarantee; exits 1 when a required one fails."
        )
        @OptionGroup var configOption: ConfigOption

        func run() async throws {
            let (config, environment) = try ConfigLoader.loadForCommand(path: configOption.config)
            let report = try await StorageCommands.check(config: config, logger: StorageCommands.commandLogger(environment: environment))
            for row in report.rows { print(row.line) }
            if !report.passed {
                print("storage check failed: \(report.failures.joined(separator: ", "))")
                Glibc.exit(1)
            }
            print("storage check passed")
        }
    }
}
