import AirlockCore
import AirlockTesting
import Foundation
import S3
import SigV4
import Testing
import Transport

/// Every S3 operation against the real test store on loopback (Ceph RGW or SeaweedFS: `AIRLOCK_TEST_STORE`).
@Suite(.serialized)
struct S3ClientTests {
    @Test func putHeadGetRoundTripWithMetadata() async throws {
        let s3 = try await S3TestContext()
        let body = Array("airlock object body".utf8)
        let etag = try await s3.client.putObject(
            s3.location("a/b c.txt"),
            body: .bytes(body),
            contentType: "text/plain",
            metadata: [("Airlock-Id", "abc"), ("note", "ü")],
            checksumSHA256: PayloadHash.base64(of: body)
        )
        let head = try #require(try await s3.client.headObject(s3.location("a/b c.txt")))
        #expect(head.size == Int64(body.count))
        #expect(ETag.matches(head.etag, etag))
        #expect(head.contentType == "text/plain")
        #expect(head.metadata["airlock-id"] == "abc")
        let (bytes, metadata) = try await s3.client.getObjectBytes(s3.location("a/b c.txt"))
        #expect(bytes == body)
        #expect(ETag.matches(metadata.etag, etag))
        #expect(try await s3.client.headObject(s3.location("missing")) == nil)
    }

    @Test func getObjectStreamsToAFileWithRangesAndETagPins() async throws {
        let s3 = try await S3TestContext()
        let source = try TemporaryFile(size: 3 << 20, seed: 7)
        let etag = try await s3.client.putObject(s3.location("big"), body: .file(descriptor: source.descriptor, offset: 0, length: source.size))
        let target = try TemporaryFile(contents: Array(repeating: 0xAA, count: 10))
        let metadata = try await s3.client.getObject(s3.location("big"), to: target.descriptor, offset: 10, ifMatch: etag)
        #expect(metadata.size == 3 << 20)
        #expect(target.size == 10 + (3 << 20))
        #expect(target.contents.dropFirst(10) == source.contents)
        #expect(target.contents.prefix(10) == Data(repeating: 0xAA, count: 10))

        let ranged = try TemporaryFile()
        let partial = try await s3.client.getObject(s3.location("big"), to: ranged.descriptor, range: 100...199)
        #expect(partial.size == 3 << 20)
        #expect(ranged.contents == source.contents[100...199])

        do {
            _ = try await s3.client.getObject(s3.location("big"), to: ranged.descriptor, ifMatch: "\"0123456789abcdef0123456789abcdef\"")
            Issue.record("a GET pinned to another ETag succeeded")
        } catch {
            #expect(error.isPreconditionFailed, "\(error)")
            #expect(error.code == "PreconditionFailed")
        }
    }

    /// The profile's header pins the copy: `x-amz-copy-if-match` on Ceph RGW, `x-amz-copy-source-if-match` elsewhere.
    @Test func copyReplacesMetadataAndIsPinnedWithTheHeaderTheStoreHonors() async throws {
        let s3 = try await S3TestContext()
        let etag = try await s3.client.putObject(s3.location("src"), body: .bytes(Array("copy me".utf8)), contentType: "application/octet-stream")
        let copied = try await s3.client.copyObject(
            from: s3.location("src"),
            ifMatch: etag,
            sourceSize: 7,
            to: s3.location("dst/file.txt"),
            contentType: "text/plain",
            metadata: [("airlock-outcome", "clean")]
        )
        #expect(!copied.multipart)
        #expect(ETag.matches(copied.etag, etag))
        let head = try #require(try await s3.client.headObject(s3.location("dst/file.txt")))
        #expect(head.contentType == "text/plain")
        #expect(head.metadata == ["airlock-outcome": "clean"])
        #expect(ETag.matches(head.etag, etag))

        // The source changed after it was scanned: the pinned copy must not happen.
        try await s3.client.putObject(s3.location("src"), body: .bytes(Array("changed!".utf8)))
        do {
            _ = try await s3.client.copyObject(
                from: s3.location("src"),
                ifMatch: etag,
                sourceSize: 8,
                to: s3.location("dst/2"),
                contentType: nil,
                metadata: []
            )
            Issue.record("a copy pinned to a stale ETag succeeded")
        } catch {
            #expect(error.isPreconditionFailed, "\(error)")
        }
        #expect(try await s3.client.headObject(s3.location("dst/2")) == nil)
    }

