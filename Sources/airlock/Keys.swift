import AirlockApp
import ArgumentParser

/// `airlock keys create|list|revoke`.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys (shown once, stored hashed).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; prints {\"id\",\"name\",\"role\",\"owner\",\"key\"}: the only time the key is shown."
        )
        @OptionGroup var configOption: ConfigOption
        @Option(help: "uploader, reviewer or admin.") var role: String
        @Option(help: "A unique name (a-z, 0-9, '-', '_', '.').") var name: String
        @Option(help: "The owner its uploads belong to (default key:<name>).") var owner: String?
        @Flag(help: "May act for an owner named in request bodies.") var service = false
        @Option(help: "Comma-separated profiles the key may use (default: all).") var profiles: String?
        @Option(help: "Lifetime, e.g. 90d.") var expires: String?

        func run() async throws {
            let input = KeyCommands.CreateInput(
                name: name,
                role: role,
                owner: owner,
                service: service,
                profiles: profiles.map { $0.split(separator: ",").map { String($0) } } ?? [],
                expires: expires
            )
            for line in try await KeyCommands.command(configPath: configOption.config, action: .create(input)) { print(line) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys as JSON Lines (never the secret).")
        @OptionGroup var configOption: ConfigOption

        func run() async throws {
            for line in try await KeyCommands.command(configPath: configOption.config, action: .list) { print(line) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id or name.")
        @OptionGroup var configOption: ConfigOption
        @Argument(help: "The key's id or name.") var id: String

        func run() async throws {
            for line in try await KeyCommands.command(configPath: configOption.config, action: .revoke(id)) { print(line) }
        }
    }
}
