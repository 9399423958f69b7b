public import AirlockCore

/// A failure of the inspection machinery itself (not a verdict about a file).
public struct InspectionError: AirlockFailure {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// libmagic could not open or load its database.
        public static let magicLoad = Code("magic_load")
        /// libmagic failed on a buffer.
        public static let magicDetect = Code("magic_detect")
        /// The ClamAV engine could not be built (database missing or invalid, bad limits).
        public static let engineLoad = Code("engine_load")
        /// A scan returned an error.
        public static let scanFailed = Code("scan_failed")
        /// A local file could not be read.
        public static let io = Code("io")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// The library's raw result code, when it reported one.
    public var rawCode: Int32?
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, rawCode: Int32? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.rawCode = rawCode
        self.cause = cause
    }

    public var codeName: String { code.rawValue }
    public var description: String { "\(code): \(message)" }
}
