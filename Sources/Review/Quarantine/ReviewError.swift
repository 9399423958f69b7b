public import AirlockCore

/// A reviewer action that cannot go ahead, with the stable snake_case code the API, the review page and
/// `airlock quarantine` report (docs/api.md, "Errors"). HTTPAPI maps ``kind`` to a status.
public struct ReviewError: AirlockFailure {
    /// What kind of refusal: the HTTP API turns it into a status, the CLI into an exit.
    public struct Kind: Hashable, Sendable {
        private enum Base: Hashable, Sendable { case invalid, notFound, conflict, tooLarge, internalError, unavailable }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The request is wrong (a missing or invalid note, a malformed SHA-256): 400.
        public static let invalid = Kind(.invalid)
        /// No such quarantined upload (or hash-list entry): 404.
        public static let notFound = Kind(.notFound)
        /// The upload's state does not allow it, or another action holds it: 409.
        public static let conflict = Kind(.conflict)
        /// The object is too large for what was asked (a zip): 413.
        public static let tooLarge = Kind(.tooLarge)
        /// Airlock could not do its own part (signing a link): 500.
        public static let internalError = Kind(.internalError)
        /// A dependency (the store) failed; retry later: 503.
        public static let unavailable = Kind(.unavailable)
    }

    public var kind: Kind
    /// Stable, snake_case: clients branch on it.
    public var code: String
    /// For people; safe to show a client.
    public var message: String

    /// - Parameters:
    ///   - kind: What kind of refusal.
    ///   - code: The stable code.
    ///   - message: The human explanation.
    /// What failed underneath (the store, the signer), for logs.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ code: String, _ message: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var codeName: String { code }
    public var description: String { "\(code): \(message)" }

    public static func invalid(_ code: String, _ message: String) -> ReviewError { ReviewError(.invalid, code, message) }
    public static func conflict(_ code: String, _ message: String) -> ReviewError { ReviewError(.conflict, code, message) }
    /// Unknown, or not in quarantine: the two are indistinguishable.
    public static let notFound = ReviewError(.notFound, "not_found", "no such upload")
    public static let tooLargeForZip = ReviewError(.tooLarge, "too_large", "the object is too large for a zip; download the raw object instead")
    public static let internalError = ReviewError(.internalError, "internal", "the request could not be completed")
    public static let unavailable = ReviewError(.unavailable, "unavailable", "a dependency is unavailable; retry later")
}
