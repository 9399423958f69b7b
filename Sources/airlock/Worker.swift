import AirlockApp
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `airlock worker`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the worker, the reconciler and the signature reloader until SIGTERM or SIGINT."
    )
    @OptionGroup var configOption: ConfigOption
    @Flag(help: "One reconciliation pass, then process until nothing is left to claim, then exit.")
    var once = false

    func run() async throws {
        try await WorkerRuntime.command(configPath: configOption.config, once: once)
    }
}

/// `airlock verify`.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the buckets with the catalog: one JSON line per drift, then a summary; exits 1 on any drift.",
        discussion: """
            Drift: an object in processed without a processed upload on the same SHA-256, an object where its upload \
            does not place it, an upload whose object is missing, an incoming object past uploads.incomingRetention. \
            Uploads a worker or reviewer holds at the moment are skipped.
            """
    )
    @OptionGroup var configOption: ConfigOption
    @Flag(help: "Hash every processed and quarantined object instead of reading its airlock-sha256 metadata.")
    var deep = false

    func run() async throws {
        if try await !VerifyCommand.run(configPath: configOption.config, deep: deep) { Glibc.exit(1) }
    }
}

/// `airlock migrate`.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending catalog migrations; prints {\"applied\",\"version\"}.")
    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        print(try await CatalogRuntime.migrateCommand(configPath: configOption.config))
    }
}

/// `airlock audit verify|export`.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check or export the audit log.", subcommands: [Verify.self, Export.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-compute the audit log's hash chain; exits 1 when an entry was altered or removed."
        )
        @OptionGroup var configOption: ConfigOption

        func run() async throws {
            if try await !AuditCommands.command(configPath: configOption.config, export: false) { Glibc.exit(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the audit log as JSON Lines, oldest first.")
        @OptionGroup var configOption: ConfigOption

        func run() async throws {
            _ = try await AuditCommands.command(configPath: configOption.config, export: true)
        }
    }
}

/// `airlock serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the HTTP API; also the worker, reconciler and event sender unless worker.enabled is false."
    )
    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        try await ServeRuntime.command(configPath: configOption.config)
    }
}

/// `airlock config check`.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Validate every section and cross-check them; print the effective values (secrets masked) with their environment variables. Exit 1 on problems."
        )
        @OptionGroup var configOption: ConfigOption

        func run() async throws {
            let report = ConfigCheck.command(configPath: configOption.config)
            for line in report.lines { print(line) }
            for warning in report.warnings { print("warning: \(warning)") }
            for problem in report.problems { print("problem: \(problem)") }
            print(report.passed ? "config check passed" : "config check failed: \(report.problems.count) problem(s)")
            if !report.passed { Glibc.exit(1) }
        }
    }
}
