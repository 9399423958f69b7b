import AirlockApp
import ArgumentParser

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

/// `airlock migrate`.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending catalog migrations; prints {\"applied\",\"version\"}.")
    @OptionGroup var configOption: ConfigOption

    func run() async throws {
        print(try await CatalogRuntime.migrateCommand(configPath: configOption.config))
    }
}
