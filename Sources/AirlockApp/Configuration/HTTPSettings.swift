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

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        corsOrigins: [String] = [],
        maxBodyBytes: Int = 10_240,
        rateLimitPerSecond: Int = 50,
        rateLimitBurst: Int = 200,
        sessionLifetime: ConfigDuration = .hours(8)
    ) {
        self.host = host
        self.port = port
        self.corsOrigins = corsOrigins
        self.maxBodyBytes = maxBodyBytes
        self.rateLimitPerSecond = rateLimitPerSecond
        self.rateLimitBurst = rateLimitBurst
        self.sessionLifetime = sessionLifetime
    }

    /// Reads the section from a reader scoped to `http`.
    ///
    /// - Configuration keys:
    ///   - `host` (string, default `127.0.0.1`), `port` (integer, default `8080`).
    ///   - `corsOrigins` (list of origins, default none): `https://app.example.com`; `*` is refused.
    ///   - `maxBodyBytes` (integer, default `10240`): larger JSON bodies get 413.
    ///   - `rateLimit.perSecond` (default `50`), `rateLimit.burst` (default `200`): per principal.
    ///   - `sessionLifetime` (duration, default `8h`): the review page's session.
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "http"
        self.init(
            host: reader.string(forKey: "host", default: "127.0.0.1"),
            port: try reader.integer("port", in: section, default: 8080, range: 1...65535),
            corsOrigins: reader.list("corsOrigins"),
            maxBodyBytes: try reader.integer("maxBodyBytes", in: section, default: 10_240, range: 256...(64 << 20)),
            rateLimitPerSecond: try reader.integer("rateLimit.perSecond", in: section, default: 50, range: 1...1_000_000),
            rateLimitBurst: try reader.integer("rateLimit.burst", in: section, default: 200, range: 1...1_000_000),
            sessionLifetime: try reader.duration("sessionLifetime", in: section, default: .hours(8))
        )
        for origin in corsOrigins {
            guard origin.hasPrefix("https://") || origin.hasPrefix("http://"), !origin.contains("*"), !origin.hasSuffix("/") else {
                throw AirlockError(.invalidConfig, "http.corsOrigins entry '\(origin)' must be a scheme://host[:port] origin without '*' or a path")
            }
        }
    }
}
