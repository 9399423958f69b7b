import AirlockCore
import Configuration
import Foundation
import Inspection

/// `airlock config check`: builds every section (each error names its key), cross-checks sections against each other,
/// and prints the effective configuration with secrets masked and each key's environment variable.
public enum ConfigCheck {
    public struct Report: Sendable {
        public var problems: [String]
        public var warnings: [String]
        public var lines: [String]
        public var passed: Bool { problems.isEmpty }
    }

    public static func command(configPath: String?) -> Report {
        var report = Report(problems: [], warnings: [], lines: [])
        let environment = ProcessInfo.processInfo.environment
        let config: ConfigReader
        do {
            config = try ConfigLoader.load(path: configPath, environment: environment)
        } catch {
            report.problems.append(error.message)
            return report
        }
        func section<T>(_ build: () throws(AirlockError) -> T) -> T? {
            do {
                return try build()
            } catch {
                report.problems.append(error.message)
                return nil
            }
        }
        let store = section { () throws(AirlockError) in try StoreSettings(reader: config.scoped(to: "store")) }
        let buckets = section { () throws(AirlockError) in try BucketSettings(reader: config.scoped(to: "buckets")) }
        _ = section { () throws(AirlockError) in try CatalogSettings(reader: config.scoped(to: "catalog")) }
        let scanner = section { () throws(AirlockError) in try ScannerSettings(reader: config.scoped(to: "scanner")) }
        let worker = section { () throws(AirlockError) in try WorkerSettings(reader: config.scoped(to: "worker")) }
        _ = section { () throws(AirlockError) in try UploadSettings(reader: config.scoped(to: "uploads")) }
        _ = section { () throws(AirlockError) in try HTTPSettings(reader: config.scoped(to: "http")) }
        _ = section { () throws(AirlockError) in try EventSettings(reader: config.scoped(to: "events")) }
        _ = section { () throws(AirlockError) in try AuthSettings.jwt(reader: config.scoped(to: "auth")) }
        _ = section { () throws(AirlockError) in try AuditKeyring(reader: config.scoped(to: "audit")) }
        if let buckets {
            _ = section { () throws(AirlockError) in try AuditCheckpointSettings(reader: config.scoped(to: "audit"), layout: buckets.layout) }
        }
        let names = section { () throws(AirlockError) in try ConfigLoader.profileNames(path: configPath, environment: environment) } ?? []
        let profiles = section { () throws(AirlockError) in try ProfileSettings.read(config, names: names) } ?? [:]
        if names.isEmpty { report.problems.append("no profiles are defined: every upload needs one") }

        // Cross-checks.
        if let scanner {
            for (name, profile) in profiles.sorted(by: { $0.key < $1.key }) {
                if profile.maxSize > scanner.limits.maxScanSize {
                    report.problems.append(
                        "profiles.\(name).maxSize (\(ByteSize(bytes: profile.maxSize))) exceeds scanner.limits.maxScanSize (\(ByteSize(bytes: scanner.limits.maxScanSize))): ClamAV would not read the whole file"
                    )
                }
                if profile.archives.allowed, profile.archives.maxDepth > scanner.limits.maxRecursion {
                    report.warnings.append(
                        "profiles.\(name).archives.maxDepth is deeper than scanner.limits.maxRecursion: deeper archives will be unscannable"
                    )
                }
            }
        }
        // The inspectors' CPU lifetime against the longest inspection, and the uid range against the pool (checked
        // again when the worker starts).
        if let worker {
            report.problems += InspectionAssembly.configurationProblems(
                isolation: worker.isolation,
                size: worker.concurrency,
                limits: worker.inspectorLimits,
                profiles: Array(profiles.values)
            )
        }
        if let store, store.accessKeyId == nil || store.secretAccessKey == nil {
            report.problems.append(
                "store.accessKeyId and store.secretAccessKey are required (AIRLOCK_STORE_ACCESS_KEY_ID, AIRLOCK_STORE_SECRET_ACCESS_KEY)"
            )
        }

        // The effective values of the keys the file sets, with their variables.
        let (path, explicit) = ConfigLoader.resolvePath(configPath, environment: environment)
        var fileValues: [AbsoluteConfigKey: ConfigValue] = [:]
        if explicit || FileManager.default.fileExists(atPath: path) { fileValues = (try? YAMLConfigFile.values(path: path)) ?? [:] }
        for (key, value) in fileValues.sorted(by: { $0.key.description < $1.key.description }) {
            let name = key.components.joined(separator: ".")
            let variable = environmentName(for: key.components)
            let overridden = environment[variable] != nil || environment[variable + "_FILE"] != nil
            var shown = overridden ? (config.string(forKey: ConfigKey(name), isSecret: true) ?? "") : render(value.content)
            if isSecret(name) || value.isSecret {
                shown = shown.isEmpty ? "" : "***"
            } else if isSecretURL(name) {
                shown = RedactedURL.mask(shown)
            }
            report.lines.append("\(name) = \(shown)    (\(variable)\(overridden ? ", set" : ""))")
        }
        return report
    }

    static func render(_ content: ConfigContent) -> String {
        switch content {
        case .string(let text): return text
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return String(value)
        case .stringArray(let values): return "[" + values.joined(separator: ", ") + "]"
        case .intArray(let values): return "[" + values.map(String.init).joined(separator: ", ") + "]"
        default: return "…"
        }
    }

    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return lower.contains("secret") || lower.contains("password") || lower.contains("token") || lower == "catalog.url" || lower == "audit.key"
            || lower.hasPrefix("audit.retiredkeys")
    }

    /// Webhook URLs carry credentials (userinfo, tokens in the path or query): only their scheme and host show.
    static func isSecretURL(_ key: String) -> Bool {
        key.hasPrefix("events.webhooks.") && key.hasSuffix(".url")
    }

    /// `store.accessKeyId` → `AIRLOCK_STORE_ACCESS_KEY_ID`.
    static func environmentName(for components: [String]) -> String {
        var parts = ["AIRLOCK"]
        for component in components {
            var word = ""
            for character in component {
                if character.isUppercase, !word.isEmpty, !word.hasSuffix("_") { word += "_" }
                word += character.uppercased()
            }
            parts.append(word)
        }
        return parts.joined(separator: "_")
    }
}
