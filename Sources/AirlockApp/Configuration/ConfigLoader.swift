public import Configuration

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the configuration reader every command uses.
///
/// Precedence, highest first: CLI flags (`overrides`), environment variables (`AIRLOCK_` + the key path upper-cased
/// with words joined by `_`; a `_FILE` suffix reads the value from a file), the YAML file, then each setting's
/// default. The file is `--config`, else `AIRLOCK_CONFIG`, else `config/airlock.yaml` (which may be absent).
public enum ConfigLoader {
    /// The file used when neither `--config` nor `AIRLOCK_CONFIG` names one.
    public static let defaultPath = "config/airlock.yaml"

    /// Environment variables that end in `_FILE` because their key does (`store.caFile`, `auth.jwt.jwksFile`), not
    /// because they point at a file holding the value.
    static let variablesNamedFile: Set<String> = ["AIRLOCK_STORE_CA_FILE", "AIRLOCK_AUTH_JWT_JWKS_FILE"]

    /// Loads the configuration.
    /// - Parameters:
    ///   - path: The `--config` flag, if given.
    ///   - environment: The process environment.
    ///   - overrides: Values from CLI flags, by key path (`store.endpoint`).
    public static func load(
        path: String?,
        environment: [String: String],
        overrides: [String: ConfigValue] = [:]
    ) throws(AirlockError) -> ConfigReader {
        let (filePath, explicit) = resolvePath(path, environment: environment)
        if explicit, !FileManager.default.fileExists(atPath: filePath) {
            throw AirlockError(.invalidConfig, "configuration file '\(filePath)' does not exist")
        }
        var providers: [any ConfigProvider] = []
        if !overrides.isEmpty {
            providers.append(
                InMemoryProvider(
                    name: "flags",
                    values: Dictionary(uniqueKeysWithValues: overrides.map { (AbsoluteConfigKey(ConfigKey($0.key)), $0.value) })
                )
            )
        }
        let resolved = try resolvingFileVariables(environment)
        providers.append(
            EnvironmentVariablesProvider(
                environmentVariables: resolved,
                secretsSpecifier: .dynamic { name, _ in isSecretVariable(name) }
            ).prefixKeys(with: "airlock")
        )
        if explicit || FileManager.default.fileExists(atPath: filePath) {
            providers.append(InMemoryProvider(name: filePath, values: try YAMLConfigFile.values(path: filePath)))
        }
        return ConfigReader(providers: providers)
    }

    /// What every CLI command starts with: this process's environment and the configuration it and `--config` select.
    public static func loadForCommand(path: String?) throws(AirlockError) -> (config: ConfigReader, environment: [String: String]) {
        let environment = ProcessInfo.processInfo.environment
        return (try load(path: path, environment: environment), environment)
    }

    /// The configuration file: `--config`, else `AIRLOCK_CONFIG`, else the default (which may be absent).
    static func resolvePath(_ path: String?, environment: [String: String]) -> (path: String, explicit: Bool) {
        if let explicit = path ?? environment["AIRLOCK_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) { return (explicit, true) }
        return (defaultPath, false)
    }

    /// The profile names the configuration file defines (`profiles.<name>`), in file order of first appearance.
    public static func profileNames(path: String?, environment: [String: String]) throws(AirlockError) -> [String] {
        let (filePath, explicit) = resolvePath(path, environment: environment)
        guard explicit || FileManager.default.fileExists(atPath: filePath) else { return [] }
        var names: [String] = []
        for key in try YAMLConfigFile.values(path: filePath).keys.sorted(by: {
            $0.components.joined(separator: ".") < $1.components.joined(separator: ".")
        })
        where key.components.count >= 3 && key.components[0] == "profiles" && !names.contains(key.components[1]) {
            names.append(key.components[1])
        }
        return names
    }

    /// Replaces every `AIRLOCK_X_FILE=path` with `AIRLOCK_X=<contents of path>` (one trailing newline dropped).
    static func resolvingFileVariables(_ environment: [String: String]) throws(AirlockError) -> [String: String] {
        var result = environment
        for (name, path) in environment where name.hasPrefix("AIRLOCK_") && name.hasSuffix("_FILE") && !variablesNamedFile.contains(name) {
            let target = String(name.dropLast(5))
            guard environment[target] == nil else {
                throw AirlockError(.invalidConfig, "both \(target) and \(name) are set; set only one")
            }
            guard let data = FileManager.default.contents(atPath: path), var value = String(data: data, encoding: .utf8) else {
                throw AirlockError(.invalidConfig, "\(name) names '\(path)', which cannot be read")
            }
            if value.hasSuffix("\r\n") {
                value.removeLast(2)
            } else if value.hasSuffix("\n") {
                value.removeLast()
            }
            result[target] = value
            result[name] = nil
        }
        return result
    }

    /// Variables whose values must never be printed.
    static func isSecretVariable(_ name: String) -> Bool {
        let upper = name.uppercased()
        return upper.contains("SECRET") || upper.contains("PASSWORD") || upper.contains("TOKEN") || upper.hasSuffix("_KEY")
            || upper.hasPrefix("AIRLOCK_CATALOG_URL")
    }
}
