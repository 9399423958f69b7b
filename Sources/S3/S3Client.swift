public import Logging
import Metrics
public import SigV4
import Synchronization
public import Transport

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The S3 operations Airlock needs, over the libcurl transport, signed with SigV4, with retries.
///
/// ```swift
/// let client = S3Client(presigner: presigner, http: http, configuration: .init(profile: .of(.ceph)))
/// let head = try await client.headObject(ObjectLocation(bucket: "airlock-incoming", key: id))
/// ```
public final class S3Client: Sendable {
    public struct Configuration: Sendable {
        public var profile: BackendProfile
        public var retry: RetryPolicy
        /// Copies above this size use UploadPartCopy (`store.multipartCopyThreshold`).
        public var multipartCopyThreshold: Int64
        /// Part size for multipart copies (raised when an object would need more than 10,000 parts).
        public var multipartCopyPartSize: Int64
        /// Parts copied at once.
        public var multipartCopyConcurrency: Int

        public init(
            profile: BackendProfile,
            retry: RetryPolicy = RetryPolicy(),
            multipartCopyThreshold: Int64 = 5 << 30,
            multipartCopyPartSize: Int64 = 512 << 20,
            multipartCopyConcurrency: Int = 4
        ) {
            self.profile = profile
            self.retry = retry
            self.multipartCopyThreshold = multipartCopyThreshold
            self.multipartCopyPartSize = multipartCopyPartSize
            self.multipartCopyConcurrency = multipartCopyConcurrency
        }
    }

    public let presigner: Presigner
    public let configuration: Configuration
    let http: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date
    private let metrics = S3Metrics()

    /// Creates a client.
    /// - Parameters:
    ///   - presigner: Credentials, region and endpoint (requests are header-signed with it).
    ///   - http: The transport.
    ///   - configuration: Backend profile, retries, multipart copy settings.
    ///   - logger: Debug logs of retries.
    ///   - now: The clock used for signing.
    public init(
        presigner: Presigner,
        http: HTTPClient,
        configuration: Configuration,
        logger: Logger = Logger(label: "airlock.s3", factory: { _ in SwiftLogNoOpLogHandler() }),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.presigner = presigner
        self.http = http
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    // MARK: - Requests

    /// One signed request as built for an attempt.
    struct Call {
        var method: String
        var bucket: String?
        var key: String?
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body: HTTPRequest.Body = .none
        var payloadHash: String = Signer.emptyPayloadHash
        var response: HTTPRequest.ResponseTarget = .memory(limit: 8 << 20)
        var timeout: Duration?
        var observer: HTTPRequest.BodyObserver?
    }

    /// Signs and sends `call`, retrying transient failures when `idempotent`; returns a 2xx response (or one whose
    /// status `accept` allows), else throws the parsed error.
    func send(_ operation: String, _ call: Call, idempotent: Bool, accept: Set<Int> = []) async throws(S3Error) -> HTTPResponse {
        let started = ContinuousClock.now
        var attempt = 0
        var generator = SystemRandomNumberGenerator()
        while true {
            attempt += 1
            let outcome: Result<HTTPResponse, S3Error>
            do {
                let signed = try presigner.signRequest(
                    method: call.method,
                    bucket: call.bucket,
                    key: call.key,
                    query: call.query,
                    headers: call.headers,
                    payloadHash: call.payloadHash,
                    at: SigningTime(now())
                )
                let response = try await http.execute(
                    HTTPRequest(
                        method: call.method,
                        url: signed.url,
                        headers: signed.headers,
                        body: call.body,
                        response: call.response,
                        timeout: call.timeout,
                        observer: call.observer
                    )
                )
                if response.isSuccess || accept.contains(response.status) {
                    outcome = .success(response)
                } else {
                    outcome = .failure(S3Error.from(response: response, operation: operation))
                }
            } catch let error as SigV4Error {
                throw S3Error(kind: .invalidRequest, code: "InvalidRequest", message: error.message, operation: operation, cause: error)
            } catch let error as TransportError {
                outcome = .failure(S3Error.transport(error, operation: operation))
            } catch {
                outcome = .failure(
                    S3Error(
                        kind: .transport(.cancelled),
                        code: "Transport.cancelled",
                        message: "the request was cancelled",
                        operation: operation,
                        cause: error
                    )
                )
            }
            metrics.requests(operation).increment()
            switch outcome {
            case .success(let response):
                metrics.duration(operation).recordInterval(since: started)
                return response
            case .failure(let error):
                let delay = configuration.retry.delay(beforeRetry: attempt, using: &generator)
                let elapsed = ContinuousClock.now - started
                guard idempotent, error.isRetryable, attempt < configuration.retry.maximumAttempts,
                    elapsed + delay < configuration.retry.budget, !Task.isCancelled
                else {
                    metrics.errors(operation).increment()
                    throw error
                }
                metrics.retries(operation).increment()
                logger.debug(
                    "s3 request retried",
                    metadata: [
                        "airlock.s3.operation": "\(operation)", "airlock.s3.attempt": "\(attempt)", "airlock.s3.error": "\(error.code)",
                        "airlock.s3.delay_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                    ]
                )
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw S3Error(
                        kind: .transport(.cancelled),
                        code: "Transport.cancelled",
                        message: "cancelled while waiting to retry",
                        operation: operation
                    )
                }
            }
        }
    }

    /// Parses an XML response body, or throws an ``S3Error`` naming the operation.
    func xml(_ response: HTTPResponse, operation: String, root: String) throws(S3Error) -> XMLElement {
        let element: XMLElement
        do {
            element = try XMLParser.parse(response.body)
        } catch {
            throw S3Error.invalidResponse("the response is not XML", operation: operation, cause: error)
        }
        // Some operations answer 200 with an error document (CopyObject, CompleteMultipartUpload).
        if element.name == "Error" {
            throw S3Error.from(
                response: HTTPResponse(status: 500, headers: response.headers, body: response.body, bodyLength: response.bodyLength),
                operation: operation
            )
        }
        guard element.name == root else {
            throw S3Error.invalidResponse("expected <\(root)>, got <\(element.name)>", operation: operation)
        }
        return element
    }
}

/// Metrics, created once per operation and cached.
final class S3Metrics: Sendable {
    private struct Cache {
        var counters: [String: Counter] = [:]
        var timers: [String: Metrics.Timer] = [:]
    }

    private let cache = Mutex(Cache())

    private func counter(_ label: String, _ operation: String) -> Counter {
        cache.withLock { cache in
            let key = label + "|" + operation
            if let existing = cache.counters[key] { return existing }
            let counter = Counter(label: label, dimensions: [("operation", operation)])
            cache.counters[key] = counter
            return counter
        }
    }

    func requests(_ operation: String) -> Counter { counter("airlock_s3_requests_total", operation) }
    func retries(_ operation: String) -> Counter { counter("airlock_s3_retries_total", operation) }
    func errors(_ operation: String) -> Counter { counter("airlock_s3_errors_total", operation) }

    func duration(_ operation: String) -> Metrics.Timer {
        cache.withLock { cache in
            if let existing = cache.timers[operation] { return existing }
            let timer = Metrics.Timer(label: "airlock_s3_request_duration_seconds", dimensions: [("operation", operation)])
            cache.timers[operation] = timer
            return timer
        }
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
