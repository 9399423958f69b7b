public import AirlockCore
public import Configuration

/// The `worker` section.
public struct WorkerSettings: Sendable {
    public var enabled: Bool
    public var concurrency: Int
    public var maxAttempts: Int
    public var lease: ConfigDuration
    public var reconcileInterval: ConfigDuration
    public var metricsPort: Int
    /// How long the store must keep failing the worker before `/ready` says so.
    public var storeFailingAfter: ConfigDuration

    /// - Configuration keys: `enabled` (default true), `concurrency` (default 4), `maxAttempts` (default 3), `lease`
    ///   (default `5m`), `reconcileInterval` (default `30s`), `metricsPort` (default 9464), `storeFailingAfter` (default
    ///   `60s`).
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "worker"
        enabled = try reader.boolean("enabled", in: section, default: true)
        concurrency = try reader.integer("concurrency", in: section, default: 4, range: 1...1024)
        maxAttempts = try reader.integer("maxAttempts", in: section, default: 3, range: 1...100)
        lease = try reader.duration("lease", in: section, default: .minutes(5))
        reconcileInterval = try reader.duration("reconcileInterval", in: section, default: .seconds(30))
        metricsPort = try reader.integer("metricsPort", in: section, default: 9464, range: 0...65535)
        storeFailingAfter = try reader.duration("storeFailingAfter", in: section, default: .seconds(60))
        guard lease.milliseconds >= 1000 else { throw AirlockError(.invalidConfig, "worker.lease must be at least 1s") }
        guard reconcileInterval.milliseconds >= 100 else { throw AirlockError(.invalidConfig, "worker.reconcileInterval must be at least 100ms") }
    }
}
