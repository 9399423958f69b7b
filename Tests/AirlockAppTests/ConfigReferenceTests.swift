import AirlockApp
import AirlockCore
import AirlockTesting
import Configuration
import Foundation
import Synchronization
import Testing
import Yams

/// Keeps three lists of configuration keys in step: the keys `config/airlock.yaml` shows, the keys
/// `docs/configuration.md` documents, and the keys the settings types actually read.
///
/// Keys are dotted paths; a profile's name becomes `<name>` and an index into a list of mappings becomes `[]`
/// (`profiles.<name>.allow[].extensions`, `events.webhooks[].url`).
struct ConfigReferenceTests {
    /// Keys read outside the settings types (by the runtime that uses them), with where.
    static let readOutsideSettings: Set<String> = [
        "worker.metricsHost",  // WorkerRuntime: where the worker's /health and /metrics listener binds
        "review.requireSecondReviewer",  // ServeRuntime
    ]

    @Test func everyKeyOfTheExampleFileIsDocumentedAndEveryDocumentedKeyIsInTheFile() throws {
        let file = try Self.exampleKeys()
        let documented = try Self.documentedKeys()
        let undocumented = file.filter { !Self.covers(documented, $0) }.sorted()
        let notInFile = documented.filter { !Self.covers(file, $0) }.sorted()
        #expect(undocumented.isEmpty, "config/airlock.yaml has keys docs/configuration.md does not document: \(undocumented)")
        #expect(notInFile.isEmpty, "docs/configuration.md documents keys config/airlock.yaml does not show: \(notInFile)")
    }

    @Test func everyKeyTheSettingsReadIsDocumentedAndEveryDocumentedKeyIsRead() throws {
        let read = try Self.keysTheSettingsRead().union(Self.readOutsideSettings)
        let documented = try Self.documentedKeys()
        let undocumented = read.subtracting(documented).sorted()
        let neverRead = documented.subtracting(read).sorted()
        #expect(undocumented.isEmpty, "the settings read keys docs/configuration.md does not document: \(undocumented)")
        #expect(neverRead.isEmpty, "docs/configuration.md documents keys no setting reads: \(neverRead)")
    }

    @Test func theComparisonNamesAKeyMissingOnEitherSide() {
        let documented: Set = ["store.endpoint", "store.sessionToken", "events.webhooks[].url", "profiles.<name>.allow[].types"]
        let file: Set = ["store.endpoint", "store.undocumented", "events.webhooks", "profiles.<name>.allow[].types"]
        #expect(documented.filter { !Self.covers(file, $0) } == ["store.sessionToken"])
        #expect(file.filter { !Self.covers(documented, $0) } == ["store.undocumented"])
        #expect(Self.normalized(["profiles", "documents", "allow", "0", "types"]) == "profiles.<name>.allow[].types")
        #expect(Self.normalized(["events", "webhooks", "3", "url"]) == "events.webhooks[].url")
    }

    /// Whether `keys` holds `key`, or an empty list that `key` is an item field of (`events.webhooks: []` covers
    /// `events.webhooks[].url`), or item fields of the list `key` names.
    static func covers(_ keys: Set<String>, _ key: String) -> Bool {
        if keys.contains(key) { return true }
        if let range = key.range(of: "[].") { return keys.contains(String(key[..<range.lowerBound])) }
        return keys.contains { $0.hasPrefix(key + "[].") }
    }

    // MARK: - The example file

    static func exampleKeys() throws -> Set<String> {
        let text = try String(contentsOfFile: Repository.path("config/airlock.yaml"), encoding: .utf8)
        guard let root = try Yams.compose(yaml: text) else { return [] }
        var keys: Set<String> = []
        collect(root, path: [], into: &keys)
        return keys
    }

    /// Every leaf, `null` included (the loader drops nulls; the reference must not).
    static func collect(_ node: Node, path: [String], into keys: inout Set<String>) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = path == ["profiles"] ? "<name>" : (key.string ?? "?")
                collect(value, path: path + [name], into: &keys)
            }
        case .sequence(let sequence):
            let mappings = sequence.filter { if case .mapping = $0 { return true } else { return false } }
            if mappings.isEmpty {
                keys.insert(path.joined(separator: "."))
            } else {
                var listPath = path
                listPath[listPath.count - 1] += "[]"
                for item in mappings { collect(item, path: listPath, into: &keys) }
            }
        case .scalar, .alias:
            keys.insert(path.joined(separator: "."))
        }
    }

    // MARK: - The reference

    /// The first cell of every table row in docs/configuration.md that is a backticked key.
    static func documentedKeys() throws -> Set<String> {
        let text = try String(contentsOfFile: Repository.path("docs/configuration.md"), encoding: .utf8)
        var keys: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            keys.insert(String(cell))
        }
        return keys
    }

    // MARK: - What the settings read

    final class Recorder: AccessReporter {
        let keys = Mutex<Set<String>>([])
        func report(_ event: AccessEvent) {
            let key = ConfigReferenceTests.normalized(event.metadata.key.components)
            keys.withLock { _ = $0.insert(key) }
        }
    }

    /// `profiles.documents.allow.0.types` → `profiles.<name>.allow[].types`.
    static func normalized(_ components: [String]) -> String {
        var result: [String] = []
        for (index, component) in components.enumerated() {
            if index == 1, components[0] == "profiles" {
                result.append("<name>")
            } else if !component.isEmpty, component.allSatisfy(\.isNumber), !result.isEmpty {
                result[result.count - 1] += "[]"
            } else {
                result.append(component)
            }
        }
        return result.joined(separator: ".")
    }

    /// Builds every settings type from the example file (plus one webhook, so a hook's every key is read) and records
    /// each key asked for, set or not.
    static func keysTheSettingsRead() throws -> Set<String> {
        var values = try YAMLConfigFile.values(path: Repository.path("config/airlock.yaml"))
        values[AbsoluteConfigKey(["events", "webhooks", "0", "url"])] = "https://hooks.example.com/airlock"
        values[AbsoluteConfigKey(["events", "webhooks", "0", "secret"])] = "0123456789abcdef0123456789abcdef"
        let recorder = Recorder()
        let config = ConfigReader(providers: [InMemoryProvider(name: "example", values: values)], accessReporter: recorder)
        let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
        _ = try StoreSettings(reader: config.scoped(to: "store"))
        _ = try CatalogSettings(reader: config.scoped(to: "catalog"))
        _ = try ScannerSettings(reader: config.scoped(to: "scanner"))
        _ = try WorkerSettings(reader: config.scoped(to: "worker"))
        _ = try UploadSettings(reader: config.scoped(to: "uploads"))
        _ = try HTTPSettings(reader: config.scoped(to: "http"))
        _ = try EventSettings(reader: config.scoped(to: "events"))
        _ = try AuthSettings.jwt(reader: config.scoped(to: "auth"))
        _ = try AuditKeyring(reader: config.scoped(to: "audit"))
        _ = try AuditCheckpointSettings(reader: config.scoped(to: "audit"), layout: buckets.layout)
        _ = try ProfileSettings.read(config, names: ["documents"])
        return recorder.keys.withLock { $0 }
    }
}