    @Test func theCopyPreconditionHeaderAStoreDoesNotKnowIsIgnoredWhichIsWhyCallersVerify() async throws {
        // docs/backends.md: RGW 16 ignores x-amz-copy-source-if-match (the generic profile sends only that header); SeaweedFS
        // ignores the legacy x-amz-copy-if-match (the ceph profile's).
        let other: StoreBackend = S3TestServer.current.backend == .ceph ? .generic : .ceph
        #expect(BackendProfile.of(other).copyPrecondition != BackendProfile.of(S3TestServer.current.backend).copyPrecondition)
        let s3 = try await S3TestContext(profile: .of(other))
        _ = try await s3.client.putObject(s3.location("src"), body: .bytes(Array("v1".utf8)))
        let stale = "\"00000000000000000000000000000000\""
        let result = try await s3.client.copyObject(
            from: s3.location("src"),
            ifMatch: stale,
            sourceSize: 2,
            to: s3.location("dst"),
            contentType: nil,
            metadata: []
        )
        #expect(!ETag.matches(result.etag, stale))  // the copy happened anyway
    }

    @Test func multipartCopyUsesEqualPartsAndAbortsOnFailure() async throws {
        let s3 = try await S3TestContext(multipartCopyThreshold: 5 << 20, multipartCopyPartSize: 5 << 20)
        let source = try TemporaryFile(size: 12 << 20, seed: 11)
        let etag = try await s3.client.putObject(s3.location("large"), body: .file(descriptor: source.descriptor, offset: 0, length: source.size))
        let result = try await s3.client.copyObject(
            from: s3.location("large"),
            ifMatch: etag,
            sourceSize: 12 << 20,
            to: s3.location("copied"),
            contentType: "application/zip",
            metadata: [("airlock-id", "x")]
        )
        #expect(result.multipart)
        #expect(ETag.normalized(result.etag).hasSuffix("-3"))
        let target = try TemporaryFile()
        let metadata = try await s3.client.getObject(s3.location("copied"), to: target.descriptor)
        #expect(metadata.size == 12 << 20)
        #expect(metadata.metadata["airlock-id"] == "x")
        #expect(sha256Hex(target.contents) == sha256Hex(source.contents))

        #expect(S3Client.partRanges(size: 12 << 20, preferredPartSize: 5 << 20).map(\.count) == [5 << 20, 5 << 20, 2 << 20])
        let huge = S3Client.partRanges(size: 6 << 40, preferredPartSize: 512 << 20)
        #expect(huge.count <= 10_000)
        #expect(Set(huge.dropLast().map(\.count)).count == 1)
    }

    @Test func clientStyleMultipartUploadThroughPresignedPartURLs() async throws {
        let s3 = try await S3TestContext()
        let location = s3.location("multipart/object.bin")
        let uploadId = try await s3.client.createMultipartUpload(location, contentType: "application/octet-stream", metadata: [("airlock-id", "mp")])
        let file = try TemporaryFile(size: 11 << 20, seed: 3)
        let all = file.contents
        let partSize = 5 << 20
        var offset = 0
        var number = 1
        while offset < all.count {
            let part = all[offset..<min(offset + partSize, all.count)]
            let url = try s3.client.presignUploadPart(
                location,
                uploadId: uploadId,
                partNumber: number,
                contentLength: Int64(part.count),
                expires: 300,
                at: SigningTime(Date())
            )
            let response = try await Curl.request("PUT", url.url, headers: url.headers.map { ($0.name, $0.value) }, body: Data(part))
            #expect(response.status == 200, "part \(number): \(response.text)")
            #expect(response.headers["etag"] != nil)
            offset += partSize
            number += 1
        }
        let parts = try await s3.client.listParts(location, uploadId: uploadId)
        #expect(parts.map(\.number) == [1, 2, 3])
        #expect(parts.map { $0.size ?? 0 } == [5 << 20, 5 << 20, 1 << 20])
        let etag = try await s3.client.completeMultipartUpload(location, uploadId: uploadId, parts: parts)
        #expect(ETag.normalized(etag).hasSuffix("-3"))
        let target = try TemporaryFile()
        _ = try await s3.client.getObject(location, to: target.descriptor)
        #expect(sha256Hex(target.contents) == sha256Hex(all))

        // A part URL that pins Content-Length refuses a different length.
        let other = try await s3.client.createMultipartUpload(s3.location("multipart/other"))
        let pinned = try s3.client.presignUploadPart(
            s3.location("multipart/other"),
            uploadId: other,
            partNumber: 1,
            contentLength: 10,
            expires: 300,
            at: SigningTime(Date())
        )
        #expect(try await Curl.request("PUT", pinned.url, body: Data(repeating: 1, count: 11)).status == 403)
        try await s3.client.abortMultipartUpload(s3.location("multipart/other"), uploadId: other)
        do {
            _ = try await s3.client.listParts(s3.location("multipart/other"), uploadId: other)
            Issue.record("an aborted upload still lists parts")
        } catch {
            #expect(error.isNotFound, "\(error)")  // RGW says NoSuchKey, AWS NoSuchUpload
        }
    }

