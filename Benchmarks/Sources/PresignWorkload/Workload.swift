public import SigV4

/// The presign operations every benchmark measures: the same key, bucket, expiry and POST conditions that
/// scripts/bench/botocore_presign.py gives botocore.
public enum Workload {
    public static let time = SigningTime(amzDate: "20261121T120000Z")!
    public static let presigner: Presigner = {
        let signer = try! Signer(
            credentials: Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1"
        )
        return Presigner(signer: signer, endpoint: try! S3Endpoint(url: "http://127.0.0.1:7480"))
    }()
    public static let key = "0192f1c2-7c3b-7d4e-9a8b-123456789abc/quarterly report.pdf"
    public static let get = Presigner.ObjectRequest(method: .get, bucket: "airlock-processed", key: key, expires: 300)
    public static let post = Presigner.PostRequest(
        bucket: "airlock-incoming",
        key: .exact("0192f1c2-7c3b-7d4e-9a8b-123456789abc"),
        expires: 900,
        contentType: "application/pdf",
        contentLength: 48_213...48_213,
        metadata: [("airlock-id", "0192f1c2-7c3b-7d4e-9a8b-123456789abc")],
        successActionStatus: 201
    )

    @inline(never)
    public static func presignGet() -> Int {
        try! presigner.presign(get, at: time).url.utf8.count
    }

    @inline(never)
    public static func presignPost() -> Int {
        try! presigner.presignPost(post, at: time).fields.count
    }
}
