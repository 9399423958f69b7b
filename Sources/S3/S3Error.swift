public import AirlockCore
public import Transport

/// A failed S3 operation: the store's own error (code, message, request id, HTTP status), a transport failure, or a
/// response Airlock could not understand.
///
/// `description` is safe for logs: no signatures, keys or secrets.
public struct S3Error: AirlockFailure {
    public enum Kind: Sendable, Equatable {
        /// The store answered with an error status.
        case service
        /// No usable HTTP response: network, DNS, TLS, timeout, local I/O.
        case transport(TransportError.Code)
        /// A response that does not parse or lacks what the operation needs.
        case invalidResponse
        /// Arguments the client refuses before sending anything (bucket, key, expiry...).
        case invalidRequest
    }

    public var kind: Kind
    /// The S3 error code (`NoSuchKey`, `PreconditionFailed`, ...) for service errors; derived from the status for
    /// bodiless answers (HEAD): `NotFound`, `Forbidden`, `PreconditionFailed`.
    public var code: String
    public var message: String
    public var requestId: String?
    /// The HTTP status, for service errors.
    public var status: Int?
    /// The operation that failed (`GetObject`, ...).
    public var operation: String
    /// The transport's or signer's error, or the parser's, for logs.
    public var cause: (any Error)?

    public init(
        kind: Kind,
        code: String,
        message: String,
        requestId: String? = nil,
        status: Int? = nil,
        operation: String,
        cause: (any Error)? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.requestId = requestId
        self.status = status
        self.operation = operation
        self.cause = cause
    }

    public var codeName: String { code }

    public var description: String {
        var text = "\(operation) failed: \(code)"
        if let status { text += " (HTTP \(status))" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestId { text += " [request \(requestId)]" }
        return text
    }

    /// No such key or bucket.
    public var isNotFound: Bool { ["NoSuchKey", "NotFound", "NoSuchBucket", "NoSuchUpload"].contains(code) || status == 404 }

    /// A precondition (If-Match, copy-source-if-match) did not hold.
    public var isPreconditionFailed: Bool { code == "PreconditionFailed" || status == 412 }

    /// Whether retrying an idempotent request could succeed.
    var isRetryable: Bool {
        switch kind {
        case .transport(let code):
            return code == .connect || code == .dns || code == .timeout || code == .network
        case .service:
            return [
                "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "Throttling", "ThrottlingException",
                "RequestLimitExceeded", "TooManyRequests",
            ].contains(code)
                || [500, 502, 503, 504].contains(status ?? 0)
        case .invalidResponse, .invalidRequest:
            return false
        }
    }
}

extension S3Error {
    /// Parses an S3 XML error document, or describes a bodiless error from its status.
    static func from(response: HTTPResponse, operation: String) -> S3Error {
        let requestId = response.header("x-amz-request-id")
        if !response.body.isEmpty, let root = try? XMLParser.parse(response.body), root.name == "Error" {
            return S3Error(
                kind: .service,
                code: root.value("Code") ?? "HTTP\(response.status)",
                message: root.value("Message") ?? "",
                requestId: root.value("RequestId") ?? requestId,
                status: response.status,
                operation: operation
            )
        }
        let code: String =
            switch response.status {
            case 304: "NotModified"
            case 400: "BadRequest"
            case 403: "Forbidden"
            case 404: "NotFound"
            case 409: "Conflict"
            case 412: "PreconditionFailed"
            case 416: "InvalidRange"
            case 503: "ServiceUnavailable"
            default: "HTTP\(response.status)"
            }
        return S3Error(kind: .service, code: code, message: "", requestId: requestId, status: response.status, operation: operation)
    }

    static func transport(_ error: TransportError, operation: String) -> S3Error {
        S3Error(kind: .transport(error.code), code: "Transport.\(error.code)", message: error.message, operation: operation, cause: error)
    }

    static func invalidResponse(_ message: String, operation: String, cause: (any Error)? = nil) -> S3Error {
        S3Error(kind: .invalidResponse, code: "InvalidResponse", message: message, operation: operation, cause: cause)
    }
}
