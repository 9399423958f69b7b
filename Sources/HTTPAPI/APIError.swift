public import AirlockCore
public import Hummingbird
public import Review

/// An API failure with a stable code, rendered as `{"error":{"code","message","requestId"}}`.
public struct APIError: AirlockFailure {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Seconds, for 429.
    public var retryAfter: Int?

    /// What failed underneath, for logs (never rendered).
    public var cause: (any Error)?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Int? = nil, cause: (any Error)? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.cause = cause
    }

    public var codeName: String { code }
    public var description: String { "\(code): \(message)" }

    public static func invalid(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
    public static let unauthenticated = APIError(.unauthorized, "unauthenticated", "a valid API key or token is required")
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    /// Unknown, or another owner's: the two are indistinguishable.
    public static let notFound = APIError(.notFound, "not_found", "no such upload")
    public static func conflict(_ code: String, _ message: String) -> APIError { APIError(.conflict, code, message) }
    /// Too many failed authentications from this client address.
    public static func authenticationThrottled(retryAfter: Int) -> APIError {
        APIError(
            .tooManyRequests,
            "rate_limited",
            "too many failed authentications from this address; retry after \(retryAfter) s",
            retryAfter: retryAfter
        )
    }
    public static let internalError = APIError(.internalServerError, "internal", "the request could not be completed")
    public static let unavailable = APIError(.serviceUnavailable, "unavailable", "a dependency is unavailable; retry later")

    /// A reviewer action's refusal, with its code and message as they are.
    public init(_ error: ReviewError) {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .invalid: .badRequest
            case .notFound: .notFound
            case .conflict: .conflict
            case .tooLarge: .contentTooLarge
            case .unavailable: .serviceUnavailable
            default: .internalServerError
            }
        self.init(status, error.code, error.message)
    }

    /// The JSON body.
    func body(requestID: String) -> String {
        JSONText.object([
            ("error", .object([("code", .string(code)), ("message", .string(message)), ("requestId", .string(requestID))]))
        ]).rendered
    }
}
