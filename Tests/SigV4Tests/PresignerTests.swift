import Foundation
import SigV4
import Testing

struct PresignerTests {
    let time = SigningTime(amzDate: "20260101T120000Z")!

    func presigner(
        _ endpoint: String = "http://127.0.0.1:7480",
        addressing: S3Endpoint.Addressing = .path,
        token: String? = nil
    ) throws(SigV4Error) -> Presigner {
        Presigner(
            signer: try Signer(credentials: Credentials(accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: token), region: "us-east-1"),
            endpoint: try S3Endpoint(url: endpoint),
            addressing: addressing
        )
    }

    @Test(arguments: [0, -1, 604_801, Int.max])
    func expiryOutsideOneSecondToSevenDaysIsRefused(_ expires: Int) throws {
        #expect(throws: SigV4Error.self) {
            try presigner().presign(.init(method: .get, bucket: "bucket", key: "k", expires: expires), at: time)
        }
        do {
            _ = try presigner().presignPost(.init(bucket: "bucket", key: .exact("k"), expires: expires), at: time)
            Issue.record("POST accepted expiry \(expires)")
        } catch {
            #expect(error.code == .invalidExpiry)
        }
    }

    @Test(arguments: [1, 604_800])
    func expiryBoundsAreAccepted(_ expires: Int) throws {
        let url = try presigner().presign(.init(method: .get, bucket: "bucket", key: "k", expires: expires), at: time)
        #expect(url.url.contains("X-Amz-Expires=\(expires)&"))
        #expect(url.expiresAt.secondsSinceEpoch == time.secondsSinceEpoch + expires)
    }

    @Test(arguments: ["ab", "Bucket", "bucket_name", "-bucket", "bucket-", "a..b", "192.168.1.1", String(repeating: "a", count: 64), "büket"])
    func invalidBucketNamesAreRefused(_ name: String) throws {
        do {
            _ = try presigner().presign(.init(method: .get, bucket: name, key: "k", expires: 60), at: time)
            Issue.record("accepted bucket \(name)")
        } catch {
            #expect(error.code == .invalidBucketName)
            #expect(error.message.contains(name))
        }
    }

    @Test func emptyAndOverlongKeysAreRefused() throws {
        for key in ["", String(repeating: "k", count: 1025)] {
            #expect(throws: SigV4Error.self) { try presigner().presign(.init(method: .get, bucket: "bucket", key: key, expires: 60), at: time) }
        }
        _ = try presigner().presign(.init(method: .get, bucket: "bucket", key: String(repeating: "k", count: 1024), expires: 60), at: time)
    }

    @Test func pathIsEncodedOnceAndNeverNormalized() throws {
        let url = try presigner().presign(.init(method: .get, bucket: "bucket", key: "//a/./b/../c d%2F+é/", expires: 60), at: time).url
        #expect(url.hasPrefix("http://127.0.0.1:7480/bucket///a/./b/../c%20d%252F%2B%C3%A9/?"))
    }

    @Test func virtualHostAddressingFallsBackWhereItCannotWork() throws {
        let https = try presigner("https://s3.example.com", addressing: .virtualHost)
        #expect(
            try https.presign(.init(method: .get, bucket: "plain-name", key: "k", expires: 60), at: time).url.hasPrefix(
                "https://plain-name.s3.example.com/k?"
            )
        )
        // Dots break the wildcard certificate on https.
        #expect(
            try https.presign(.init(method: .get, bucket: "with.dots", key: "k", expires: 60), at: time).url.hasPrefix(
                "https://s3.example.com/with.dots/k?"
            )
        )
        // Fine on http.
        let http = try presigner("http://s3.example.com:9000", addressing: .virtualHost)
        #expect(
            try http.presign(.init(method: .get, bucket: "with.dots", key: "k", expires: 60), at: time).url.hasPrefix(
                "http://with.dots.s3.example.com:9000/k?"
            )
        )
        // Never on an IP address.
        let ip = try presigner("http://127.0.0.1:7480", addressing: .virtualHost)
        #expect(
            try ip.presign(.init(method: .get, bucket: "plain-name", key: "k", expires: 60), at: time).url.hasPrefix(
                "http://127.0.0.1:7480/plain-name/k?"
            )
        )
        #expect(S3BucketName.isDNSCompatible("a-.b") == false)
        #expect(S3BucketName.isDNSCompatible("ok-name") == true)
    }

    @Test func hostCarriesOnlyNonDefaultPorts() throws {
        #expect(try S3Endpoint(url: "https://s3.example.com:443").authority == "s3.example.com")
        #expect(try S3Endpoint(url: "http://s3.example.com:80/").authority == "s3.example.com")
        #expect(try S3Endpoint(url: "http://LocalHost:7480").authority == "localhost:7480")
        #expect(try S3Endpoint(url: "https://[::1]:8443").authority == "[::1]:8443")
        #expect(try S3Endpoint(url: "https://s3.example.com:80").authority == "s3.example.com:80")
    }

    @Test(arguments: [
        "", "s3.example.com", "ftp://s3.example.com", "http://", "http://host:0", "http://host:65536", "http://host/path",
        "http://user@host", "http://host?x=1", "http://ho st", "http://[::1",
    ])
    func malformedEndpointsAreRefused(_ text: String) {
        #expect(throws: SigV4Error.self) { try S3Endpoint(url: text) }
    }

    @Test func signedHeadersArePinnedAndReturned() throws {
        let url = try presigner().presign(
            .init(
                method: .put,
                bucket: "bucket",
                key: "k",
                expires: 60,
                headers: [("Content-Type", "  text/plain;   charset=utf-8 "), ("Content-Length", "5"), ("X-Amz-Meta-Airlock-Id", "abc")]
            ),
            at: time
        )
        #expect(url.url.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-meta-airlock-id&"))
        #expect(url.headers.map(\.name) == ["content-type", "content-length", "x-amz-meta-airlock-id"])
        #expect(url.headers[0].value == "text/plain; charset=utf-8")
    }

    @Test func reservedOrUnsafeHeadersAndQueryParametersAreRefused() throws {
        let p = try presigner()
        for header in [("Host", "evil"), ("Authorization", "x"), ("X-Amz-Date", "x"), ("Bad Name", "x"), ("x-amz-meta-a", "line\r\nbreak")] {
            #expect(throws: SigV4Error.self, "\(header)") {
                try p.presign(.init(method: .put, bucket: "bucket", key: "k", expires: 60, headers: [header]), at: time)
            }
        }
        #expect(throws: SigV4Error.self) {
            try p.presign(.init(method: .get, bucket: "bucket", key: "k", expires: 60, query: [("X-Amz-Expires", "9")]), at: time)
        }
    }

    @Test func sessionTokenIsSignedIntoUrlsAndPolicies() throws {
        let p = try presigner(token: "tok/en+=")
        let url = try p.presign(.init(method: .get, bucket: "bucket", key: "k", expires: 60), at: time).url
        #expect(url.contains("&X-Amz-Security-Token=tok%2Fen%2B%3D&"))
        let post = try p.presignPost(.init(bucket: "bucket", key: .exact("k"), expires: 60), at: time)
        #expect(post.fields.contains { $0.name == "x-amz-security-token" && $0.value == "tok/en+=" })
        #expect(post.policy.conditions.contains(.equals(field: "x-amz-security-token", value: "tok/en+=")))
    }

    @Test func postPolicyCoversEveryFieldWithTypedConditions() throws {
        let post = try presigner().presignPost(
            .init(
                bucket: "bucket",
                key: .exact("incoming/id"),
                expires: 900,
                contentType: "application/pdf",
                contentLength: 10...10,
                metadata: [("Airlock-Id", "id")],
                successActionStatus: 201,
                fields: [("Content-Disposition", "attachment")]
            ),
            at: time
        )
        #expect(post.url == "http://127.0.0.1:7480/bucket")
        #expect(post.fields.last?.name == "x-amz-signature")
        for field in post.fields where !["policy", "x-amz-signature"].contains(field.name) {
            #expect(post.policy.covers(field: field.name), "\(field.name)")
        }
        let json = String(decoding: post.policy.json, as: UTF8.self)
        #expect(json.hasPrefix(#"{"expiration":"2026-01-01T12:15:00.000Z","conditions":[{"bucket":"bucket"},{"key":"incoming/id"}"#))
        #expect(json.contains(#"["content-length-range",10,10]"#))
        #expect(json.contains(#"{"x-amz-meta-airlock-id":"id"}"#))
        let encoded = try #require(post.fields.first { $0.name == "policy" }?.value)
        #expect(Data(base64Encoded: encoded) == Data(post.policy.json))
    }

    @Test func aDeclaredChecksumIsAFieldPinnedByThePolicy() throws {
        let checksum = PayloadHash.base64(of: Array("declared".utf8))
        let post = try presigner().presignPost(.init(bucket: "bucket", key: .exact("k"), expires: 60, checksumSHA256: checksum), at: time)
        #expect(post.fields.first { $0.name == "x-amz-checksum-sha256" }?.value == checksum)
        #expect(String(decoding: post.policy.json, as: UTF8.self).contains(#"{"x-amz-checksum-sha256":"\#(checksum)"}"#))
        let plain = try presigner().presignPost(.init(bucket: "bucket", key: .exact("k"), expires: 60), at: time)
        #expect(!plain.fields.contains { $0.name == "x-amz-checksum-sha256" })
    }

    @Test func postPolicyRefusesBadInput() throws {
        let p = try presigner()
        let bad: [Presigner.PostRequest] = [
            .init(bucket: "bucket", key: .exact("k"), expires: 60, contentLength: -1...5),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, successActionStatus: 302),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, metadata: [("bad name", "v")]),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, fields: [("policy", "x")]),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, fields: [("key", "other")]),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, fields: [("x-amz-date", "x")]),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, contentType: "text/plain\n"),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, fields: [("x-amz-checksum-sha256", PayloadHash.base64(of: []))]),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, checksumSHA256: "not base64 of a digest"),
            .init(bucket: "bucket", key: .exact("k"), expires: 60, checksumSHA256: PayloadHash.contentMD5(of: [])),
        ]
        for request in bad {
            #expect(throws: SigV4Error.self) { try p.presignPost(request, at: time) }
        }
    }

    @Test func policyJSONEscapesQuotesBackslashesAndControls() {
        let policy = PostPolicy(expiration: SigningTime(secondsSinceEpoch: 0), conditions: [.equals(field: "x-amz-meta-a", value: "q\"b\\s\u{1}é")])
        #expect(
            String(decoding: policy.json, as: UTF8.self)
                == #"{"expiration":"1970-01-01T00:00:00.000Z","conditions":[{"x-amz-meta-a":"q\"b\\s\u0001é"}]}"#
        )
    }

    @Test func headerSignedRequestsCarryContentHashAndAuthorization() throws {
        let signed = try presigner(token: "tok").signRequest(
            method: "PUT",
            bucket: "bucket",
            key: "a b",
            query: [("uploads", "")],
            headers: [("content-type", "text/plain")],
            payloadHash: Signer.unsignedPayload,
            at: time
        )
        #expect(signed.url == "http://127.0.0.1:7480/bucket/a%20b?uploads=")
        let names = signed.headers.map(\.name)
        #expect(names == ["content-type", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"])
        let authorization = try #require(signed.headers.last?.value)
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature="
            )
        )
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let credentials = Credentials(accessKeyId: "AKID", secretAccessKey: "very-secret", sessionToken: "session-secret")
        for text in ["\(credentials)", String(reflecting: credentials)] {
            #expect(!text.contains("very-secret"))
            #expect(!text.contains("session-secret"))
        }
    }

    @Test func invalidCredentialsAndRegionsAreRefused() {
        #expect(throws: SigV4Error.self) { try Signer(credentials: Credentials(accessKeyId: "", secretAccessKey: "s"), region: "us-east-1") }
        #expect(throws: SigV4Error.self) { try Signer(credentials: Credentials(accessKeyId: "a/b", secretAccessKey: "s"), region: "us-east-1") }
        #expect(throws: SigV4Error.self) { try Signer(credentials: Credentials(accessKeyId: "a", secretAccessKey: "s"), region: "us east") }
        #expect(throws: SigV4Error.self) { try Signer(credentials: Credentials(accessKeyId: "a", secretAccessKey: "s"), region: "") }
    }
}

