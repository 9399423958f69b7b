/// A bucket and a key prefix.
public struct BucketPrefix: Sendable, Hashable {
    public var bucket: String
    public var prefix: String

    public init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }
}

/// Where objects live (docs/architecture.md, "Object layout"): `incoming/<id>`, `processed/<id>/<safe name>`, `quarantine/<id>`.
public struct ObjectLayout: Sendable, Hashable {
    public var incoming: BucketPrefix
    public var processed: BucketPrefix
    public var quarantine: BucketPrefix

    public init(incoming: BucketPrefix, processed: BucketPrefix, quarantine: BucketPrefix) {
        self.incoming = incoming
        self.processed = processed
        self.quarantine = quarantine
    }

    public func incoming(_ id: UploadID) -> ObjectRef {
        ObjectRef(bucket: incoming.bucket, key: incoming.prefix + id.rawValue)
    }

    public func processed(_ id: UploadID, safeName: String) -> ObjectRef {
        ObjectRef(bucket: processed.bucket, key: processed.prefix + id.rawValue + "/" + safeName)
    }

    public func quarantine(_ id: UploadID) -> ObjectRef {
        ObjectRef(bucket: quarantine.bucket, key: quarantine.prefix + id.rawValue)
    }
}
