/// A profile from configuration (`profiles.<name>`): which files it accepts.
public struct UploadProfile: Sendable, Hashable, Codable {
    /// Extensions and the detected types allowed for them.
    public struct AllowRule: Sendable, Hashable, Codable {
        /// Lowercase, without the dot.
        public var extensions: [String]
        /// Media types (essence, lowercase).
        public var types: [String]

        public init(extensions: [String], types: [String]) {
            self.extensions = extensions.map { $0.lowercased() }
            self.types = types.map(MediaType.essence)
        }
    }

    /// Whether archives are accepted, and the limits their walk enforces.
    public struct ArchivePolicy: Sendable, Hashable, Codable {
        public var allowed: Bool
        public var maxEntries: Int
        public var maxTotalSize: Int64
        public var maxDepth: Int

        public init(allowed: Bool = false, maxEntries: Int = 1000, maxTotalSize: Int64 = 1 << 30, maxDepth: Int = 3) {
            self.allowed = allowed
            self.maxEntries = maxEntries
            self.maxTotalSize = maxTotalSize
            self.maxDepth = maxDepth
        }
    }

    public var name: String
    public var maxSize: Int64
    public var allow: [AllowRule]
    public var archives: ArchivePolicy
    /// Wall time one upload's inspection may take, every archive level and check included: past it the upload is
    /// `unscannable`, the limit named.
    public var inspectionTimeLimit: Duration

    public init(
        name: String,
        maxSize: Int64,
        allow: [AllowRule],
        archives: ArchivePolicy = ArchivePolicy(),
        inspectionTimeLimit: Duration = .seconds(120)
    ) {
        self.name = name
        self.maxSize = maxSize
        self.allow = allow
        self.archives = archives
        self.inspectionTimeLimit = inspectionTimeLimit
    }

    /// The types allowed for an extension, or `nil` when the extension is not allowed.
    public func allowedTypes(forExtension fileExtension: String) -> [String]? {
        let lowered = fileExtension.lowercased()
        let types = allow.filter { $0.extensions.contains(lowered) }.flatMap(\.types)
        return types.isEmpty && !allow.contains(where: { $0.extensions.contains(lowered) }) ? nil : types
    }

    /// Every extension the profile allows.
    public var allowedExtensions: [String] {
        var seen: [String] = []
        for rule in allow { for ext in rule.extensions where !seen.contains(ext) { seen.append(ext) } }
        return seen
    }

    /// Plain zip archives (the inspector walks their members).
    public static let zipArchiveTypes: Set<String> = ["application/zip", "application/x-zip-compressed", "application/x-zip"]

    /// Archive and compression formats whose members Airlock does not extract: a profile must not admit them, or
    /// whatever they hold would reach processed with only ClamAV's view of it.
    public static let unwalkableArchiveTypes: Set<String> = [
        "application/gzip", "application/x-gzip", "application/x-tar", "application/x-gtar", "application/x-7z-compressed", "application/x-rar",
        "application/x-rar-compressed", "application/vnd.rar", "application/x-bzip2", "application/x-xz", "application/x-lzma", "application/zstd",
        "application/x-zstd", "application/x-lzip", "application/x-compress", "application/x-arj", "application/x-lzh-compressed",
        "application/x-cpio",
        "application/x-archive", "application/vnd.ms-cab-compressed", "application/x-iso9660-image", "application/x-apple-diskimage",
        "application/x-xar", "application/x-rpm", "application/x-debian-package", "application/java-archive", "application/x-ace-compressed",
    ]

    /// Whether the profile admits plain zip archives.
    public var admitsZipArchives: Bool { allowedTypes.contains { Self.zipArchiveTypes.contains($0) } }

    /// Archive types the profile admits that the inspector cannot walk.
    public var unwalkableArchiveTypes: [String] { allowedTypes.filter { Self.unwalkableArchiveTypes.contains($0) } }

    /// Every type the profile allows for some extension.
    public var allowedTypes: [String] {
        var seen: [String] = []
        for rule in allow { for type in rule.types where !seen.contains(type) { seen.append(type) } }
        return seen
    }
}

/// Media type names and how libmagic's answers relate to what profiles allow.
public enum MediaType {
    /// `Text/Plain; charset=utf-8` → `text/plain`.
    public static func essence(_ type: String) -> String {
        // Already an essence (what libmagic says): printable ASCII without parameters, blanks or capitals.
        if type.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") && !(0x41...0x5A).contains($0) }) { return type }
        let base = type.split(separator: ";", maxSplits: 1).first.map(String.init) ?? type
        return base.trimmingSpaces().lowercased()
    }

    /// Names libmagic or clients use for the same type.
    static let aliases: [String: String] = [
        "application/x-zip-compressed": "application/zip",
        "application/x-zip": "application/zip",
        "image/x-ms-bmp": "image/bmp",
        "image/jpg": "image/jpeg",
        "image/pjpeg": "image/jpeg",
        "application/x-pdf": "application/pdf",
        "text/comma-separated-values": "text/csv",
        "application/csv": "text/csv",
        "text/json": "application/json",
        "audio/x-wav": "audio/wav",
        "application/x-gzip": "application/gzip",
    ]

    static func canonical(_ type: String) -> String {
        let value = essence(type)
        return aliases[value] ?? value
    }

    /// Text types that are active or executable: never acceptable as plain text.
    public static let activeText: Set<String> = [
        "text/html", "text/xml", "application/xml", "image/svg+xml", "application/xhtml+xml", "text/javascript", "application/javascript",
        "text/x-shellscript", "text/x-script.python", "text/x-perl", "text/x-ruby", "text/x-php", "text/x-msdos-batch", "text/x-awk",
        "text/x-tcl", "text/x-lua", "text/x-script.perl", "text/x-script.ruby", "application/x-sh", "application/x-httpd-php",
    ]

    /// Whether content libmagic reported as `detected` can be what `allowed` names: the same type, or a known family
    /// relation (prose with commas reads as `text/csv`, large JSON as `text/plain`, source-like prose as `text/x-c`).
    public static func isCompatible(detected: String, allowed: String) -> Bool {
        let detected = canonical(detected)
        let allowed = canonical(allowed)
        if detected == allowed { return true }
        switch allowed {
        case "text/plain", "text/markdown":
            if activeText.contains(detected) { return false }
            return detected.hasPrefix("text/") || detected == "application/json" || detected == "application/x-ndjson"
        case "text/csv", "text/tab-separated-values":
            return detected == "text/plain" || detected == "text/csv"
        case "application/json":
            return detected == "text/plain"
        default:
            return false
        }
    }
}
