import AirlockApp
import AirlockCore
import AirlockTesting
import Configuration
import Foundation
import Testing

struct ConfigLoaderTests {
    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theShippedExampleConfigurationLoadsWithDesignDefaults() throws {
        let reader = try ConfigLoader.load(path: Repository.path("config/airlock.yaml"), environment: [:])
        let store = try StoreSettings(reader: reader.scoped(to: "store"))
        #expect(store.backend == .ceph)
        #expect(store.endpoint == "http://127.0.0.1:7480")
        #expect(store.region == "us-east-1")
        #expect(store.multipartCopyThreshold == .gibibytes(5))
        #expect(store.publicEndpoint == nil)
        #expect(reader.string(forKey: "http.maxBodyBytes") == "10240")
        #expect(reader.string(forKey: "buckets.incoming.bucket") == "airlock-incoming")
        // Sequences of mappings (profiles' allow lists) are flattened with indices.
        #expect(reader.stringArray(forKey: "profiles.documents.allow.0.extensions") == ["pdf"])
        #expect(reader.stringArray(forKey: "profiles.documents.allow.1.types") == ["text/plain"])
        #expect(reader.string(forKey: "profiles.documents.archives.allowed") == "false")
    }

    /// Retentions: absent gives the default, `off` keeps files for ever, anything else must be a duration.
    @Test func retentionsAreDurationsOrOff() throws {
        let defaults = try UploadSettings(reader: ConfigLoader.load(path: try temporaryFile("{}"), environment: [:]).scoped(to: "uploads"))
        #expect(defaults.quarantineRetention == .days(90) && defaults.processedRetention == nil)
        let off = try ConfigLoader.load(
            path: try temporaryFile("uploads: {quarantineRetention: \"off\", processedRetention: 30d}\n"),
            environment: [:]
        )
        let settings = try UploadSettings(reader: off.scoped(to: "uploads"))
        #expect(settings.quarantineRetention == nil && settings.processedRetention == .days(30))
        let unquoted = try ConfigLoader.load(path: try temporaryFile("uploads:\n  quarantineRetention: off\n"), environment: [:])
        #expect(try UploadSettings(reader: unquoted.scoped(to: "uploads")).quarantineRetention == nil)
        let bad = try ConfigLoader.load(path: try temporaryFile("uploads: {quarantineRetention: never}\n"), environment: [:])
        #expect(throws: AirlockError.self) { try UploadSettings(reader: bad.scoped(to: "uploads")) }
    }

    @Test func environmentOverridesTheFileAndFlagsOverrideBoth() throws {
        let path = try temporaryFile("store:\n  region: eu-west-1\n  endpoint: http://file:1\n")
        let env = ["AIRLOCK_STORE_ENDPOINT": "http://env:2", "AIRLOCK_STORE_ACCESS_KEY_ID": "AKENV"]
        let reader = try ConfigLoader.load(path: path, environment: env, overrides: ["store.endpoint": "http://flag:3"])
        let store = try StoreSettings(reader: reader.scoped(to: "store"))
        #expect(store.endpoint == "http://flag:3")
        #expect(store.accessKeyId == "AKENV")
        #expect(store.region == "eu-west-1")
    }

    @Test func fileSuffixReadsSecretsFromFiles() throws {
        let secret = try temporaryFile("s3cr3t-from-file\n")
        let reader = try ConfigLoader.load(
            path: nil,
            environment: ["AIRLOCK_STORE_SECRET_ACCESS_KEY_FILE": secret, "AIRLOCK_CONFIG": try temporaryFile("{}")]
        )
        #expect(try StoreSettings(reader: reader.scoped(to: "store")).secretAccessKey == "s3cr3t-from-file")
        // caFile is a key that ends in "File": its variable is the value itself, not an indirection.
        let ca = try ConfigLoader.load(path: try temporaryFile("{}"), environment: ["AIRLOCK_STORE_CA_FILE": "/etc/ssl/ca.pem"])
        #expect(try StoreSettings(reader: ca.scoped(to: "store")).caFile == "/etc/ssl/ca.pem")
    }

