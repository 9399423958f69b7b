import AirlockCore
import Configuration
import Foundation

/// Typed values from configuration strings, with errors that name the full key (`uploads.expires`).
///
/// Every value is read as a string, from the file and the environment alike, and parsed here.
extension ConfigReader {
    func size(_ key: String, in section: String, default fallback: ByteSize) throws(AirlockError) -> ByteSize {
        guard let text = string(forKey: ConfigKey(key)) else { return fallback }
        guard let value = ByteSize(parsing: text) else {
            throw AirlockError(.invalidConfig, "\(section).\(key) '\(text)' is not a size such as 50MiB")
        }
        return value
    }

    func optionalDuration(_ key: String, in section: String) throws(AirlockError) -> ConfigDuration? {
        guard let text = string(forKey: ConfigKey(key)) else { return nil }
        guard let value = ConfigDuration(parsing: text) else {
            throw AirlockError(.invalidConfig, "\(section).\(key) '\(text)' is not a duration such as 15m, 8h or 7d")
        }
        return value
    }

    /// A retention: absent gives `fallback`; `off` gives nil (kept for ever); anything else is a duration.
    func retention(_ key: String, in section: String, default fallback: ConfigDuration?) throws(AirlockError) -> ConfigDuration? {
        switch string(forKey: ConfigKey(key)) {
        case nil: fallback
        case "off": nil
        default: try optionalDuration(key, in: section)
        }
    }

    func duration(_ key: String, in section: String, default fallback: ConfigDuration) throws(AirlockError) -> ConfigDuration {
        try optionalDuration(key, in: section) ?? fallback
    }

    func integer(_ key: String, in section: String, default fallback: Int, range: ClosedRange<Int>) throws(AirlockError) -> Int {
        guard let text = string(forKey: ConfigKey(key)) else { return fallback }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw AirlockError(.invalidConfig, "\(section).\(key) '\(text)' must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func boolean(_ key: String, in section: String, default fallback: Bool) throws(AirlockError) -> Bool {
        guard let text = string(forKey: ConfigKey(key)) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw AirlockError(.invalidConfig, "\(section).\(key) '\(text)' must be true or false")
        }
    }

    /// A list: a YAML sequence, or a comma-separated string (environment variables).
    func list(_ key: String) -> [String] {
        if let array = stringArray(forKey: ConfigKey(key)) { return array }
        guard let text = string(forKey: ConfigKey(key)) else { return [] }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
