/// Access key, secret and optional session token used to sign requests.
///
/// `description` never shows the secret or the token, so a `Credentials` value is safe to log by accident.
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?

    /// Creates credentials.
    /// - Parameters:
    ///   - accessKeyId: The access key id (not secret; it appears in every signed request).
    ///   - secretAccessKey: The signing secret.
    ///   - sessionToken: A temporary session token (`X-Amz-Security-Token`), if any.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "Credentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }

    public var debugDescription: String { description }
}
