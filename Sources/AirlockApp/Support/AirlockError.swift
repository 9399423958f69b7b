public import AirlockCore

/// An error the CLI reports as one line on stderr with exit status 2.
///
/// `message` is written for the operator and never contains a secret.
public struct AirlockError: AirlockFailure {
    /// A stable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// A flag or argument with a value that cannot work.
        public static let invalidArgument = Code("invalid_argument")
        /// Credentials are missing.
        public static let missingCredentials = Code("missing_credentials")
        /// The configuration file is missing, unreadable or invalid.
        public static let invalidConfig = Code("invalid_config")
        /// Signing refused the request (bad bucket, key, endpoint, expiry, header...).
        public static let signing = Code("signing_error")
        /// The object store failed or refused a request.
        public static let storage = Code("storage_error")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var codeName: String { code.rawValue }
    /// The message followed by the cause's description, for logs.
    public var description: String { messageWithCause }

    /// The one line the CLI prints on stderr: the message and, when the cause is an Airlock failure, its stable code.
    /// Not the cause's text: that may quote the configuration file (a YAML parser's error shows the failing line,
    /// which may be a secret's) or a store's response, and stderr ends up in journals and CI logs.
    public var commandLineReport: String {
        guard let failure = cause as? any AirlockFailure else { return message }
        return "\(message) (\(failure.codeName))"
    }
}
