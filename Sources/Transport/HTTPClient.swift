public import Logging

/// An async HTTP client over libcurl for the object store and webhooks.
///
/// One curl multi handle runs on a dedicated thread: requests from any task share its connection cache, bodies stream
/// from and to file descriptors, and no curl call ever blocks the cooperative thread pool. Call ``shutdown()`` when
/// done (or use ``withHTTPClient(configuration:logger:_:)``).
///
/// ```swift
/// try await withHTTPClient(configuration: .init()) { client in
///     let response = try await client.execute(HTTPRequest(method: "GET", url: "http://127.0.0.1:7480/"))
/// }
/// ```
public final class HTTPClient: Sendable {
    /// Connection behaviour shared by every request.
    public struct Configuration: Sendable {
        /// Time allowed to connect (including TLS).
        public var connectTimeout: Duration
        /// A transfer slower than `lowSpeedLimit` bytes per second for `lowSpeedTime` is aborted as a timeout.
        public var lowSpeedLimit: Int
        public var lowSpeedTime: Duration
        /// A CA bundle for TLS verification (`store.caFile`); the system's bundle when `nil`.
        public var caFile: String?
        /// Connections kept per host (and twice that in total).
        public var maximumConnectionsPerHost: Int
        public var userAgent: String

        public init(
            connectTimeout: Duration = .seconds(10),
            lowSpeedLimit: Int = 1,
            lowSpeedTime: Duration = .seconds(30),
            caFile: String? = nil,
            maximumConnectionsPerHost: Int = 64,
            userAgent: String = "airlock"
        ) {
            self.connectTimeout = connectTimeout
            self.lowSpeedLimit = lowSpeedLimit
            self.lowSpeedTime = lowSpeedTime
            self.caFile = caFile
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.userAgent = userAgent
        }
    }

    private let engine: CurlEngine

    /// Creates a client and starts its transport thread.
    /// - Parameters:
    ///   - configuration: Timeouts, CA bundle and connection limits.
    ///   - logger: Where the transport logs (trace level only).
    public init(
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "airlock.transport", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(TransportError) {
        engine = try CurlEngine(configuration: configuration, logger: logger)
    }

    deinit {
        engine.shutdown()
    }

    /// Sends a request and waits for the complete response. Cancelling the task aborts the transfer.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let box = TransferBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let transfer = CurlTransfer(request: request, continuation: continuation)
                box.set(transfer)
                engine.submit(transfer)
            }
        } onCancel: {
            if let transfer = box.take() { engine.cancel(transfer) } else { box.cancelBeforeStart() }
        }
    }

    /// Fails requests still running and stops the transport thread. Idempotent.
    public func shutdown() {
        engine.shutdown()
    }
}

/// Runs `body` with a client that is shut down afterwards, whatever `body` does.
public func withHTTPClient<R>(
    configuration: HTTPClient.Configuration = .init(),
    logger: Logger = Logger(label: "airlock.transport", factory: { _ in SwiftLogNoOpLogHandler() }),
    _ body: (HTTPClient) async throws -> R
) async throws -> R {
    let client = try HTTPClient(configuration: configuration, logger: logger)
    do {
        let result = try await body(client)
        client.shutdown()
        return result
    } catch {
        client.shutdown()
        throw error
    }
}
