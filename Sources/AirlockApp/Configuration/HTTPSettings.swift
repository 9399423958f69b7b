public import AirlockCore
public import Configuration

/// The `http` section: where the API listens and how it treats browsers and clients.
public struct HTTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Browser origins allowed to call the API and to upload to the incoming bucket (`storage init` sets its CORS).
    public var corsOrigins: [String]
    public var maxBodyBytes: Int
    public var rateLimitPerSecond: Int
    public var rateLimitBurst: Int
    public var sessionLifetime: ConfigDuration
    /// Where clients reach the API (`https://airlock.example.com`, or with a path prefix); links Airlock serves itself
    /// start with it. Never derived from a request's Host header.
    public var publicURL: String?
    /// `timeouts.head`, `timeouts.body`, `timeouts.idle`.
    public var headTimeout: ConfigDuration
    public var bodyTimeout: ConfigDuration
    public var idleTimeout: ConfigDuration
    public var maxConnectionsPerClient: Int
    /// Failed authentications per client address: `authFailures.burst`, then `authFailures.perMinute`.
    public var authFailuresPerMinute: Int
    public var authFailuresBurst: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        corsOrigins: [String] = [],
        maxBodyBytes: Int = 10_240,
        rateLimitPerSecond: Int = 50,
        rateLimitBurst: Int = 200,
        sessionLifetime: ConfigDuration = .hours(8),
        publicURL: String? = nil,
        headTimeout: ConfigDuration = .seconds(10),
        bodyTimeout: ConfigDuration = .seconds(60),
        idleTimeout: ConfigDuration = .seconds(60),
        maxConnectionsPerClient: Int = 128,
        authFailuresPerMinute: Int = 10,
        authFailuresBurst: Int = 20
    ) {
        self.host = host
        self.port = port
        self.corsOrigins = corsOrigins
        self.maxBodyBytes = maxBodyBytes
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.sessionLifetime = sessionLifetime
        self.publicURL = publicURL
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.authFailuresPerMinute = authFailuresPerMinute
        self.authFailuresBurst = authFailuresBurst
    }

    /// Reads the section from a reader scoped to `http`.
    ///
    /// - Configuration keys:
    ///   - `host` (string, default `127.0.0.1`), `port` (integer, default `8080`).
    ///   - `corsOrigins` (list of origins, default none): `https://app.example.com`; `*` is refused.
    ///   - `maxBodyBytes` (integer, default `10240`): larger JSON bodies get 413.
    ///   - `rateLimit.perSecond` (default `50`), `rateLimit.burst` (default `200`): per principal.
    ///   - `sessionLifetime` (duration, default `8h`): the review page's session.
    ///   - `publicURL` (URL, default none): `scheme://host[:port][/path]` clients use; the base of analysis-zip links
    ///     (without it they are paths).
    ///   - `timeouts.head` (default `10s`): a connection that has not sent a whole request head this long after it opened
    ///     (or after the previous response) is closed; `timeouts.body` (default `60s`): the same for a request's body;
    ///     `timeouts.idle` (default `60s`): a kept-alive connection with nothing under way.
    ///   - `maxConnectionsPerClient` (default `128`): open connections per client IP address.
    ///   - `authFailures.perMinute` (default `10`), `authFailures.burst` (default `20`): failed authentications per client
    ///     address; past them that address gets 429 with Retry-After.
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "http"
        self.init(
            host: reader.string(forKey: "host", default: "127.0.0.1"),
            port: try reader.integer("port", in: section, default: 8080, range: 1...65535),
            corsOrigins: reader.list("corsOrigins"),
            maxBodyBytes: try reader.integer("maxBodyBytes", in: section, default: 10_240, range: 256...(64 << 20)),
            rateLimitPerSecond: try reader.integer("rateLimit.perSecond", in: section, default: 50, range: 1...1_000_000),
            rateLimitBurst: try reader.integer("rateLimit.burst", in: section, default: 200, range: 1...1_000_000),
            sessionLifetime: try reader.duration("sessionLifetime", in: section, default: .hours(8)),
            publicURL: try Self.publicURL(reader.string(forKey: "publicURL")),
            headTimeout: try reader.duration("timeouts.head", in: section, default: .seconds(10)),
            bodyTimeout: try reader.duration("timeouts.body", in: section, default: .seconds(60)),
            idleTimeout: try reader.duration("timeouts.idle", in: section, default: .seconds(60)),
            maxConnectionsPerClient: try reader.integer("maxConnectionsPerClient", in: section, default: 128, range: 1...1_000_000),
            authFailuresPerMinute: try reader.integer("authFailures.perMinute", in: section, default: 10, range: 1...1_000_000),
            authFailuresBurst: try reader.integer("authFailures.burst", in: section, default: 20, range: 1...1_000_000)
        )
        for (name, value) in [("head", headTimeout), ("body", bodyTimeout), ("idle", idleTimeout)] where value.milliseconds < 100 {
            throw AirlockError(.invalidConfig, "http.timeouts.\(name) must be at least 100ms")
        }
        for origin in corsOrigins {
            guard origin.hasPrefix("https://") || origin.hasPrefix("http://"), !origin.contains("*"), !origin.hasSuffix("/") else {
                throw AirlockError(.invalidConfig, "http.corsOrigins entry '\(origin)' must be a scheme://host[:port] origin without '*' or a path")
            }
        }
    }

    /// `http.publicURL` checked: http(s), a host, no userinfo, query or fragment; a trailing slash dropped.
    static func publicURL(_ value: String?) throws(AirlockError) -> String? {
        guard let value, !value.isEmpty else { return nil }
        let problem = AirlockError(.invalidConfig, "http.publicURL must be an http(s)://host[:port][/path] URL without userinfo, query or fragment")
        let scheme: String
        if value.hasPrefix("https://") { scheme = "https://" } else if value.hasPrefix("http://") { scheme = "http://" } else { throw problem }
        let rest = value.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty,
            !value.contains(where: { $0 == "@" || $0 == "?" || $0 == "#" || $0 == "\\" || $0.isWhitespace || ($0.asciiValue ?? 0x80) < 0x20 })
        else {
            throw problem
        }
        var trimmed = value
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }
}
