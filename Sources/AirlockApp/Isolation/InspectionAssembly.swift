import AirlockCore
import Inspection
import Logging

/// The inspection the worker and `airlock scan` use: inspector processes (``WorkerSettings/Isolation/process``) or,
/// for development, the in-process ``Inspector`` (loudly).
struct InspectionAssembly: Sendable {
    let inspector: any FileInspector
    /// The pool, when inspection is isolated (signature reloads go to it).
    let sandboxed: SandboxedInspector?
    let shutdown: @Sendable () -> Void
    /// `/ready`'s `isolation` check: the layers in force, or that there are none.
    let check: (name: String, ready: Bool, detail: String)

    /// - Parameters:
    ///   - engine: What the inspectors scan with.
    ///   - size: Inspectors (`worker.concurrency`, or `--threads` for `airlock scan`).
    ///   - inProcess: Builds the in-process inspector (`worker.isolation: in-process`).
    /// What the inspector settings cannot do with these profiles (also `airlock config check`'s cross-checks).
    static func configurationProblems(
        isolation: WorkerSettings.Isolation,
        size: Int,
        limits: InspectorLimits,
        profiles: [UploadProfile]
    ) -> [String] {
        guard isolation == .process else { return [] }
        var problems: [String] = []
        // An inspector retires once it used half its lifetime CPU: any one upload's budget must fit in the other half.
        if let longest = profiles.max(by: { $0.inspectionTimeLimit < $1.inspectionTimeLimit }),
            (longest.inspectionTimeLimit.components.seconds + 5) * 2 > Int64(limits.maxCPUSeconds)
        {
            problems.append(
                "worker.inspector.cpuSeconds (\(limits.maxCPUSeconds)) must be at least twice profiles.\(longest.name).maxInspectionTime plus 10 s"
            )
        }
        // Inspectors alive at once: the pool's, and as many replacements while old ones finish (recycling, a reload).
        if limits.uidCount > 0, limits.uidCount < 2 * size {
            problems.append(
                "worker.inspector.uidCount (\(limits.uidCount)) must be at least twice the inspectors (\(size)), or 0 for one shared user"
            )
        }
        return problems
    }

    static func make(
        isolation: WorkerSettings.Isolation,
        engine: SandboxedInspector.Engine,
        size: Int,
        temporaryDirectory: String,
        recycleAfter: Int,
        limits: InspectorLimits,
        unsafeWithoutLandlock: Bool = false,
        logger: Logger,
        profiles: [UploadProfile],
        startNow: Bool = true,
        inProcess: () throws(AirlockError) -> Inspector
    ) async throws(AirlockError) -> InspectionAssembly {
        if let problem = configurationProblems(isolation: isolation, size: size, limits: limits, profiles: profiles).first {
            throw AirlockError(.invalidConfig, problem)
        }
        switch isolation {
        case .inProcess:
            let inspector = try inProcess()
            logger.warning(
                "inspection runs inside this process: hostile bytes are parsed next to the store credentials and the catalog (worker.isolation: in-process; development only)"
            )
            return InspectionAssembly(
                inspector: inspector,
                sandboxed: nil,
                shutdown: { inspector.shutdown() },
                check: ("isolation", true, "NOT isolated: inspection runs in the worker process (worker.isolation: in-process)")
            )
        case .process:
            // Every process that starts inspectors (the worker, `airlock scan`): an inspector may run as this process's
            // user, and must not read its memory or environment through /proc.
            SandboxedInspector.protectThisProcess()
            let pool = SandboxedInspector(
                configuration: .init(
                    engine: engine,
                    size: size,
                    temporaryDirectory: temporaryDirectory,
                    limits: limits,
                    recycleAfter: recycleAfter,
                    logger: logger,
                    unsafeWithoutLandlock: unsafeWithoutLandlock
                )
            )
            guard startNow else {
                // No inspection in this process (an API replica with worker.enabled false): inspectors start on first use.
                return InspectionAssembly(
                    inspector: pool,
                    sandboxed: pool,
                    shutdown: { pool.shutdown() },
                    check: ("isolation", true, "inspector processes start on first use")
                )
            }
            let layers: SandboxLayers
            do {
                layers = try await pool.start()
            } catch {
                pool.shutdown()
                throw AirlockError(.invalidConfig, "the inspector processes could not start: \(error.message)")
            }
            logger.info("inspector processes started", metadata: ["airlock.inspectors": "\(size)", "airlock.isolation": "\(layers)"])
            if !layers.ownUser {
                logger.notice(
                    "inspectors share one user (\(layers.droppedUser ? "worker.inspector.uidCount 0" : "this process's: it cannot change users")): one exploited inspector can reach its siblings' scratch directories (docs/isolation.md, \"Users\")"
                )
            }
            if layers.landlockABI == 0 {
                logger.warning("the kernel has no Landlock: inspectors are confined by seccomp, rlimits and their user only")
                if unsafeWithoutLandlock {
                    logger.warning(
                        "worker.inspector.unsafeWithoutLandlock is set: an inspector of this process's user can read its configuration and secret files (docs/isolation.md, \"Without Landlock\")"
                    )
                }
            }
            return InspectionAssembly(
                inspector: pool,
                sandboxed: pool,
                shutdown: { pool.shutdown() },
                check: ("isolation", layers.seccomp && layers.noNewPrivileges, "inspector processes: \(layers)")
            )
        }
    }
}
