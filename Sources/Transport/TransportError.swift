public import AirlockErrors
import Glibc

/// A request that did not produce an HTTP response: the network, DNS, TLS, a timeout, local file I/O, cancellation
/// (docs/architecture.md, "Errors").
///
/// `message` names the failure for an operator and never contains a URL's query string (which may carry a
/// signature) or a header value.
public struct TransportError: AirlockFailure {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The host name did not resolve.
        public static let dns = Code("dns")
        /// No connection could be made (refused, unreachable).
        public static let connect = Code("connect")
        /// TLS handshake or certificate verification failed.
        public static let tls = Code("tls")
        /// Connect, low-speed or total timeout.
        public static let timeout = Code("timeout")
        /// The connection broke while sending or receiving (including a body shorter than announced).
        public static let network = Code("network")
        /// Reading the request body or writing the response body to a local file failed.
        public static let io = Code("io")
        /// The response body was larger than the caller allowed.
        public static let responseTooLarge = Code("response_too_large")
        /// The task was cancelled.
        public static let cancelled = Code("cancelled")
        /// The client was shut down.
        public static let shutdown = Code("shutdown")
        /// The request could not be set up (bad URL, bad option).
        public static let invalidRequest = Code("invalid_request")
        /// Anything else curl reports.
        public static let other = Code("other")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// curl's numeric result code, when curl reported the failure.
    public var curlCode: Int?
    /// What failed underneath (a local file's errno), for logs.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, curlCode: Int? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
        self.cause = cause
    }

    public var codeName: String { code.rawValue }

    /// Whether a retry of an idempotent request could succeed.
    public var isTransient: Bool {
        code == .dns || code == .connect || code == .timeout || code == .network
    }

    public var description: String { "\(code): \(message)" }
}

/// A failed system call on a local file (the cause of an `.io` ``TransportError``).
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// The call, such as `pread`.
    public var call: String
    /// Its `errno`.
    public var number: Int32

    public init(call: String, number: Int32) {
        self.call = call
        self.number = number
    }

    /// `strerror`'s text.
    public var reason: String { String(cString: strerror(number)) }
    public var description: String { "\(call) failed: \(reason) (errno \(number))" }
}
