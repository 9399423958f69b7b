/// The kind of S3-compatible store Airlock talks to (`store.backend`). Each has a profile of what it supports.
public enum StoreBackend: String, Sendable, Hashable, CaseIterable {
    case aws
    case r2
    case seaweedfs
    case ceph
    case generic

    /// Whether the store accepts browser POST policies (R2 does not: uploads use pinned presigned PUTs).
    public var supportsPostPolicy: Bool { self != .r2 }

    /// The signing region used when the configuration names none.
    public var defaultRegion: String { self == .r2 ? "auto" : "us-east-1" }

    /// Whether the store is addressed virtual-host style when the configuration does not say (`store.addressing`).
    public var prefersVirtualHostAddressing: Bool { self == .aws }
}
