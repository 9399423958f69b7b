import AirlockApp
import AirlockTesting
import Foundation
import SigV4
import Testing

/// `airlock presign` through the real executable: flags, environment, config, JSON shape, exit codes.
struct PresignCommandTests {
    /// The `airlock` binary built next to the test bundle.
    static var binary: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [
            bundleDirectory, bundleDirectory.deletingLastPathComponent(), bundleDirectory.deletingLastPathComponent().deletingLastPathComponent(),
        ] {
            let path = candidate.appendingPathComponent("airlock").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return Repository.path(".build/debug/airlock")
    }

    static let secretValue = "wJalrXUtnFEMI-do-not-print"
    static let credentials = ["--access-key", "AKIDEXAMPLE", "--secret-key", secretValue]
    static let clean = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AIRLOCK_CONFIG"]

    func airlock(_ arguments: [String], environment: [String: String] = [:]) async throws -> TestProcess.Output {
        // Run from a directory without config/airlock.yaml unless a test passes --config.
        try await TestProcess.run(
            ["sh", "-c", "cd \"$0\" && exec \"$@\"", FileManager.default.temporaryDirectory.path, Self.binary] + arguments,
            environment: environment,
            removing: Self.clean
        )
    }

    func json(_ output: TestProcess.Output) throws -> [String: Any] {
        try #require(output.status == 0, "exit \(output.status): \(output.stderrText)")
        #expect(output.stderrText.isEmpty)
        return try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any])
    }

    @Test func getPrintsMethodUrlAndExpiry() async throws {
        let output = try await airlock(
            [
                "presign", "get", "--endpoint", "http://127.0.0.1:7480", "--bucket", "bucket", "--key", "a b", "--expires", "600",
                "--date", "20260101T000000Z", "--response-content-disposition", "attachment",
            ] + Self.credentials
        )
        let object = try json(output)
        #expect(Set(object.keys) == ["method", "url", "expiresAt"])
        #expect(object["method"] as? String == "GET")
        #expect(object["expiresAt"] as? String == "2026-01-01T00:10:00Z")
        let url = try #require(object["url"] as? String)
        #expect(
            url.hasPrefix(
                "http://127.0.0.1:7480/bucket/a%20b?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
            )
        )
        #expect(url.contains("&response-content-disposition=attachment&"))
        // Field order is part of the contract.
        #expect(output.stdoutText.hasPrefix(#"{"method":"GET","url":""#))
    }

    @Test func outputMatchesTheLibraryByteForByte() async throws {
        let object = try json(
            try await airlock(
                ["presign", "get", "--bucket", "bucket", "--key", "k", "--date", "20260101T000000Z", "--region", "eu-west-1"] + Self.credentials
            )
        )
        let presigner = Presigner(
            signer: try Signer(credentials: Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Self.secretValue), region: "eu-west-1"),
            endpoint: try S3Endpoint(url: "http://127.0.0.1:7480")
        )
        let expected = try presigner.presign(
            .init(method: .get, bucket: "bucket", key: "k", expires: 3600),
            at: SigningTime(amzDate: "20260101T000000Z")!
        )
        #expect(object["url"] as? String == expected.url)
    }

    @Test func putReturnsTheHeadersToSendAsStrings() async throws {
        let object = try json(
            try await airlock(
                [
                    "presign", "put", "--bucket", "bucket", "--key", "k", "--content-type", "application/pdf",
                    "--content-length", "1234", "--checksum-sha256", Data(repeating: 7, count: 32).base64EncodedString(),
                    "--date", "20260101T000000Z",
                ] + Self.credentials
            )
        )
        let headers = try #require(object["headers"] as? [String: String])
        #expect(
            headers == [
                "content-type": "application/pdf", "content-length": "1234",
                "x-amz-checksum-sha256": Data(repeating: 7, count: 32).base64EncodedString(),
            ]
        )
        #expect((object["url"] as? String)?.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-checksum-sha256") == true)
    }

    @Test func postReturnsFormFieldsCoveredByThePolicy() async throws {
        let object = try json(
            try await airlock(
                [
                    "presign", "post", "--bucket", "bucket", "--key-prefix", "u/", "--content-type", "text/plain",
                    "--min-size", "1", "--max-size", "100", "--meta", "airlock-id=abc", "--meta", "note=a=b",
                    "--success-status", "201", "--date", "20260101T000000Z",
                ] + Self.credentials
            )
        )
        #expect(object["url"] as? String == "http://127.0.0.1:7480/bucket")
        let fields = try #require(object["fields"] as? [String: String])
        #expect(fields["key"] == "u/${filename}")
        #expect(fields["x-amz-meta-note"] == "a=b")
        #expect(fields["success_action_status"] == "201")
        let encoded = try #require(fields["policy"])
        let policy = String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
        #expect(policy.contains(#"["starts-with","$key","u/"]"#))
        #expect(policy.contains(#"["content-length-range",1,100]"#))
    }

    @Test func valuesStartingWithADashPassWithEquals() async throws {
        let object = try json(
            try await airlock(["presign", "get", "--bucket", "bucket", "--key=-dash", "--date", "20260101T000000Z"] + Self.credentials)
        )
        #expect((object["url"] as? String)?.hasPrefix("http://127.0.0.1:7480/bucket/-dash?") == true)
    }

    @Test func credentialsComeFromTheEnvironmentThenTheConfig() async throws {
        let fromEnv = try json(
            try await airlock(
                ["presign", "get", "--bucket", "bucket", "--key", "k", "--date", "20260101T000000Z"],
                environment: ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok"]
            )
        )
        #expect((fromEnv["url"] as? String)?.contains("X-Amz-Credential=AKENV%2F") == true)
        #expect((fromEnv["url"] as? String)?.contains("X-Amz-Security-Token=tok&") == true)

        let fromConfig = try json(
            try await airlock(
                [
                    "presign", "get", "--config", Repository.path("config/airlock.yaml"), "--bucket", "bucket", "--key", "k",
                    "--date", "20260101T000000Z",
                ],
                environment: ["AIRLOCK_STORE_REGION": "eu-central-1"]
            )
        )
        #expect((fromConfig["url"] as? String)?.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Feu-central-1%2F") == true)
    }

    @Test func aSigningErrorKeepsTheSignersStableCode() async throws {
        let output = try await airlock(["presign", "get", "--bucket", "Bad_Bucket", "--key", "k"] + Self.credentials)
        #expect(output.status == 2)
        // The signer's own code travels as the cause of the CLI's error, not flattened away.
        #expect(output.stderrText.contains("invalid bucket name 'Bad_Bucket'"), "\(output.stderrText)")
        #expect(output.stderrText.contains("(invalid_bucket_name)"), "\(output.stderrText)")
    }

    @Test func aConfigFileThatIsNotYAMLIsNamedWithoutQuotingIt() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-bad-\(UUID().uuidString).yaml").path
        try Data("store:\n  secretAccessKey: [\(Self.secretValue)\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try await airlock(["presign", "get", "--config", path, "--bucket", "bucket", "--key", "k"] + Self.credentials)
        #expect(output.status == 2)
        #expect(output.stderrText.contains("is not valid YAML"), "\(output.stderrText)")
        // The parser's error quotes the failing line; stderr must not.
        #expect(!output.stderrText.contains(Self.secretValue), "\(output.stderrText)")
    }

    @Test(arguments: [
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--expires", "0"] + credentials, "expiry must be between 1 and 604800"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--expires", "604801"] + credentials, "expiry must be between 1 and 604800"),
        (["presign", "get", "--bucket", "Bad_Bucket", "--key", "k"] + credentials, "invalid bucket name 'Bad_Bucket'"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--endpoint", "not a url"] + credentials, "endpoint 'not a url'"),
        (["presign", "get", "--bucket", "bucket", "--key", "k"], "no credentials"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--access-key", "AK"], "--access-key and --secret-key"),
        (["presign", "get", "--bucket", "bucket"] + credentials, "--key is required"),
        (["presign", "get", "--key", "k"] + credentials, "--bucket is required"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--date", "yesterday"] + credentials, "--date 'yesterday'"),
        (["presign", "put", "--bucket", "bucket", "--key", "k", "--checksum-sha256", "abc"] + credentials, "--checksum-sha256"),
        (["presign", "post", "--bucket", "bucket", "--key", "k", "--min-size", "10", "--max-size", "5"] + credentials, "--min-size"),
        (["presign", "post", "--bucket", "bucket", "--key", "k", "--meta", "novalue"] + credentials, "--meta 'novalue'"),
        (["presign", "post", "--bucket", "bucket", "--key", "k", "--success-status", "302"] + credentials, "--success-status"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--config", "/nonexistent.yaml"] + credentials, "/nonexistent.yaml"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--path-style", "--virtual-host"] + credentials, "exclusive"),
        (["presign", "get", "--bucket", "bucket", "--key", "k", "--expires", "soon"] + credentials, "soon"),
    ])
    func badInputExitsTwoWithOneLine(_ arguments: [String], _ expected: String) async throws {
        let output = try await airlock(arguments)
        #expect(output.status == 2)
        #expect(output.stdout.isEmpty)
        let lines = output.stderrText.split(separator: "\n")
        #expect(lines.count == 1, "\(output.stderrText)")
        #expect(output.stderrText.contains(expected), "\(output.stderrText)")
        #expect(!output.stderrText.contains(Self.secretValue))
    }
}
