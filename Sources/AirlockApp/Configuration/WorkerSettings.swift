public import AirlockCore
public import Configuration
public import Inspection

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
    /// Where hostile bytes are parsed (docs/isolation.md).
    public enum Isolation: String, Sendable {
        /// Locked-down inspector processes (the default).
        case process
        /// In the worker itself: development only, logged as a warning and reported by `/ready`.
        case inProcess = "in-process"
    }
    public var isolation: Isolation
    /// Uploads an inspector process handles before it is replaced.
    public var inspectorRecycleAfter: Int
    /// An inspector's limits (memory headroom, file size, open files, CPU, user).
    public var inspectorLimits: InspectorLimits
    /// `inspector.unsafeWithoutLandlock`: run inspectors of the worker's own user where Landlock is missing (they can
    /// then read the worker's configuration and secret files; docs/isolation.md, "Without Landlock").
    public var inspectorUnsafeWithoutLandlock: Bool

    /// - Configuration keys: `enabled` (default true), `concurrency` (default 4), `maxAttempts` (default 3), `lease`
    ///   (default `5m`), `reconcileInterval` (default `30s`), `metricsPort` (default 9464), `storeFailingAfter` (default
    ///   `60s`), `isolation` (`process` or `in-process`, default `process`), `inspector.recycleAfter` (default 500),
    ///   `inspector.memory` (size above the loaded engine, default `2GiB`), `inspector.maxFileSize` (size, default
    ///   `1GiB`), `inspector.maxOpenFiles` (default 256), `inspector.cpuSeconds` (an inspector's lifetime CPU, default
    ///   3600), `inspector.uidBase` and `inspector.uidCount` (a root worker's inspectors each run as a uid and gid of
    ///   their own from this range, default 2100000000 and 4096; count 0: all share `inspector.uid`/`inspector.gid`,
    ///   default 65534), `inspector.unsafeWithoutLandlock` (default false; unsafe, docs/isolation.md).
    public init(reader: ConfigReader) throws(AirlockError) {
        let section = "worker"
        enabled = try reader.boolean("enabled", in: section, default: true)
        concurrency = try reader.integer("concurrency", in: section, default: 4, range: 1...1024)
        maxAttempts = try reader.integer("maxAttempts", in: section, default: 3, range: 1...100)
        lease = try reader.duration("lease", in: section, default: .minutes(5))
        reconcileInterval = try reader.duration("reconcileInterval", in: section, default: .seconds(30))
        metricsPort = try reader.integer("metricsPort", in: section, default: 9464, range: 0...65535)
        storeFailingAfter = try reader.duration("storeFailingAfter", in: section, default: .seconds(60))
        let isolationName = reader.string(forKey: "isolation", default: Isolation.process.rawValue)
        guard let isolation = Isolation(rawValue: isolationName) else {
            throw AirlockError(.invalidConfig, "worker.isolation '\(isolationName)' must be process or in-process")
        }
        self.isolation = isolation
        inspectorRecycleAfter = try reader.integer("inspector.recycleAfter", in: section, default: 500, range: 1...1_000_000)
        inspectorLimits = InspectorLimits(
            memoryHeadroom: try reader.size("inspector.memory", in: section, default: ByteSize(bytes: 2 << 30)).bytes,
            maxFileSize: try reader.size("inspector.maxFileSize", in: section, default: ByteSize(bytes: 1 << 30)).bytes,
            maxOpenFiles: try reader.integer("inspector.maxOpenFiles", in: section, default: 256, range: 32...65536),
            maxCPUSeconds: try reader.integer("inspector.cpuSeconds", in: section, default: 3600, range: 10...1_000_000),
            uid: UInt32(try reader.integer("inspector.uid", in: section, default: 65534, range: 1...4_294_967_294)),
            gid: UInt32(try reader.integer("inspector.gid", in: section, default: 65534, range: 1...4_294_967_294)),
            uidBase: UInt32(
                try reader.integer("inspector.uidBase", in: section, default: Int(InspectorLimits.defaultUIDBase), range: 1...4_294_967_294)
            ),
            uidCount: try reader.integer("inspector.uidCount", in: section, default: InspectorLimits.defaultUIDCount, range: 0...1 << 24)
        )
        inspectorUnsafeWithoutLandlock = try reader.boolean("inspector.unsafeWithoutLandlock", in: section, default: false)
        guard Int(inspectorLimits.uidBase) + inspectorLimits.uidCount - 1 <= 4_294_967_294 else {
            throw AirlockError(.invalidConfig, "worker.inspector.uidBase + uidCount must stay below 4294967295")
        }
        guard
            inspectorLimits.uidCount == 0
                || !(inspectorLimits.uidBase...inspectorLimits.uidBase + UInt32(inspectorLimits.uidCount - 1)).overlaps(65534...65535)
        else {
            throw AirlockError(.invalidConfig, "worker.inspector.uidBase..uidBase + uidCount must not hold 65534 (nobody) or 65535")
        }
        guard lease.milliseconds >= 1000 else { throw AirlockError(.invalidConfig, "worker.lease must be at least 1s") }
        guard reconcileInterval.milliseconds >= 100 else { throw AirlockError(.invalidConfig, "worker.reconcileInterval must be at least 100ms") }
    }
}
