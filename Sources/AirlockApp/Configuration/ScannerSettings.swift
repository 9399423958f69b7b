public import AirlockCore
public import Configuration
import Foundation
public import Inspection

/// The `scanner` section.
public struct ScannerSettings: Sendable {
    public enum Engine: String, Sendable {
        case libclamav, clamd
    }

    public var engine: Engine
    public var database: String
    /// `unix:///path` or `tcp://host:port` (engine clamd).
    public var clamd: String?
    /// The operator's statement that clamd runs with `DisableCache yes` (required with engine clamd).
    public var clamdCacheDisabled: Bool
    public var tempDirectory: String?
    /// Where private temp files go: `tempDir`, else `TMPDIR`, else /tmp.
    public var temporaryDirectory: String { tempDirectory ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp" }
    public var maxSignatureAge: ConfigDuration
    /// How often the signature directory is checked for a new database (libclamav).
    public var reloadInterval: ConfigDuration
    public var limits: ScanLimits

    /// Reads the section from a reader scoped to `scanner`.
    ///
    /// - Configuration keys:
    ///   - `engine` (string, default `libclamav`): `libclamav` or `clamd`.
    ///   - `database` (string, default `/var/lib/clamav`): the signature directory.
    ///   - `clamd` (string): `unix:///run/clamav/clamd.ctl` or `tcp://host:3310`.
    ///   - `clamdCacheDisabled` (bool, default false): must be true with engine clamd, stating clamd.conf has
    ///     `DisableCache yes`.
    ///   - `tempDir` (string): private temp files; the system temp directory when unset.
    ///   - `maxSignatureAge` (duration, default `7d`).
    ///   - `reloadInterval` (duration, default `60s`): how often `database` is checked for changes (libclamav).
    ///   - `limits.maxFileSize` (size, default `100MiB`), `limits.maxScanSize` (size, default `100MiB`, at most
    ///     maxFileSize), `limits.maxRecursion` (default 16), `limits.maxFiles` (default 10000), `limits.maxScanTime`
    ///     (duration, default `120s`). Missing limits take these defaults, never ClamAV's own.
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "scanner"
        let engineName = reader.string(forKey: "engine", default: "libclamav")
        guard let engine = Engine(rawValue: engineName) else {
            throw AirlockError(.invalidConfig, "scanner.engine '\(engineName)' must be libclamav or clamd")
        }
        self.engine = engine
        database = reader.string(forKey: "database", default: "/var/lib/clamav")
        clamd = reader.string(forKey: "clamd")
        tempDirectory = reader.string(forKey: "tempDir")
        maxSignatureAge = try reader.duration("maxSignatureAge", in: section, default: .days(7))
        reloadInterval = try reader.duration("reloadInterval", in: section, default: .seconds(60))
        guard reloadInterval.milliseconds >= 1000 else { throw AirlockError(.invalidConfig, "scanner.reloadInterval must be at least 1s") }
        let maxFileSize = try reader.size("limits.maxFileSize", in: section, default: .mebibytes(100))
        let maxScanSize = try reader.size("limits.maxScanSize", in: section, default: .mebibytes(100))
        guard maxScanSize <= maxFileSize else {
            throw AirlockError(
                .invalidConfig,
                "scanner.limits.maxScanSize (\(maxScanSize)) must not exceed scanner.limits.maxFileSize (\(maxFileSize)): ClamAV misses payloads past MaxFileSize otherwise"
            )
        }
        let scanTime = try reader.duration("limits.maxScanTime", in: section, default: .seconds(120))
        limits = ScanLimits(
            maxFileSize: maxFileSize.bytes,
            maxScanSize: maxScanSize.bytes,
            maxRecursion: try reader.integer("limits.maxRecursion", in: section, default: 16, range: 1...64),
            maxFiles: try reader.integer("limits.maxFiles", in: section, default: 10_000, range: 1...10_000_000),
            maxScanTime: Int(scanTime.milliseconds)
        )
        if engine == .clamd && clamd == nil {
            throw AirlockError(.invalidConfig, "scanner.clamd is required when scanner.engine is clamd")
        }
        // clamd answers a file whose MD5 (and size) it has seen clean before without scanning it: a file made to
        // collide with an earlier clean upload would pass. Airlock cannot see clamd's setting, so the operator states it.
        clamdCacheDisabled = try reader.boolean("clamdCacheDisabled", in: section, default: false)
        if engine == .clamd && !clamdCacheDisabled {
            throw AirlockError(
                .invalidConfig,
                "scanner.engine clamd needs `DisableCache yes` in clamd.conf (clamd skips files whose MD5 it saw clean; MD5 collisions are cheap); set it, then scanner.clamdCacheDisabled: true"
            )
        }
    }
}
