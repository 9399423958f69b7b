public import AirlockCore
public import Configuration

/// The `uploads` section: lifetimes and sizes of uploads and downloads.
public struct UploadSettings: Sendable, Equatable {
    public var expires: ConfigDuration
    public var downloadExpires: ConfigDuration
    public var quarantineDownloadExpires: ConfigDuration
    public var multipartThreshold: ByteSize
    public var partSize: ByteSize
    public var incomingRetention: ConfigDuration
    public var processedRetention: ConfigDuration?
    public var quarantineRetention: ConfigDuration?

    public init(
        expires: ConfigDuration = .minutes(15),
        downloadExpires: ConfigDuration = .minutes(5),
        quarantineDownloadExpires: ConfigDuration = .minutes(2),
        multipartThreshold: ByteSize = .mebibytes(100),
        partSize: ByteSize = .mebibytes(16),
        incomingRetention: ConfigDuration = .days(7),
        processedRetention: ConfigDuration? = nil,
        quarantineRetention: ConfigDuration? = .days(90)
    ) {
        self.expires = expires
        self.downloadExpires = downloadExpires
        self.quarantineDownloadExpires = quarantineDownloadExpires
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.incomingRetention = incomingRetention
        self.processedRetention = processedRetention
        self.quarantineRetention = quarantineRetention
    }

    /// Reads the section from a reader scoped to `uploads`.
    ///
    /// - Configuration keys:
    ///   - `expires` (duration, default `15m`, 1s...7d): presigned upload lifetime.
    ///   - `downloadExpires` (duration, default `5m`), `quarantineDownloadExpires` (duration, default `2m`).
    ///   - `multipartThreshold` (size, default `100MiB`), `partSize` (size, default `16MiB`, at least 5MiB).
    ///   - `incomingRetention` (duration, default `7d`): lifecycle expiry of incoming objects; far above `expires`.
    ///   - `processedRetention` (duration or `off`, default `off`), `quarantineRetention` (duration or `off`, default `90d`).
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "uploads"
        self.init(
            expires: try reader.duration("expires", in: section, default: .minutes(15)),
            downloadExpires: try reader.duration("downloadExpires", in: section, default: .minutes(5)),
            quarantineDownloadExpires: try reader.duration("quarantineDownloadExpires", in: section, default: .minutes(2)),
            multipartThreshold: try reader.size("multipartThreshold", in: section, default: .mebibytes(100)),
            partSize: try reader.size("partSize", in: section, default: .mebibytes(16)),
            incomingRetention: try reader.duration("incomingRetention", in: section, default: .days(7)),
            processedRetention: try reader.retention("processedRetention", in: section, default: nil),
            quarantineRetention: try reader.retention("quarantineRetention", in: section, default: .days(90))
        )
        try validate()
    }

    public func validate() throws(AirlockError) {
        for (key, value) in [("expires", expires), ("downloadExpires", downloadExpires), ("quarantineDownloadExpires", quarantineDownloadExpires)] {
            guard value.seconds >= 1, value.seconds <= 604_800 else {
                throw AirlockError(.invalidConfig, "uploads.\(key) \(value) must be between 1s and 7d (presigned URL limits)")
            }
        }
        guard partSize >= .mebibytes(5) else {
            throw AirlockError(.invalidConfig, "uploads.partSize \(partSize) is below the 5MiB S3 minimum")
        }
        guard incomingRetention.seconds >= 86_400, incomingRetention.seconds >= expires.seconds * 4 else {
            throw AirlockError(
                .invalidConfig,
                "uploads.incomingRetention \(incomingRetention) must be at least 1d and far above uploads.expires \(expires): the lifecycle rule would delete uploads in flight"
            )
        }
    }

    /// Whole days of the incoming lifecycle rule (rounded up; S3 lifecycle works in days).
    public var incomingRetentionDays: Int {
        Int((incomingRetention.seconds + 86_399) / 86_400)
    }
}