    /// The profile says whether the store verifies `x-amz-checksum-sha256`: where it does, a wrong one is refused and
    /// nothing is stored; where it does not (Ceph RGW 16), the same request stores the object.
    @Test func aWrongChecksumIsRefusedExactlyWhereTheProfileSaysTheStoreVerifies() async throws {
        let verifies = BackendProfile.of(S3TestServer.current.backend).verifiesChecksums
        let s3 = try await S3TestContext()  // putObject sends the header whatever the profile says
        let body = Array("the bytes that were declared".utf8)
        let wrong = PayloadHash.base64(of: Array("other bytes".utf8))
        do {
            try await s3.client.putObject(s3.location("checked"), body: .bytes(body), checksumSHA256: wrong)
            #expect(!verifies, "the store accepted a wrong x-amz-checksum-sha256 although the profile says it verifies it")
            #expect(try await s3.client.getObjectBytes(s3.location("checked")).0 == body)
        } catch {
            #expect(verifies, "the store refused a checksum the profile says it does not verify: \(error)")
            #expect(error.code == "BadDigest" && error.status == 400, "\(error)")
            #expect(try await s3.client.headObject(s3.location("checked")) == nil)
        }
        // The right checksum is accepted everywhere.
        try await s3.client.putObject(s3.location("right"), body: .bytes(body), checksumSHA256: PayloadHash.base64(of: body))
        #expect(try await s3.client.getObjectBytes(s3.location("right")).0 == body)
    }

    @Test func deleteIsIdempotent() async throws {
        let s3 = try await S3TestContext()
        try await s3.client.putObject(s3.location("gone"), body: .bytes([1, 2, 3]))
        try await s3.client.deleteObject(s3.location("gone"))
        #expect(try await s3.client.headObject(s3.location("gone")) == nil)
        try await s3.client.deleteObject(s3.location("gone"))
    }

    @Test func listingPagesThroughPrefixesAndStartAfter() async throws {
        let s3 = try await S3TestContext()
        for index in 0..<25 {
            try await s3.client.putObject(s3.location(String(format: "p/%02d", index)), body: .bytes([UInt8(index)]))
        }
        try await s3.client.putObject(s3.location("q/other"), body: .bytes([0]))
        let first = try await s3.client.listObjects(bucket: s3.bucket, prefix: "p/", maxKeys: 10)
        #expect(first.objects.count == 10)
        #expect(first.isTruncated)
        let second = try await s3.client.listObjects(bucket: s3.bucket, prefix: "p/", continuationToken: first.nextContinuationToken, maxKeys: 10)
        #expect(second.objects.first?.key == "p/10")
        let all = try await s3.client.listAllObjects(bucket: s3.bucket, prefix: "p/", pageSize: 10)
        #expect(all.map(\.key) == (0..<25).map { String(format: "p/%02d", $0) })
        #expect(all.allSatisfy { $0.size == 1 })
        let after = try await s3.client.listAllObjects(bucket: s3.bucket, prefix: "p/", startAfter: "p/20", pageSize: 2)
        #expect(after.map(\.key) == ["p/21", "p/22", "p/23", "p/24"])
    }

