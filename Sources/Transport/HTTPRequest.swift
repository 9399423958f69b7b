/// One HTTP request for ``HTTPClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The full URL, already encoded (sent exactly as given).
    public var url: String
    /// Headers in order. An empty value removes a header curl would add on its own.
    public var headers: [(name: String, value: String)]
    public var body: Body
    public var response: ResponseTarget
    /// A deadline for the whole exchange, on top of the client's connect and low-speed timeouts.
    public var timeout: Duration?
    /// Sees a file target's body as it is written: each run of bytes with its offset from the start of the body,
    /// in order, on the transfer's thread (it must not block). Error bodies are not shown.
    public var observer: BodyObserver?

    public typealias BodyObserver = @Sendable (_ bytes: UnsafeRawBufferPointer, _ offset: Int64) -> Void

    /// Where the request body comes from.
    public enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `length` bytes of an open file, from `offset`; read with `pread`, so the descriptor's position is not used
        /// and a retry can send the same bytes again.
        case file(descriptor: Int32, offset: Int64, length: Int64)

        var length: Int64 {
            switch self {
            case .none: return 0
            case .bytes(let bytes): return Int64(bytes.count)
            case .file(_, _, let length): return length
            }
        }
    }

    /// Where the response body goes.
    public enum ResponseTarget: Sendable {
        /// Into memory, refusing bodies above `limit` bytes (S3 XML documents, errors).
        case memory(limit: Int)
        /// Into an open file from `offset`, written with `pwrite` as it arrives (no whole-object buffering). Only
        /// 2xx bodies go there; error bodies go to memory.
        case file(descriptor: Int32, offset: Int64)
    }

    /// Creates a request.
    /// - Parameters:
    ///   - method: HTTP method.
    ///   - url: Encoded URL.
    ///   - headers: Headers to send.
    ///   - body: Request body.
    ///   - response: Where the response body goes (default: memory up to 1 MiB).
    ///   - timeout: Optional deadline for the whole exchange.
    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: Body = .none,
        response: ResponseTarget = .memory(limit: 1 << 20),
        timeout: Duration? = nil,
        observer: BodyObserver? = nil
    ) {
        self.observer = observer
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.response = response
        self.timeout = timeout
    }
}

/// An HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased, in the order received.
    public var headers: [(name: String, value: String)]
    /// The body, when it went to memory (also error bodies of file targets).
    public var body: [UInt8]
    /// Bytes of body received (written to the file for file targets).
    public var bodyLength: Int64

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], bodyLength: Int64) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyLength = bodyLength
    }

    /// The first value of a header (name compared case-insensitively).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
}
