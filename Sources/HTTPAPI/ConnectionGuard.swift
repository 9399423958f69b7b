import NIOCore
import NIOHTTPTypes
import Synchronization

/// How long a connection may take over each part of a request, and how many one client address may hold.
public struct ConnectionLimits: Sendable {
    /// From the connection's start, or the end of the previous response, until the request head is complete.
    public var headTimeout: Duration
    /// From the request head until its body is complete.
    public var bodyTimeout: Duration
    /// A connection with no request and no response under way for this long is closed (Hummingbird's idle timeout).
    public var idleTimeout: Duration
    /// Open connections per client IP address; the next one is closed at once.
    public var maxConnectionsPerClient: Int

    /// - Parameters:
    ///   - headTimeout: `http.timeouts.head`.
    ///   - bodyTimeout: `http.timeouts.body`.
    ///   - idleTimeout: `http.timeouts.idle`.
    ///   - maxConnectionsPerClient: `http.maxConnectionsPerClient`.
    public init(
        headTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(60),
        idleTimeout: Duration = .seconds(60),
        maxConnectionsPerClient: Int = 128
    ) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerClient = maxConnectionsPerClient
    }
}

/// Open connections per client address, shared by every connection of one server.
final class ConnectionCounter: Sendable {
    let limit: Int
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int) { self.limit = max(1, limit) }

    /// Counts a new connection from `address`; false (and not counted) when the address is at its limit.
    func open(_ address: String) -> Bool {
        counts.withLock { counts in
            let open = counts[address, default: 0]
            guard open < limit else { return false }
            counts[address] = open + 1
            return true
        }
    }

    func close(_ address: String) {
        counts.withLock { counts in
            let open = counts[address, default: 1] - 1
            counts[address] = open > 0 ? open : nil
        }
    }
}

/// In each connection's pipeline, after HTTP decoding: closes connections over the per-address limit at once, and
/// connections whose request head or body does not arrive in time. While the server works on a request (head and body
/// read, response not yet ended) no timer runs.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let counter: ConnectionCounter
    let headTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private var address: String?
    private var timer: Scheduled<Void>?
    private var requestOpen = false
    private var responseOpen = false

    init(counter: ConnectionCounter, limits: ConnectionLimits) {
        self.counter = counter
        headTimeout = Self.timeAmount(limits.headTimeout)
        bodyTimeout = Self.timeAmount(limits.bodyTimeout)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard counter.open(address) else {
            context.close(promise: nil)
            return
        }
        self.address = address
        arm(context, headTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        if let address {
            counter.close(address)
            self.address = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        if let address {
            counter.close(address)
            self.address = nil
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestOpen = true
            responseOpen = true
            arm(context, bodyTimeout)
        case .end:
            requestOpen = false
            if responseOpen { disarm() } else { arm(context, headTimeout) }
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responseOpen = false
            if !requestOpen { arm(context, headTimeout) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        disarm()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
