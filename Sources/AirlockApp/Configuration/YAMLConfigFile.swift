public import Configuration
import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads Airlock's YAML configuration file into flat key paths.
///
/// swift-configuration's YAML snapshot refuses sequences of mappings, which Airlock's profiles (`allow`) and webhooks
/// use, so the file is flattened here: mappings become key components, sequences of mappings get index components
/// (`profiles.documents.allow.0.extensions`), sequences of scalars become string arrays, `null` is absent. Every
/// scalar stays a string: settings parse and range-check their own values (sizes, durations, ports) and name the key
/// in their errors, the same way for the file and for environment variables.
public enum YAMLConfigFile {
    /// Parses YAML text into key paths.
    public static func values(yaml text: String, source: String) throws(AirlockError) -> [AbsoluteConfigKey: ConfigValue] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw AirlockError(.invalidConfig, "\(source) is not valid YAML", cause: error)
        }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        guard let root else { return values }
        guard case .mapping = root else { throw AirlockError(.invalidConfig, "\(source) must be a mapping at the top level") }
        try flatten(root, path: [], into: &values, source: source)
        return values
    }

    /// Reads and parses a file.
    public static func values(path: String) throws(AirlockError) -> [AbsoluteConfigKey: ConfigValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AirlockError(.invalidConfig, "configuration file '\(path)' cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AirlockError(.invalidConfig, "configuration file '\(path)' is not UTF-8")
        }
        return try values(yaml: text, source: "configuration file '\(path)'")
    }

    private static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node {
            return scalar.tag == Tag(.null) || (scalar.style == .plain && ["null", "Null", "NULL", "~", ""].contains(scalar.string))
        }
        return false
    }

    private static func flatten(
        _ node: Node,
        path: [String],
        into values: inout [AbsoluteConfigKey: ConfigValue],
        source: String
    ) throws(AirlockError) {
        let dotted = path.joined(separator: ".")
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return }
            values[AbsoluteConfigKey(path)] = ConfigValue(.string(scalar.string), isSecret: false)
        case .mapping(let mapping):
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let key) = keyNode, !key.string.isEmpty, !key.string.contains(".") else {
                    throw AirlockError(.invalidConfig, "\(source): keys under '\(dotted)' must be plain names without dots")
                }
                try flatten(valueNode, path: path + [key.string], into: &values, source: source)
            }
        case .sequence(let sequence):
            let items = Array(sequence)
            if items.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) {
                values[AbsoluteConfigKey(path)] = ConfigValue(.stringArray(items.compactMap { isNull($0) ? nil : $0.string }), isSecret: false)
            } else {
                for (index, item) in items.enumerated() {
                    try flatten(item, path: path + [String(index)], into: &values, source: source)
                }
            }
        case .alias:
            throw AirlockError(.invalidConfig, "\(source): YAML aliases are not supported (at '\(dotted)')")
        }
    }
}
