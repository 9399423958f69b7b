public import AirlockCore

/// What one kind of S3-compatible store supports, and how Airlock must talk to it.
public struct BackendProfile: Sendable, Equatable {
    /// Which header pins a CopyObject/UploadPartCopy to the source's ETag.
    public enum CopyPrecondition: String, Sendable {
        /// `x-amz-copy-source-if-match` (AWS, R2, SeaweedFS).
        case standard = "x-amz-copy-source-if-match"
        /// `x-amz-copy-if-match`: Ceph RGW 16 ignores the standard header and honors this one (FACTS.md).
        case legacy = "x-amz-copy-if-match"
    }

    public var backend: StoreBackend
    /// Path-style unless the store wants virtual-host addressing by default.
    public var defaultAddressing: String
    /// The signing region when `store.region` is not set.
    public var defaultRegion: String
    /// Browser POST policies (not on R2: uploads use pinned presigned PUTs).
    public var supportsPostPolicy: Bool
    /// Object tagging.
    public var supportsTagging: Bool
    public var copyPrecondition: CopyPrecondition
    /// Whether the store verifies `x-amz-checksum-sha256` on upload (Ceph RGW 16 does not: FACTS.md).
    public var verifiesChecksums: Bool

    /// The profile of a backend.
    public static func of(_ backend: StoreBackend) -> BackendProfile {
        switch backend {
        case .aws:
            return BackendProfile(
                backend: .aws, defaultAddressing: "virtual", defaultRegion: "us-east-1", supportsPostPolicy: true, supportsTagging: true,
                copyPrecondition: .standard, verifiesChecksums: true
            )
        case .r2:
            return BackendProfile(
                backend: .r2, defaultAddressing: "path", defaultRegion: "auto", supportsPostPolicy: false, supportsTagging: false,
                copyPrecondition: .standard, verifiesChecksums: true
            )
        case .seaweedfs:
            return BackendProfile(
                backend: .seaweedfs, defaultAddressing: "path", defaultRegion: "us-east-1", supportsPostPolicy: true, supportsTagging: true,
                copyPrecondition: .standard, verifiesChecksums: false
            )
        case .ceph:
            return BackendProfile(
                backend: .ceph, defaultAddressing: "path", defaultRegion: "us-east-1", supportsPostPolicy: true, supportsTagging: true,
                copyPrecondition: .legacy, verifiesChecksums: false
            )
        case .generic:
            return BackendProfile(
                backend: .generic, defaultAddressing: "path", defaultRegion: "us-east-1", supportsPostPolicy: true, supportsTagging: false,
                copyPrecondition: .standard, verifiesChecksums: false
            )
        }
    }
}

/// ETag comparison: stores quote them or not (Ceph RGW's CopyObject returns it unquoted, HEAD quoted).
public enum ETag {
    /// The ETag without surrounding quotes or a weak `W/` prefix.
    public static func normalized(_ etag: String) -> String {
        var value = Substring(etag)
        if value.hasPrefix("W/") { value = value.dropFirst(2) }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
        return String(value)
    }

    /// Whether two ETags name the same content.
    public static func matches(_ a: String, _ b: String) -> Bool {
        normalized(a) == normalized(b)
    }

    /// The ETag in quotes, as `If-Match` headers want it.
    public static func quoted(_ etag: String) -> String {
        "\"\(normalized(etag))\""
    }
}