    @Test func bucketsCorsAndLifecycle() async throws {
        let s3 = try await S3TestContext()
        try await s3.client.createBucket(s3.bucket)  // again: already ours, not an error
        #expect(try await s3.client.bucketExists(s3.bucket))
        #expect(try await s3.client.bucketExists(S3TestServer.uniqueBucketName("none")) == false)
        let rule = CORSRule(allowedOrigins: ["https://app.example.com"], allowedMethods: ["POST", "PUT"])
        try await s3.client.putBucketCors(s3.bucket, rules: [rule])
        let cors = try await s3.client.getBucketCors(s3.bucket)
        #expect(cors.first?.allowedOrigins == ["https://app.example.com"])
        #expect(Set(cors.first?.allowedMethods ?? []) == ["POST", "PUT"])
        #expect(cors.first?.exposeHeaders == ["ETag"])
        let lifecycle = LifecycleRule(id: "airlock-incoming", prefix: "incoming/", expirationDays: 7, abortIncompleteMultipartUploadDays: 1)
        try await s3.client.putBucketLifecycle(s3.bucket, rules: [lifecycle])
        #expect(try await s3.client.getBucketLifecycle(s3.bucket) == [lifecycle])
    }

    @Test func storeErrorsAreParsedIntoTypedErrors() async throws {
        let s3 = try await S3TestContext()
        func expectCode(_ code: String, status: Int, _ body: () async throws(S3Error) -> Void) async {
            do {
                try await body()
                Issue.record("expected \(code)")
            } catch {
                #expect(error.code == code, "\(error)")
                #expect(error.status == status)
                #expect(error.kind == .service)
                #expect(!error.description.contains(s3.server.secretKey))
            }
        }
        await expectCode("NoSuchKey", status: 404) { () throws(S3Error) in _ = try await s3.client.getObjectBytes(s3.location("none")) }
        await expectCode("NoSuchBucket", status: 404) { () throws(S3Error) in
            _ = try await s3.client.listObjects(bucket: S3TestServer.uniqueBucketName("none"))
        }
        let other = try await S3TestContext(accessKey: s3.server.otherAccessKey, secretKey: s3.server.otherSecretKey, createBucket: false)
        await expectCode("AccessDenied", status: 403) { () throws(S3Error) in
            _ = try await other.client.listObjects(bucket: s3.bucket)
        }
        let wrong = try await S3TestContext(secretKey: "wrong-secret", createBucket: false)
        await expectCode("SignatureDoesNotMatch", status: 403) { () throws(S3Error) in
            _ = try await wrong.client.listObjects(bucket: s3.bucket)
        }
        let unknown = try await S3TestContext(accessKey: "AKIDUNKNOWN000000000", createBucket: false)
        await expectCode("InvalidAccessKeyId", status: 403) { () throws(S3Error) in
            _ = try await unknown.client.listObjects(bucket: s3.bucket)
        }
        let request = try await S3TestContext(createBucket: false)
        do {
            _ = try await request.client.listObjects(bucket: "Not_A_Bucket")
            Issue.record("an invalid bucket name was sent")
        } catch {
            #expect(error.kind == .invalidRequest)
        }
    }

    @Test func aTwoHundredMebibyteDownloadStreamsWithoutBuffering() async throws {
        // Peak RSS is a figure for the whole process: measure in a process of its own, where no other test runs.
        guard TestProcess.isAlone(#function) else {
            let child = try await TestProcess.runAlone(#function)
            #expect(child.status == 0, "\(child.stdoutText)\(child.stderrText)")
            #expect((child.stdoutText + child.stderrText).contains("with 1 test"), "the child ran no test: \(child.stderrText)")
            return
        }
        let s3 = try await S3TestContext()
        let size = 200 << 20
        let source = try TemporaryFile(size: size, seed: 99)
        let etag = try await s3.client.putObject(s3.location("huge"), body: .file(descriptor: source.descriptor, offset: 0, length: source.size))
        let target = try TemporaryFile()
        try resetPeakRSS()
        let before = residentKiB("VmRSS")
        let metadata = try await s3.client.getObject(s3.location("huge"), to: target.descriptor, ifMatch: etag)
        let peak = residentKiB("VmHWM")
        #expect(metadata.size == Int64(size))
        #expect(target.size == Int64(size))
        #expect(sha256Hex(target.contents) == sha256Hex(source.contents))
        // The object never sat in memory: the peak grew by far less than its size.
        #expect(peak - before < 48 * 1024, "peak RSS grew by \(peak - before) KiB for a \(size >> 20) MiB download")
    }
}

/// Resets the kernel's peak-RSS counter (VmHWM) for this process.
func resetPeakRSS() throws {
    try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// A `Vm*` figure of /proc/self/status, in KiB.
func residentKiB(_ field: String) -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}
