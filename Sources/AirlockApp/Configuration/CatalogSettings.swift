public import AirlockCore
public import Configuration
import Foundation

/// The `catalog` section: `url` is `sqlite://` + a path (relative or /absolute) or `postgres://user:pass@host:port/db`.
public struct CatalogSettings: Sendable {
    public enum Location: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(host: String, port: Int, username: String, password: String?, database: String)
    }

    public var location: Location

    public init(location: Location) {
        self.location = location
    }

    /// - Configuration keys: `url` (default `sqlite://data/airlock.sqlite`).
    public init(reader: ConfigReader) throws(AirlockError) {
        try self.init(url: reader.string(forKey: "url", isSecret: true, default: "sqlite://data/airlock.sqlite"))
    }

    public init(url: String) throws(AirlockError) {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw AirlockError(.invalidConfig, "catalog.url sqlite:// needs a path (sqlite://data/airlock.sqlite)") }
            location = .sqlite(path: path)
            return
        }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let components = URLComponents(string: url), let host = components.host, !host.isEmpty
        else {
            // Never echo the URL: it may hold a password.
            throw AirlockError(.invalidConfig, "catalog.url must be sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, let user = components.user, !user.isEmpty else {
            throw AirlockError(.invalidConfig, "catalog.url for PostgreSQL needs a user and a database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        location = .postgres(
            host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database
        )
    }

    /// For logs and `config check`: never the password.
    public var redacted: String {
        switch location {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let host, let port, let username, _, let database): "postgres://\(username):***@\(host):\(port)/\(database)"
        }
    }
}

/// The `worker` section.
public struct WorkerSettings: Sendable {
    public var enabled: Bool
    public var concurrency: Int
    public var maxAttempts: Int
    public var lease: ConfigDuration
    public var reconcileInterval: ConfigDuration
    public var metricsPort: Int

    /// - Configuration keys: `enabled` (default true), `concurrency` (default 4), `maxAttempts` (default 3), `lease`
    ///   (default `5m`), `reconcileInterval` (default `30s`), `metricsPort` (default 9464).
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "worker"
        enabled = try reader.boolean("enabled", in: section, default: true)
        concurrency = try reader.integer("concurrency", in: section, default: 4, range: 1...1024)
        maxAttempts = try reader.integer("maxAttempts", in: section, default: 3, range: 1...100)
        lease = try reader.duration("lease", in: section, default: .minutes(5))
        reconcileInterval = try reader.duration("reconcileInterval", in: section, default: .seconds(30))
        metricsPort = try reader.integer("metricsPort", in: section, default: 9464, range: 0...65535)
        guard lease.milliseconds >= 1000 else { throw AirlockError(.invalidConfig, "worker.lease must be at least 1s") }
        guard reconcileInterval.milliseconds >= 100 else { throw AirlockError(.invalidConfig, "worker.reconcileInterval must be at least 100ms") }
    }
}

/// The `events` section: webhooks, each with its HMAC secret and the event types it receives.
public struct EventSettings: Sendable {
    public struct Hook: Sendable, Equatable {
        public var url: String
        public var secret: String
        public var types: [String]
    }

    public static let eventTypes = ["upload.processed", "upload.quarantined"]
    public var webhooks: [Hook]

    /// - Configuration keys: `webhooks[i].url`, `webhooks[i].secret` (secret; `_FILE` works), `webhooks[i].types`
    ///   (default both types).
    public init(reader: ConfigReader) throws(AirlockError) {
        var hooks: [Hook] = []
        var index = 0
        while let url = reader.string(forKey: ConfigKey("webhooks.\(index).url")) {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw AirlockError(.invalidConfig, "events.webhooks[\(index)].url must be an http(s) URL")
            }
            guard let secret = reader.string(forKey: ConfigKey("webhooks.\(index).secret"), isSecret: true), secret.utf8.count >= 16 else {
                throw AirlockError(.invalidConfig, "events.webhooks[\(index)].secret is required (at least 16 bytes)")
            }
            var types = reader.list("webhooks.\(index).types")
            if types.isEmpty { types = Self.eventTypes }
            if let unknown = types.first(where: { !Self.eventTypes.contains($0) }) {
                throw AirlockError(.invalidConfig, "events.webhooks[\(index)].types: unknown event type '\(unknown)'")
            }
            hooks.append(Hook(url: url, secret: secret, types: types))
            index += 1
        }
        webhooks = hooks
    }
}
