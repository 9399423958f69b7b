import AirlockApp
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// The `airlock` command line (started by `main.swift`).
///
/// Exit status: 0 success, 1 a command's own "not clean" result (scan), 2 bad input or any other error, reported as
/// one line on stderr.
struct Airlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airlock",
        abstract: "Take files from untrusted clients: presign uploads, inspect objects, quarantine what is not clean.",
        version: airlockVersion,
        subcommands: [
            Presign.self, Storage.self, Scan.self, Serve.self, WorkerCommand.self, Migrate.self, Audit.self, Keys.self, Config.self, Quarantine.self,
            Verify.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as AirlockError {
            fail("airlock: " + error.commandLineReport.split(whereSeparator: \.isNewline).joined(separator: " "))
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            if error is CleanExit {
                Glibc.exit(code.rawValue)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            fail("airlock: \(message)")
        }
    }

    static func fail(_ line: String) -> Never {
        var standardError = StandardError()
        print(line, to: &standardError)
        Glibc.exit(2)
    }
}

/// Writes to the process's standard error.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// `--config`, accepted by every command.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default config/airlock.yaml, or AIRLOCK_CONFIG).")
    var config: String?
}
