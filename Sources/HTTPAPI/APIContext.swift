public import Hummingbird
import NIOCore
public import Review

/// The request context: the authenticated principal and the request id.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var requestID: String = ""
    public var maxBodyBytes: Int = 10_240
    /// The peer's IP address (the connection's, never a header's): what failed authentication is throttled by.
    public var clientAddress: String

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var maxUploadSize: Int { maxBodyBytes }
}
