public import AirlockCore
public import Configuration

/// The `buckets` section: where incoming, processed and quarantined objects live (docs/architecture.md, "Object layout").
public struct BucketSettings: Sendable, Equatable {
    /// A bucket and a key prefix within it.
    public struct Place: Sendable, Equatable {
        public var bucket: String
        public var prefix: String

        public init(bucket: String, prefix: String = "") {
            self.bucket = bucket
            self.prefix = prefix
        }
    }

    public var incoming: Place
    public var processed: Place
    public var quarantine: Place

    public init(
        incoming: Place = Place(bucket: "airlock-incoming"),
        processed: Place = Place(bucket: "airlock-processed"),
        quarantine: Place = Place(bucket: "airlock-quarantine")
    ) {
        self.incoming = incoming
        self.processed = processed
        self.quarantine = quarantine
    }

    /// Reads the section from a reader scoped to `buckets`.
    ///
    /// - Configuration keys:
    ///   - `incoming.bucket`, `incoming.prefix` (default `airlock-incoming`, empty)
    ///   - `processed.bucket`, `processed.prefix` (default `airlock-processed`, empty)
    ///   - `quarantine.bucket`, `quarantine.prefix` (default `airlock-quarantine`, empty)
    public init(reader: ConfigReader) throws(AirlockError) {
        func place(_ name: String, _ defaultBucket: String) -> Place {
            Place(
                bucket: reader.string(forKey: ConfigKey("\(name).bucket"), default: defaultBucket),
                prefix: reader.string(forKey: ConfigKey("\(name).prefix"), default: "")
            )
        }
        self.init(
            incoming: place("incoming", "airlock-incoming"),
            processed: place("processed", "airlock-processed"),
            quarantine: place("quarantine", "airlock-quarantine")
        )
        try validate()
    }

    /// The distinct bucket names.
    public var bucketNames: [String] {
        var names: [String] = []
        for place in [incoming, processed, quarantine] where !names.contains(place.bucket) { names.append(place.bucket) }
        return names
    }

    /// Places that share a bucket must have non-empty prefixes, none of which contains another: an object can never
    /// be in two places at once.
    public func validate() throws(AirlockError) {
        let places = [("incoming", incoming), ("processed", processed), ("quarantine", quarantine)]
        for (index, (name, place)) in places.enumerated() {
            for (otherName, other) in places[(index + 1)...] where other.bucket == place.bucket {
                guard !place.prefix.isEmpty, !other.prefix.isEmpty else {
                    throw AirlockError(
                        .invalidConfig,
                        "buckets.\(name) and buckets.\(otherName) share bucket '\(place.bucket)': both need a non-empty prefix"
                    )
                }
                guard !place.prefix.hasPrefix(other.prefix), !other.prefix.hasPrefix(place.prefix) else {
                    throw AirlockError(
                        .invalidConfig,
                        "buckets.\(name).prefix '\(place.prefix)' and buckets.\(otherName).prefix '\(other.prefix)' overlap in bucket '\(place.bucket)'"
                    )
                }
            }
        }
    }

    /// Where objects live, as the pipeline and the API address them.
    public var layout: ObjectLayout {
        ObjectLayout(
            incoming: BucketPrefix(bucket: incoming.bucket, prefix: incoming.prefix),
            processed: BucketPrefix(bucket: processed.bucket, prefix: processed.prefix),
            quarantine: BucketPrefix(bucket: quarantine.bucket, prefix: quarantine.prefix)
        )
    }
}
