import Foundation
import SigV4
import Testing

/// The two worked examples of the Amazon S3 API Reference, with every intermediate value.
struct S3DocExampleTests {
    struct Examples: Decodable {
        struct Get: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var region: String
            var host: String
            var path: String
            var amz_date: String
            var expires: Int
            var canonical_request: String
            var string_to_sign: String
            var signature: String
        }
        struct Post: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var region: String
            var date: String
            var policy: String
            var policy_base64: String
            var signature: String
        }
        var presigned_get: Get
        var browser_post: Post
    }

    let examples: Examples

    init() throws {
        examples = try JSONDecoder().decode(Examples.self, from: Data(contentsOf: Fixtures.url("sigv4/s3-doc-examples.json")))
    }

    @Test func presignedGetMatchesTheWorkedExample() throws {
        let example = examples.presigned_get
        let signer = try Signer(
            credentials: Credentials(accessKeyId: example.access_key_id, secretAccessKey: example.secret_access_key),
            region: example.region
        )
        let time = try #require(SigningTime(amzDate: example.amz_date))
        let presigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: "https://s3.amazonaws.com"), addressing: .virtualHost)
        let url = try presigner.presign(
            .init(method: .get, bucket: "examplebucket", key: String(example.path.dropFirst()), expires: example.expires),
            at: time
        )
        #expect(
            url.url
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=\(example.signature)"
        )

        // The generic query signer reproduces every intermediate value.
        let generic = try signer.presignQuery(
            SigningRequest(method: "GET", path: example.path, headers: [("Host", example.host)], payloadHash: Signer.unsignedPayload),
            expires: example.expires,
            at: time
        )
        #expect(generic.artifacts.canonicalRequest == example.canonical_request)
        #expect(generic.artifacts.stringToSign == example.string_to_sign)
        #expect(generic.artifacts.signature == example.signature)
    }

    @Test func browserPostPolicyMatchesTheWorkedExampleIncludingCRLF() throws {
        let example = examples.browser_post
        #expect(example.policy.contains("\r\n"))
        #expect(Data(example.policy.utf8).base64EncodedString() == example.policy_base64)
        let signer = try Signer(
            credentials: Credentials(accessKeyId: example.access_key_id, secretAccessKey: example.secret_access_key),
            region: example.region
        )
        let time = try #require(SigningTime(amzDate: example.date + "T000000Z"))
        let presigner = Presigner(signer: signer, endpoint: try S3Endpoint(url: "https://s3.amazonaws.com"))
        #expect(presigner.signPolicy(base64: example.policy_base64, at: time) == example.signature)
    }
}
