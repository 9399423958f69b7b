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
