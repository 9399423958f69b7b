import AirlockApp
import ArgumentParser

/// `airlock quarantine list|show|download|release|rescan|purge`: reviewer actions from a terminal, audited as the
/// operator. Output: JSON (one object per line for `list`).
struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work the quarantine from a terminal (audited as operator:<user>@<host>).",
        subcommands: [List.self, Show.self, Download.self, Release.self, Rescan.self, Purge.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Quarantined uploads, newest first, as JSON Lines.")
        @OptionGroup var configOption: ConfigOption
        @Option(help: "Only uploads with this reason code.") var reason: String?
        @Option(help: "Only uploads with this flag (rescanned_clean, rescan_requested, release_requested).") var flag: String?
        @Option(help: "Only uploads quarantined at or after this ISO 8601 date or time.") var since: String?
        @Option(help: "At most this many (1-200).") var limit: Int = 50
        @Option(help: "Continue after this upload id (printed on stderr when there are more).") var cursor: String?

        func run() async throws {
            let options = QuarantineCommands.ListOptions(reason: reason, flag: flag, since: since, limit: limit, cursor: cursor)
            try await QuarantineCommands.command(configPath: configOption.config, action: .list(options))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One quarantined upload with its audit trail.")
        @OptionGroup var configOption: ConfigOption
        @Argument(help: "The upload id.") var id: String

        func run() async throws {
            try await QuarantineCommands.command(configPath: configOption.config, action: .show(id))
        }
    }

    struct Download: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "A short-lived link to the raw bytes (attachment, octet-stream), or the bytes written to a new file (--output; --zip for the password-protected zip)."
        )
        @OptionGroup var configOption: ConfigOption
        @Argument(help: "The upload id.") var id: String
        @Option(help: "Write to this new file (mode 0600) instead of printing a link.") var output: String?
        @Flag(help: "Write a zip with the password 'infected' (needs --output).") var zip = false

        func run() async throws {
            try await QuarantineCommands.command(configPath: configOption.config, action: .download(id, output: output, zip: zip))
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release to processed (a note is required).")
        @OptionGroup var configOption: ConfigOption
        @Argument(help: "The upload id.") var id: String
        @Option(help: "Why it is safe.") var note: String
        @Flag(help: "Add its SHA-256 to the allow list.") var trust = false

        func run() async throws {
            try await QuarantineCommands.command(configPath: configOption.config, action: .release(id, note: note, trust: trust))
        }
    }

    struct Rescan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a new inspection with the current signatures.")
        @OptionGroup var configOption: ConfigOption
        @Argument(help: "The upload id.") var id: String

        func run() async throws {
            try await QuarantineCommands.command(configPath: configOption.config, action: .rescan(id))
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete the object (a note is required).")
        @OptionGroup var configOption: ConfigOption
        @Argument(help: "The upload id.") var id: String
        @Option(help: "Why.") var note: String
        @Flag(help: "Add its SHA-256 to the deny list.") var block = false

        func run() async throws {
            try await QuarantineCommands.command(configPath: configOption.config, action: .purge(id, note: note, block: block))
        }
    }
}
