/// The error model every Airlock target shares (docs/architecture.md, "Errors"). It sits in a target of its own with
/// no dependencies, so that `SigV4` and `Transport`, which do not import AirlockCore, adopt it too; AirlockCore
/// re-exports it.
///
/// An error is a struct with
/// - a stable code (`codeName`, snake_case) that clients, scripts and alerts match, as opaque static members so new
///   codes do not break callers;
/// - a message safe to show to whoever caused the request (no secrets, no internals);
/// - the underlying `cause`, kept as an error value rather than flattened into the message, so logs can show the
///   whole chain and callers can still inspect it.
///
/// ```swift
/// do {
///     try await catalog.migrate()
/// } catch {
///     throw AirlockError(.storage, "migrating the catalog failed", cause: error)
/// }
/// ```
public protocol AirlockFailure: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The stable code.
    var codeName: String { get }
    /// Safe to show.
    var message: String { get }
    /// What failed underneath; written to logs, never to a client.
    var cause: (any Error)? { get }
}

extension AirlockFailure {
    /// The code, the message and each cause in turn (for logs and an operator's terminal).
    public var debugDescription: String {
        guard let cause else { return "\(codeName): \(message)" }
        return "\(codeName): \(message) <- \(String(reflecting: cause))"
    }

    /// The message followed by the cause's own description (`message: cause`), for a one-line report to an operator.
    public var messageWithCause: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }
}
