public import Configuration
import Foundation

/// The `catalog` section: `url` is `sqlite://` + a path (relative or /absolute) or `postgres://user:pass@host:port/db`.
public struct CatalogSettings: Sendable {
    public enum Location: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(host: String, port: Int, username: String, password: String?, database: String)
    }

    /// TLS to PostgreSQL, named as libpq's `sslmode`: `disable`; `prefer` (the default: TLS when the server offers
    /// it, unverified); `require` (TLS, unverified); `verify-ca` (TLS, the certificate chains to `sslrootcert` or the
    /// system's roots); `verify-full` (also the host name). Use `verify-full` across any network you do not own.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var tlsMode: TLSMode = .prefer
    /// `sslrootcert`: a PEM file of the CAs to trust (verify-ca, verify-full).
    public var rootCertificates: String?

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
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let components = URLComponents(string: url), let host = components.host,
            !host.isEmpty
        else {
            // Never echo the URL: it may hold a password.
            throw AirlockError(.invalidConfig, "catalog.url must be sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw AirlockError(
                        .invalidConfig,
                        "catalog.url sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                tlsMode = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw AirlockError(.invalidConfig, "catalog.url sslrootcert needs a file") }
                rootCertificates = path
            default:
                throw AirlockError(.invalidConfig, "catalog.url has an unknown parameter '\(item.name)' (sslmode and sslrootcert are known)")
            }
        }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, let user = components.user, !user.isEmpty else {
            throw AirlockError(.invalidConfig, "catalog.url for PostgreSQL needs a user and a database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        location = .postgres(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database
        )
    }

    /// For logs and `config check`: never the password.
    public var redacted: String {
        switch location {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let host, let port, let username, _, let database):
            "postgres://\(username):***@\(host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
        }
    }
}
