public import S3

/// `airlock storage init`: the buckets, CORS on incoming for `http.corsOrigins`, and the incoming lifecycle rule.
/// Idempotent: running it again changes nothing and reports what is there.
public enum StorageInit {
    /// The ID of the lifecycle rule Airlock owns on the incoming bucket (other rules are kept).
    public static let lifecycleRuleID = "airlock-incoming-expiry"

    /// Runs the initialization and returns one line per step.
    public static func run(
        s3: S3Client,
        buckets: BucketSettings,
        http: HTTPSettings,
        uploads: UploadSettings
    ) async throws(AirlockError) -> [String] {
        var report: [String] = []
        do {
            for bucket in buckets.bucketNames {
                if try await s3.bucketExists(bucket) {
                    report.append("bucket \(bucket): exists")
                } else {
                    try await s3.createBucket(bucket)
                    report.append("bucket \(bucket): created")
                }
            }
            let incoming = buckets.incoming
            if http.corsOrigins.isEmpty {
                report.append("cors \(incoming.bucket): unchanged (http.corsOrigins is empty; browsers cannot upload directly)")
            } else {
                let rule = CORSRule(
                    allowedOrigins: http.corsOrigins,
                    allowedMethods: ["POST", "PUT"],
                    allowedHeaders: ["*"],
                    exposeHeaders: ["ETag"],
                    maxAgeSeconds: 3000
                )
                try await s3.putBucketCors(incoming.bucket, rules: [rule])
                report.append("cors \(incoming.bucket): POST and PUT from \(http.corsOrigins.joined(separator: ", ")), exposing ETag")
            }
            let days = uploads.incomingRetentionDays
            let ours = LifecycleRule(id: lifecycleRuleID, prefix: incoming.prefix, expirationDays: days, abortIncompleteMultipartUploadDays: days)
            let existing = try await s3.getBucketLifecycle(incoming.bucket)
            if existing.contains(ours) {
                report.append("lifecycle \(incoming.bucket): unchanged (objects under '\(incoming.prefix)' expire after \(days) days)")
            } else {
                try await s3.putBucketLifecycle(incoming.bucket, rules: existing.filter { $0.id != lifecycleRuleID } + [ours])
                report.append(
                    "lifecycle \(incoming.bucket): objects under '\(incoming.prefix)' and incomplete multipart uploads expire after \(days) days"
                )
            }
        } catch {
            throw AirlockError(.storage, "storage init", cause: error)
        }
        return report
    }
}
