import AirlockErrors
import SigV4
import Testing

/// `SigV4Error` in the shared error model: stable codes, and messages that never carry a secret or a signature.
struct SigV4ErrorTests {
    static let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY"
    static let token = "session-token-SECRET-0123456789"
    let time = SigningTime(amzDate: "20260101T120000Z")!

    func presigner(endpoint: String = "http://127.0.0.1:7480") throws(SigV4Error) -> Presigner {
        Presigner(
            signer: try Signer(
                credentials: Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token),
                region: "us-east-1"
            ),
            endpoint: try S3Endpoint(url: endpoint),
            addressing: .path
        )
    }

    /// Every refusal the signer makes, each with the code it must carry.
    func refusals() -> [(code: String, attempt: () throws(SigV4Error) -> Void)] {
        [
            (
                "invalid_expiry",
                { () throws(SigV4Error) in _ = try presigner().presign(.init(method: .get, bucket: "bucket", key: "k", expires: 0), at: time) }
            ),
            (
                "invalid_bucket_name",
                { () throws(SigV4Error) in _ = try presigner().presign(.init(method: .get, bucket: "B", key: "k", expires: 60), at: time) }
            ),
            (
                "invalid_key",
                { () throws(SigV4Error) in _ = try presigner().presign(.init(method: .get, bucket: "bucket", key: "", expires: 60), at: time) }
            ),
            (
                "invalid_header",
                { () throws(SigV4Error) in
                    _ = try presigner().presign(
                        .init(method: .put, bucket: "bucket", key: "k", expires: 60, headers: [("x-amz-meta-a", "\(Self.secret)\n")]),
                        at: time
                    )
                }
            ),
            (
                "invalid_policy",
                { () throws(SigV4Error) in
                    _ = try presigner().presignPost(.init(bucket: "bucket", key: .exact("k"), expires: 60, contentLength: -1...5), at: time)
                }
            ),
            (
                "invalid_endpoint",
                { () throws(SigV4Error) in _ = try presigner(endpoint: "https://user:\(Self.secret)@s3.example.com/path?X-Amz-Signature=abc") }
            ),
            (
                "invalid_credentials",
                { () throws(SigV4Error) in
                    _ = try Signer(
                        credentials: Credentials(accessKeyId: "AKID", secretAccessKey: Self.secret, sessionToken: "\(Self.token)\n"),
                        region: "us-east-1"
                    )
                }
            ),
            (
                "invalid_credentials",
                { () throws(SigV4Error) in
                    _ = try Signer(credentials: Credentials(accessKeyId: "A/\(Self.secret)", secretAccessKey: Self.secret), region: "x")
                }
            ),
            (
                "invalid_region",
                { () throws(SigV4Error) in
                    _ = try Signer(credentials: Credentials(accessKeyId: "AKID", secretAccessKey: Self.secret), region: "us east")
                }
            ),
        ]
    }

    @Test func eachRefusalHasItsStableCodeAndNoSecretInWhatItPrints() {
        for (code, attempt) in refusals() {
            do {
                try attempt()
                Issue.record("\(code): accepted")
            } catch {
                let failure: any AirlockFailure = error
                #expect(failure.codeName == code)
                #expect(failure.cause == nil)
                for text in [failure.message, failure.description, failure.debugDescription, String(reflecting: error)] {
                    #expect(!text.contains(Self.secret), "\(code): \(text)")
                    #expect(!text.contains(Self.token), "\(code): \(text)")
                    #expect(!text.contains("X-Amz-Signature"), "\(code): \(text)")
                }
            }
        }
    }

    @Test func endpointMessagesKeepTheHostButNotUserInfoOrQuery() {
        do {
            _ = try S3Endpoint(url: "http://admin:hunter2@store.example:9000/?X-Amz-Signature=deadbeef")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("'http://***@store.example:9000/'"), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
            #expect(!error.message.contains("deadbeef"))
        }
    }
}