struct SigningTimeTests {
    @Test(arguments: [
        ("19700101T000000Z", 0), ("20000229T235959Z", 951_868_799), ("20150830T123600Z", 1_440_938_160), ("21000301T000000Z", 4_107_542_400),
    ])
    func parsesAndFormatsAmzDates(_ text: String, _ seconds: Int) throws {
        let time = try #require(SigningTime(amzDate: text))
        #expect(time.secondsSinceEpoch == seconds)
        #expect(time.amzDate == text)
        #expect(SigningTime(secondsSinceEpoch: seconds).amzDate == text)
    }

    @Test(arguments: ["20150830T123600", "2015-08-30T12:36:00Z", "20150230T000000Z", "20151301T000000Z", "20150830T246000Z", "2015083aT123600Z", ""])
    func refusesMalformedDates(_ text: String) {
        #expect(SigningTime(amzDate: text) == nil)
    }

    @Test func matchesFoundationAcrossCenturies() {
        let formatter = ISO8601DateFormatter()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Int.random(in: 0...7_000_000_000, using: &rng)
            let time = SigningTime(secondsSinceEpoch: seconds)
            #expect(time.iso8601 == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
        #expect(SigningTime(Date(timeIntervalSince1970: 1.999)).secondsSinceEpoch == 1)
    }

    @Test func signingKeysAreDerivedPerDay() throws {
        let signer = try Signer(credentials: Credentials(accessKeyId: "AKID", secretAccessKey: "secret"), region: "us-east-1")
        let day1 = SigningTime(amzDate: "20260101T235959Z")!
        let day2 = SigningTime(amzDate: "20260102T000000Z")!
        let key1 = signer.signingKey(at: day1)
        let key2 = signer.signingKey(at: day2)
        #expect(key1 != key2)
        #expect(signer.signingKey(at: SigningTime(amzDate: "20260101T000000Z")!) == key1)
        #expect(signer.credentialScope(at: day2) == "20260102/us-east-1/s3/aws4_request")
        // A third day evicts the oldest but derives the same key again when asked.
        _ = signer.signingKey(at: SigningTime(amzDate: "20260103T000000Z")!)
        #expect(signer.signingKey(at: day1) == key1)
    }
}
