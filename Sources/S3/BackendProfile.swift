public import AirlockCore

/// What one kind of S3-compatible store supports, and how Airlock must talk to it.
public struct BackendProfile: Sendable, Equatable {
    /// Which header pins a CopyObject/UploadPartCopy to the source's ETag.
    public enum CopyPrecondition: String, Sendable {
        /// `x-amz-copy-source-if-match` (AWS, R2, SeaweedFS).
        case standard = "x-amz-copy-source-if-match"
        /// `x-amz-copy-if-match`: Ceph RGW 16 ignores the standard header and honors this one (docs/backends.md).
        case legacy = "x-amz-copy-if-match"
    }

    public var backend: StoreBackend
    public var copyPrecondition: CopyPrecondition
    /// Whether the store verifies `x-amz-checksum-sha256` on upload (Ceph RGW 16 does not: docs/backends.md). Where it does,
    /// the worker's placements carry the header, and so do client upload forms and pinned PUTs when the client declared
    /// a SHA-256: the store itself refuses other bytes at upload time.
    public var verifiesChecksums: Bool

    /// Browser POST policies (not on R2: uploads use pinned presigned PUTs).
    public var supportsPostPolicy: Bool { backend.supportsPostPolicy }
    /// The signing region when `store.region` is not set (`auto` for R2).
    public var defaultRegion: String { backend.defaultRegion }

    /// The profile of a backend.
    public static func of(_ backend: StoreBackend) -> BackendProfile {
        switch backend {
        case .aws:
            return BackendProfile(backend: .aws, copyPrecondition: .standard, verifiesChecksums: true)
        case .r2:
            return BackendProfile(backend: .r2, copyPrecondition: .standard, verifiesChecksums: true)
        case .seaweedfs:
            // SeaweedFS 4.48 refuses a wrong x-amz-checksum-sha256 (400 BadDigest) on PUT, presigned PUT, UploadPart and
            // the POST form (measured).
            return BackendProfile(backend: .seaweedfs, copyPrecondition: .standard, verifiesChecksums: true)
        case .ceph:
            return BackendProfile(backend: .ceph, copyPrecondition: .legacy, verifiesChecksums: false)
        case .generic:
            return BackendProfile(backend: .generic, copyPrecondition: .standard, verifiesChecksums: false)
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
