public import AirlockCore
public import Configuration

/// `profiles.<name>`: the upload profiles.
public enum ProfileSettings {
    /// Reads every profile named in the configuration file.
    /// - Parameters:
    ///   - reader: The whole configuration.
    ///   - names: Profile names (from ``ConfigLoader/profileNames(path:environment:)``).
    public static func read(_ reader: ConfigReader, names: [String]) throws(AirlockError) -> [String: UploadProfile] {
        var profiles: [String: UploadProfile] = [:]
        for name in names {
            profiles[name] = try read(reader.scoped(to: ConfigKey(["profiles", name])), name: name)
        }
        return profiles
    }

    /// Reads one profile from a reader scoped to `profiles.<name>`.
    ///
    /// - Configuration keys:
    ///   - `maxSize` (size, required).
    ///   - `allow` (list of `{extensions: [...], types: [...]}`, at least one).
    ///   - `archives.allowed` (bool, default false), `archives.maxEntries` (default 1000), `archives.maxTotalSize`
    ///     (size, default 1GiB), `archives.maxDepth` (default 3): with `maxInspectionTime` (duration, default 2m),
    ///     one budget per upload across every archive level.
    public static func read(_ reader: ConfigReader, name: String) throws(AirlockError) -> UploadProfile {
        let section = "profiles.\(name)"
        guard reader.string(forKey: "maxSize") != nil else {
            throw AirlockError(.invalidConfig, "\(section).maxSize is required")
        }
        let maxSize = try reader.size("maxSize", in: section, default: .mebibytes(50))
        var rules: [UploadProfile.AllowRule] = []
        var index = 0
        while true {
            let extensions = reader.list("allow.\(index).extensions")
            let types = reader.list("allow.\(index).types")
            if extensions.isEmpty && types.isEmpty { break }
            guard !extensions.isEmpty, !types.isEmpty else {
                throw AirlockError(.invalidConfig, "\(section).allow[\(index)] needs both extensions and types")
            }
            guard extensions.allSatisfy({ !$0.isEmpty && !$0.contains(".") && !$0.contains("/") }) else {
                throw AirlockError(.invalidConfig, "\(section).allow[\(index)].extensions are written without dots: [pdf, txt]")
            }
            guard types.allSatisfy({ $0.contains("/") }) else {
                throw AirlockError(.invalidConfig, "\(section).allow[\(index)].types are media types such as application/pdf")
            }
            rules.append(UploadProfile.AllowRule(extensions: extensions, types: types))
            index += 1
        }
        guard !rules.isEmpty else { throw AirlockError(.invalidConfig, "\(section).allow must name at least one extension") }
        // Fail closed: a profile that admits zip archives always walks their members (defaults apply); one that
        // admits an archive format Airlock cannot walk, or turns the walk off while admitting zip, is refused.
        let draft = UploadProfile(name: name, maxSize: maxSize.bytes, allow: rules)
        if let unwalked = draft.unwalkableArchiveTypes.first {
            throw AirlockError(
                .invalidConfig,
                "\(section).allow admits \(unwalked), an archive format whose members Airlock cannot walk (only zip archives are walked)"
            )
        }
        let allowed = try reader.boolean("archives.allowed", in: section, default: draft.admitsZipArchives)
        if draft.admitsZipArchives, !allowed {
            throw AirlockError(
                .invalidConfig,
                "\(section).allow admits zip archives but archives.allowed is false: their members would not be inspected"
            )
        }
        let archives = UploadProfile.ArchivePolicy(
            allowed: allowed,
            maxEntries: try reader.integer("archives.maxEntries", in: section, default: 1000, range: 1...1_000_000),
            maxTotalSize: try reader.size("archives.maxTotalSize", in: section, default: .gibibytes(1)).bytes,
            maxDepth: try reader.integer("archives.maxDepth", in: section, default: 3, range: 1...16)
        )
        let time = try reader.duration("maxInspectionTime", in: section, default: .minutes(2))
        guard time.milliseconds >= 1000 else { throw AirlockError(.invalidConfig, "\(section).maxInspectionTime must be at least 1s") }
        return UploadProfile(name: name, maxSize: maxSize.bytes, allow: rules, archives: archives, inspectionTimeLimit: time.duration)
    }
}
