import AirlockApp
import AirlockCore
import AirlockTesting
import Foundation
import SigV4
import Testing

/// `airlock storage init|check` through the real executable against the test store (Ceph RGW or SeaweedFS:
/// `AIRLOCK_TEST_STORE`), and a permissive emulator that must fail.
@Suite(.serialized)
struct StorageCommandTests {
    let server = S3TestServer.current

    func config(endpoint: String? = nil, buckets: String, extra: String = "") throws -> String {
        let yaml = """
            store:
              backend: \(server.backend.rawValue)
              endpoint: "\(endpoint ?? server.endpoint)"
              accessKeyId: \(server.accessKey)
              secretAccessKey: "\(server.secretKey)"
            buckets:
            \(buckets)
            http:
              corsOrigins: [https://app.example.com, "http://localhost:3000"]
            \(extra)
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-storage-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func airlock(_ arguments: [String]) async throws -> TestProcess.Output {
        try await TestProcess.run([PresignCommandTests.binary] + arguments, removing: ["AIRLOCK_CONFIG"])
    }

    @Test func initTwiceCreatesThenFindsEverything() async throws {
        let name = S3TestServer.uniqueBucketName("init")
        let path = try config(
            buckets: """
                  incoming: {bucket: \(name), prefix: "incoming/"}
                  processed: {bucket: \(name), prefix: "processed/"}
                  quarantine: {bucket: \(name)-q, prefix: ""}
                """
        )
        let first = try await airlock(["storage", "init", "--config", path])
        #expect(first.status == 0, "\(first.stderrText)")
        #expect(first.stdoutText.contains("bucket \(name): created"))
        #expect(first.stdoutText.contains("bucket \(name)-q: created"))
        #expect(first.stdoutText.contains("cors \(name): POST and PUT from https://app.example.com, http://localhost:3000"))
        #expect(first.stdoutText.contains("lifecycle \(name): objects under 'incoming/' and incomplete multipart uploads expire after 7 days"))

        let second = try await airlock(["storage", "init", "--config", path])
        #expect(second.status == 0, "\(second.stderrText)")
        #expect(second.stdoutText.contains("bucket \(name): exists"))
        #expect(second.stdoutText.contains("lifecycle \(name): unchanged"))
        #expect(!second.stdoutText.contains("created"))
    }

    @Test func overlappingPrefixesInOneBucketAreRefused() async throws {
        let path = try config(
            buckets: """
                  incoming: {bucket: shared-bucket, prefix: "in/"}
                  processed: {bucket: shared-bucket, prefix: "in/processed/"}
                """
        )
        let output = try await airlock(["storage", "init", "--config", path])
        #expect(output.status == 2)
        #expect(output.stderrText.contains("overlap"))
        let empty = try config(
            buckets: """
                  incoming: {bucket: shared-bucket, prefix: ""}
                  processed: {bucket: shared-bucket, prefix: "p/"}
                """
        )
        #expect(try await airlock(["storage", "init", "--config", empty]).stderrText.contains("non-empty prefix"))
    }

    @Test func checkPassesOnTheTestStoreAndReportsItsGapsAsCompensated() async throws {
        let name = S3TestServer.uniqueBucketName("check")
        let path = try config(buckets: "  incoming: {bucket: \(name)}\n  processed: {bucket: \(name)-p}\n  quarantine: {bucket: \(name)-q}")
        #expect(try await airlock(["storage", "init", "--config", path]).status == 0)
        let output = try await airlock(["storage", "check", "--config", path])
        #expect(output.status == 0, "\(output.stdoutText)\(output.stderrText)")
        let lines = output.stdoutText.split(separator: "\n").map(String.init)
        for name in [
            "basic-operations", "header-signature-enforced", "presigned-url-signature", "presigned-url-expiry", "presigned-put-content-type",
            "presigned-put-content-length", "post-content-length-range", "post-exact-key", "post-policy-signature", "layout-processed",
            "layout-quarantine",
        ] {
            #expect(lines.contains { $0.hasPrefix("PASS  required") && $0.contains(name) }, "\(name)")
        }
        #expect(lines.contains { $0.contains("copy-precondition") && $0.contains("honored") })
        // What each store does, as measured (docs/backends.md): the row tells them apart.
        let checksums = server.backend == .seaweedfs ? "verified: a wrong x-amz-checksum-sha256 was refused (BadDigest)" : "not verified: a wrong"
        #expect(lines.contains { $0.contains("checksum-verification") && $0.contains(checksums) }, "\(output.stdoutText)")
        // The lifecycle rule storage init wrote is reported stored, and whether the store applies it honestly.
        let lifecycle = try #require(lines.first { $0.contains("incoming-lifecycle") }, "\(output.stdoutText)")
        #expect(lifecycle.contains("stored (objects under '' expire after 7 days)"), "\(lifecycle)")
        #expect(lifecycle.contains(server.backend == .seaweedfs ? "NOT applied by `weed server`" : "applied by radosgw"), "\(lifecycle)")
        #expect(lines.last == "storage check passed")
        // It cleaned up after itself.
        let presigner = Presigner(
            signer: try Signer(credentials: Credentials(accessKeyId: server.accessKey, secretAccessKey: server.secretKey), region: server.region),
            endpoint: try S3Endpoint(url: server.endpoint)
        )
        let list = try presigner.signRequest(method: "GET", bucket: name, key: nil, query: [("list-type", "2")], at: SigningTime(Date()))
        let listing = try await Curl.request("GET", list.url, headers: list.headers.map { ($0.name, $0.value) })
        #expect(listing.status == 200)
        #expect(listing.text.contains("<ListBucketResult"))
        #expect(!listing.text.contains("<Key>"), "storage check left objects behind: \(listing.text)")
        // A place that cannot be written fails the check, named.
        let missing = try config(buckets: "  incoming: {bucket: \(name)}\n  processed: {bucket: \(name)-p}\n  quarantine: {bucket: \(name)-gone}")
        let broken = try await airlock(["storage", "check", "--config", missing])
        #expect(broken.status == 1)
        #expect(
            broken.stdoutText.contains("FAIL  required") && broken.stdoutText.contains("layout-quarantine")
                && broken.stdoutText.contains("quarantine (\(name)-gone) does not exist"),
            "\(broken.stdoutText)"
        )
        // Nor did the check make it (SeaweedFS creates a bucket on the first PutObject).
        let head = try presigner.signRequest(method: "HEAD", bucket: "\(name)-gone", key: nil, at: SigningTime(Date()))
        #expect(try await Curl.request("HEAD", head.url, headers: head.headers.map { ($0.name, $0.value) }).status == 404)
    }

    /// SeaweedFS with `weed server`'s own volume defaults (8 slots, 7 volumes per bucket) creates three buckets but cannot
    /// write the third: `storage init` passes, and `storage check` fails, naming the place (a private SeaweedFS on the
    /// test store's port + 10).
    @Test(.enabled(if: S3TestServer.isOn(.seaweedfs)))
    func checkFailsNamingTheBucketASeaweedFSWithoutVolumeSlotsCannotWrite() async throws {
        let port = (Int(server.endpoint.split(separator: ":").last ?? "") ?? 8333) + 10
        let environment = [
            "AIRLOCK_SEAWEEDFS_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("airlock-seaweedfs-slots-\(UUID().uuidString)")
                .path,
            "AIRLOCK_SEAWEEDFS_PORT": String(port), "AIRLOCK_SEAWEEDFS_VOLUME_SLOTS": "8", "AIRLOCK_SEAWEEDFS_BUCKET_VOLUMES": "7",
        ]
        let started = try await TestProcess.run([Repository.path("scripts/seaweedfs/start.sh")], environment: environment)
        try #require(started.status == 0, "\(started.stderrText)")
        defer { _ = try? TestProcess.runBlocking([Repository.path("scripts/seaweedfs/stop.sh"), "--wipe"], environment: environment) }
        let name = S3TestServer.uniqueBucketName("slots")
        let path = try config(
            endpoint: "http://127.0.0.1:\(port)",
            buckets: "  incoming: {bucket: \(name)-i}\n  processed: {bucket: \(name)-p}\n  quarantine: {bucket: \(name)-q}"
        )
        let created = try await airlock(["storage", "init", "--config", path])
        #expect(created.status == 0, "\(created.stdoutText)\(created.stderrText)")
        let output = try await airlock(["storage", "check", "--config", path])
        #expect(output.status == 1, "\(output.stdoutText)\(output.stderrText)")
        let lines = output.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("PASS  required") && $0.contains("layout-processed") }, "\(output.stdoutText)")
        #expect(
            lines.contains {
                $0.hasPrefix("FAIL  required") && $0.contains("layout-quarantine") && $0.contains("quarantine (\(name)-q) cannot be written")
            },
            "\(output.stdoutText)"
        )
        #expect(lines.last?.hasPrefix("storage check failed: ") == true && lines.last?.contains("layout-quarantine") == true)
    }

    @Test func checkFailsOnAStoreThatAcceptsForgedSignatures() async throws {
        let emulator = try TestHTTPServer(script: "permissive_s3.py")
        let path = try config(
            endpoint: emulator.baseURL,
            buckets: "  incoming: {bucket: lax-incoming}\n  processed: {bucket: lax-processed}\n  quarantine: {bucket: lax-quarantine}"
        )
        #expect(try await airlock(["storage", "init", "--config", path]).status == 0)
        let output = try await airlock(["storage", "check", "--config", path])
        #expect(output.status == 1)
        let lines = output.stdoutText.split(separator: "\n").map(String.init)
        for name in [
            "header-signature-enforced", "presigned-url-signature", "presigned-url-expiry", "presigned-put-content-type", "post-policy-signature",
            "post-exact-key",
        ] {
            #expect(lines.contains { $0.hasPrefix("FAIL  required") && $0.contains(name) }, "\(name) should fail:\n\(output.stdoutText)")
        }
        #expect(lines.last?.hasPrefix("storage check failed: ") == true)
        #expect(lines.last?.contains("presigned-url-signature") == true)
    }

    @Test func checkNamesAnUnreachableStore() async throws {
        let path = try config(endpoint: "http://127.0.0.1:9", buckets: "  incoming: {bucket: nowhere-incoming}")
        let output = try await airlock(["storage", "check", "--config", path])
        #expect(output.status == 2)
        #expect(output.stderrText.contains("not reachable"))
    }
}
