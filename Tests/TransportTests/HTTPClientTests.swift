import AirlockErrors
import AirlockTesting
import Crypto
import Foundation
import Testing
import Transport

/// The libcurl transport against a real HTTP/1.1 peer on loopback (scripts/testing/http_test_server.py).
@Suite(.serialized)
struct HTTPClientTests {
    let server: TestHTTPServer
    let client: HTTPClient

    init() throws {
        server = try TestHTTPServer()
        client = try HTTPClient(configuration: .init(connectTimeout: .seconds(2), lowSpeedTime: .seconds(2)))
    }

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 % 251) } }

    static func sha256(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test func getsIntoMemory() async throws {
        let response = try await client.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/100000"))
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == "100000")
        #expect(response.body == Self.pattern(100_000))
    }

    @Test func streamsLargeBodiesToAFileAtAnOffset() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-transport-\(UUID().uuidString)").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        let size = 32 << 20
        let response = try await client.execute(
            HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/\(size)", response: .file(descriptor: descriptor, offset: 7))
        )
        #expect(response.status == 200)
        #expect(response.bodyLength == Int64(size))
        #expect(response.body.isEmpty)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.count == size + 7)
        #expect(Self.sha256(data.dropFirst(7)) == Self.sha256(Self.pattern(size)))
    }

    @Test func errorBodiesOfFileTargetsStayOutOfTheFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-transport-\(UUID().uuidString)").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        defer { close(descriptor); unlink(path) }
        let response = try await client.execute(
            HTTPRequest(method: "GET", url: "\(server.baseURL)/missing", response: .file(descriptor: descriptor, offset: 0))
        )
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "not found")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
    }

    @Test func sendsBodiesFromMemoryAndFromFileRanges() async throws {
        let bytes = Array("hello, airlock".utf8)
        let echoed = try await client.execute(HTTPRequest(method: "PUT", url: "\(server.baseURL)/echo", body: .bytes(bytes)))
        #expect(String(decoding: echoed.body, as: UTF8.self) == "\(bytes.count) \(Self.sha256(bytes))")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-transport-\(UUID().uuidString)").path
        let content = Self.pattern(3 << 20)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(content)))
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor); unlink(path) }
        let range = 1000..<(1000 + (2 << 20))
        let fromFile = try await client.execute(
            HTTPRequest(
                method: "POST",
                url: "\(server.baseURL)/echo",
                body: .file(descriptor: descriptor, offset: Int64(range.lowerBound), length: Int64(range.count))
            )
        )
        #expect(String(decoding: fromFile.body, as: UTF8.self) == "\(range.count) \(Self.sha256(content[range]))")
    }

    @Test func headReturnsHeadersWithoutBody() async throws {
        let response = try await client.execute(HTTPRequest(method: "HEAD", url: "\(server.baseURL)/bytes/1234"))
        #expect(response.status == 200)
        #expect(response.header("content-length") == "1234")
        #expect(response.bodyLength == 0)
    }

    @Test func httpErrorStatusesAreResponsesNotErrors() async throws {
        #expect(try await client.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/status/503")).status == 503)
    }

    @Test func curlsOwnExpectAndFormContentTypeAreNotSent() async throws {
        let response = try await client.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/headers", headers: [("X-Test", "a b")]))
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("x-test: a b"))
        #expect(!text.contains("expect:"))
        #expect(text.contains("user-agent: airlock"))
    }

    func expectFailure(_ code: TransportError.Code, _ request: HTTPRequest, client: HTTPClient? = nil) async {
        do {
            _ = try await (client ?? self.client).execute(request)
            Issue.record("expected \(code)")
        } catch let error as TransportError {
            #expect(error.code == code, "\(error)")
            #expect(!error.message.isEmpty)
            Self.expectNothingSecret(in: error, from: request)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// What an error prints (message, description, the cause chain) never carries the URL's query string, which may
    /// hold a signature, nor a header value.
    static func expectNothingSecret(in error: TransportError, from request: HTTPRequest) {
        let failure: any AirlockFailure = error
        #expect(failure.codeName == error.code.rawValue)
        var secrets = request.headers.map(\.value).filter { $0.count > 3 }
        if let query = request.url.split(separator: "?", maxSplits: 1).dropFirst().first { secrets.append(String(query)) }
        for text in [failure.message, failure.description, failure.debugDescription] {
            for secret in secrets { #expect(!text.contains(secret), "\(text)") }
        }
    }

    /// The codes are what logs, metrics and S3Error (`Transport.<code>`) carry: they must not change.
    @Test func codesAreStable() {
        let codes: [(TransportError.Code, String)] = [
            (.dns, "dns"), (.connect, "connect"), (.tls, "tls"), (.timeout, "timeout"), (.network, "network"), (.io, "io"),
            (.responseTooLarge, "response_too_large"), (.cancelled, "cancelled"), (.shutdown, "shutdown"),
            (.invalidRequest, "invalid_request"), (.other, "other"),
        ]
        for (code, name) in codes {
            #expect(TransportError(code, "m").codeName == name)
            #expect(TransportError(code, "m").description == "\(name): m")
        }
    }

    @Test func aFailedReadOfTheBodyFileKeepsTheSystemCallAsItsCause() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-transport-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { unlink(path) }
        // A descriptor open for writing only: pread fails with EBADF.
        let descriptor = open(path, O_WRONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let request = HTTPRequest(
            method: "PUT",
            url: "\(server.baseURL)/echo?X-Amz-Signature=0123456789abcdef",
            body: .file(descriptor: descriptor, offset: 0, length: 10)
        )
        do {
            _ = try await client.execute(request)
            Issue.record("the upload succeeded")
        } catch let error as TransportError {
            #expect(error.code == .io, "\(error)")
            let cause = try #require(error.cause as? SystemCallError)
            #expect(cause.call == "pread")
            #expect(cause.number == EBADF)
            #expect(error.debugDescription.hasSuffix("<- pread failed: \(cause.reason) (errno \(EBADF))"))
            Self.expectNothingSecret(in: error, from: request)
        }
    }

    @Test func aBodyShorterThanAnnouncedIsANetworkError() async {
        await expectFailure(.network, HTTPRequest(method: "GET", url: "\(server.baseURL)/truncated/100000"))
    }

    @Test func refusedConnectionsAndUnknownHostsAreNamed() async throws {
        // A port that was just free.
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(socket)
        await expectFailure(.connect, HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/?X-Amz-Signature=0123456789abcdef"))
        await expectFailure(.dns, HTTPRequest(method: "GET", url: "http://airlock-test.invalid/?X-Amz-Signature=0123456789abcdef"))
    }

    @Test func stalledTransfersTimeOut() async {
        await expectFailure(.timeout, HTTPRequest(method: "GET", url: "\(server.baseURL)/slow"))
        await expectFailure(
            .timeout,
            HTTPRequest(
                method: "GET",
                url: "\(server.baseURL)/slow/?X-Amz-Signature=0123456789abcdef",
                headers: [("Authorization", "AWS4-HMAC-SHA256 secret")],
                timeout: .milliseconds(300)
            )
        )
    }

    @Test func memoryBodiesAreCapped() async {
        await expectFailure(.responseTooLarge, HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/5000", response: .memory(limit: 4096)))
    }

    @Test func headerInjectionIsRefused() async {
        await expectFailure(.invalidRequest, HTTPRequest(method: "GET", url: "\(server.baseURL)/headers", headers: [("X-Evil", "a\r\nInjected: 1")]))
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let task = Task { try await client.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/slow")) }
        try await Task.sleep(for: .milliseconds(200))
        // Timed from the cancellation itself (a loaded machine may oversleep the 200 ms above): the transfer must end
        // within a few seconds of it (loose for loaded CI machines), not run into the server's 60 s stall.
        let started = ContinuousClock.now
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("a cancelled transfer completed")
        } catch let error as TransportError {
            #expect(error.code == .cancelled)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func manyConcurrentRequestsShareTheEngine() async throws {
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask { try await client.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/\(index * 97)")).body.count }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<100).map { $0 * 97 })
    }

    @Test func requestsAfterShutdownFail() async throws {
        let other = try HTTPClient()
        #expect(try await other.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/1")).status == 200)
        other.shutdown()
        other.shutdown()
        await expectFailure(.shutdown, HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/1"), client: other)
    }
}

/// TLS: verification against the system bundle fails for a private CA; `caFile` makes it pass.
struct HTTPClientTLSTests {
    @Test func certificatesAreVerifiedAgainstTheConfiguredBundle() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let made = try await TestProcess.run([
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
        ])
        try #require(made.status == 0, "\(made.stderrText)")
        let server = try TestHTTPServer(arguments: ["--tls", cert, key])

        let system = try HTTPClient()
        defer { system.shutdown() }
        do {
            _ = try await system.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/10"))
            Issue.record("a certificate from an unknown CA was accepted")
        } catch let error as TransportError {
            #expect(error.code == .tls, "\(error)")
        }

        let pinned = try HTTPClient(configuration: .init(caFile: cert))
        defer { pinned.shutdown() }
        let response = try await pinned.execute(HTTPRequest(method: "GET", url: "\(server.baseURL)/bytes/10"))
        #expect(response.status == 200)
        #expect(response.body == HTTPClientTests.pattern(10))
    }
}