    @Test func conflictingOrUnreadableFileVariablesAreErrors() throws {
        let empty = try temporaryFile("{}")
        #expect(throws: AirlockError.self) {
            try ConfigLoader.load(path: empty, environment: ["AIRLOCK_STORE_SECRET_ACCESS_KEY_FILE": "/nonexistent/secret"])
        }
        #expect(throws: AirlockError.self) {
            try ConfigLoader.load(path: empty, environment: ["AIRLOCK_STORE_SECRET_ACCESS_KEY_FILE": empty, "AIRLOCK_STORE_SECRET_ACCESS_KEY": "x"])
        }
    }

    @Test func missingExplicitFileAndInvalidYAMLAreErrors() throws {
        #expect(throws: AirlockError.self) { try ConfigLoader.load(path: "/nonexistent/airlock.yaml", environment: [:]) }
        #expect(throws: AirlockError.self) { try ConfigLoader.load(path: nil, environment: ["AIRLOCK_CONFIG": "/nonexistent/airlock.yaml"]) }
        #expect(throws: AirlockError.self) { try ConfigLoader.load(path: try temporaryFile("store: [unclosed"), environment: [:]) }
        #expect(throws: AirlockError.self) { try ConfigLoader.load(path: try temporaryFile("- a list"), environment: [:]) }
    }

    @Test func invalidStoreValuesNameTheKey() throws {
        for (yaml, key) in [
            ("store: {backend: minio}", "store.backend"), ("store: {addressing: dns}", "store.addressing"),
            ("store: {multipartCopyThreshold: lots}", "store.multipartCopyThreshold"),
        ] {
            let reader = try ConfigLoader.load(path: try temporaryFile(yaml), environment: [:])
            do {
                _ = try StoreSettings(reader: reader.scoped(to: "store"))
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.message.contains(key))
            }
        }
    }

    @Test func r2DefaultsToRegionAuto() throws {
        let reader = try ConfigLoader.load(path: try temporaryFile("store: {backend: r2}"), environment: [:])
        #expect(try StoreSettings(reader: reader.scoped(to: "store")).region == "auto")
    }
}

/// Profiles fail closed on archives: admitting zip walks its members (defaults apply) unless the walk is turned off,
/// which is refused, naming the profile; admitting a format Airlock cannot walk is refused too.
struct ArchiveProfileTests {
    func profile(_ yaml: String) throws(AirlockError) -> UploadProfile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-\(UUID().uuidString).yaml").path
        try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let reader = try? ConfigLoader.load(path: path, environment: [:]) else { throw AirlockError(.invalidConfig, "unreadable") }
        return try ProfileSettings.read(reader, names: ["bundles"])["bundles"]!
    }

    @Test func admittingZipWalksMembersWithoutAnArchivesSection() throws {
        let bundles = try profile(
            "profiles:\n  bundles:\n    maxSize: 1MiB\n    allow:\n      - {extensions: [zip], types: [application/zip]}\n      - {extensions: [txt], types: [text/plain]}\n"
        )
        #expect(bundles.archives.allowed)
        #expect(bundles.archives.maxDepth == 3 && bundles.archives.maxEntries == 1000)
        let plain = try profile("profiles:\n  bundles:\n    maxSize: 1MiB\n    allow:\n      - {extensions: [txt], types: [text/plain]}\n")
        #expect(!plain.archives.allowed)
    }

    @Test func turningTheWalkOffOrAdmittingUnwalkableFormatsIsRefused() {
        #expect {
            try profile(
                "profiles:\n  bundles:\n    maxSize: 1MiB\n    allow:\n      - {extensions: [zip], types: [application/zip]}\n    archives: {allowed: false}\n"
            )
        } throws: { error in
            "\(error)".contains("profiles.bundles") && "\(error)".contains("archives.allowed")
        }
        #expect {
            try profile("profiles:\n  bundles:\n    maxSize: 1MiB\n    allow:\n      - {extensions: [gz], types: [application/gzip]}\n")
        } throws: { error in
            "\(error)".contains("profiles.bundles") && "\(error)".contains("application/gzip")
        }
    }
}
