import AirlockTesting
import Foundation
import InMemoryLogging
import Logging
import S3
import SigV4
import Testing
import Transport

#if canImport(Glibc)
import Glibc
#endif

/// Retries while the store is down or frozen: only the radosgw process is stopped, restarted, paused with SIGSTOP
/// and resumed. These tests take the shared RGW away from every other test, so scripts/test runs them alone, in their
/// own `swift test` invocation with AIRLOCK_TEST_OUTAGE=1, on Ceph RGW only.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["AIRLOCK_TEST_OUTAGE"] == "1" && S3TestServer.isOn(.rgw)))
struct S3OutageTests {
    let patient = RetryPolicy(maximumAttempts: 40, baseDelay: .milliseconds(100), maximumDelay: .milliseconds(400), budget: .seconds(30))

    var radosgwPID: pid_t? {
        let path = S3TestServer.current.rgwDirectory + "/run/rgw.pid"
        return (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @Test func aCallSucceedsOnceTheStoreComesBackAndEveryRetryIsLogged() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .debug
        let s3 = try await S3TestContext(retry: patient, logger: logger)
        try await s3.client.putObject(s3.location("k"), body: .bytes(Array("survives".utf8)))
        try await s3.server.radosgw("stop")
        let pending = Task { try await s3.client.getObjectBytes(s3.location("k")) }
        try await Task.sleep(for: .seconds(1.5))
        try await s3.server.radosgw("start")
        let (bytes, _) = try await pending.value
        #expect(bytes == Array("survives".utf8))
        let retries = logs.entries.filter { $0.message.description == "s3 request retried" }
        #expect(!retries.isEmpty)
        #expect(retries.allSatisfy { $0.level == .debug && $0.metadata["airlock.s3.operation"] == "GetObject" })
        #expect(retries.contains { "\($0.metadata["airlock.s3.error"] ?? "")" == "Transport.connect" })
    }

    @Test func withoutRetriesAnOutageIsAClearConnectError() async throws {
        let s3 = try await S3TestContext(retry: .none)
        try await s3.server.radosgw("stop")
        defer { try? s3.server.radosgwBlocking("start") }
        do {
            _ = try await s3.client.headObject(s3.location("k"))
            Issue.record("a request to a stopped store succeeded")
        } catch {
            // Refused, or a pooled connection the stopped store closed: either way named, not retried.
            #expect(error.kind == .transport(.connect) || error.kind == .transport(.network), "\(error)")
            #expect(error.description.contains("HeadObject"))
        }
    }

    @Test func nonIdempotentCallsAreNotRetried() async throws {
        let s3 = try await S3TestContext(retry: patient)
        try await s3.server.radosgw("stop")
        defer { try? s3.server.radosgwBlocking("start") }
        let started = ContinuousClock.now
        do {
            _ = try await s3.client.createMultipartUpload(s3.location("mp"))
            Issue.record("CreateMultipartUpload succeeded against a stopped store")
        } catch {
            // Refused, or a pooled connection the stopped store closed.
            #expect(error.kind == .transport(.connect) || error.kind == .transport(.network), "\(error)")
        }
        // Retrying under `patient` would take well over ten seconds; one attempt takes milliseconds. Loose for CI.
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func aFrozenDownloadIsRetriedAndTheFileHoldsExactlyTheObject() async throws {
        let s3 = try await S3TestContext(retry: patient)
        let source = try TemporaryFile(size: 64 << 20, seed: 5)
        let etag = try await s3.client.putObject(s3.location("frozen"), body: .file(descriptor: source.descriptor, offset: 0, length: source.size))
        let pid = try #require(radosgwPID)

        // Low-speed timeout 5 s (S3TestContext): freeze the store mid-transfer for longer than that, then thaw it.
        let target = try TemporaryFile()
        let download = Task { try await s3.client.getObject(s3.location("frozen"), to: target.descriptor, ifMatch: etag) }
        try await Task.sleep(for: .milliseconds(30))
        kill(pid, SIGSTOP)
        try await Task.sleep(for: .seconds(7))
        kill(pid, SIGCONT)
        let metadata = try await download.value
        #expect(metadata.size == 64 << 20)
        #expect(target.size == 64 << 20)
        #expect(sha256Hex(target.contents) == sha256Hex(source.contents))
    }

    @Test func aFrozenDownloadWithoutRetriesFailsRatherThanReturningPartialData() async throws {
        let s3 = try await S3TestContext(retry: .none)
        let source = try TemporaryFile(size: 64 << 20, seed: 6)
        try await s3.client.putObject(s3.location("frozen"), body: .file(descriptor: source.descriptor, offset: 0, length: source.size))
        let pid = try #require(radosgwPID)
        let target = try TemporaryFile()
        let download = Task { try await s3.client.getObject(s3.location("frozen"), to: target.descriptor) }
        try await Task.sleep(for: .milliseconds(30))
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        do {
            let metadata = try await download.value
            // The transfer may have finished before the freeze; then it must be whole.
            #expect(target.size == metadata.size)
            #expect(sha256Hex(target.contents) == sha256Hex(source.contents))
        } catch {
            #expect((error as? S3Error)?.kind == .transport(.timeout), "\(error)")
        }
    }
}
