import Inspection
import ServiceLifecycle
import Synchronization

/// Readiness computed off the request path: a service runs every check on an interval, blocking ones (a clamd
/// ping, a file's age) on its own thread rather than on the cooperative pool or an event loop, and `/ready` answers
/// from the last results. Until the first round has finished (the service group starts it with the catalog's pool:
/// running it earlier would wait on a pool that is not running yet), `/ready` waits for it briefly, then reads as not
/// ready.
final class ReadinessMonitor: Service, Sendable {
    typealias Check = (name: String, ready: Bool, detail: String)

    /// One named probe.
    struct Probe: Sendable {
        enum Body: Sendable {
            /// Awaits without blocking (a catalog query, a store request).
            case async(@Sendable () async -> Check)
            /// Blocks its thread (a clamd ping, a file's age): run on the monitor's own thread.
            case blocking(@Sendable () -> Check)
        }

        var name: String
        var body: Body

        static func async(_ name: String, _ body: @escaping @Sendable () async -> Check) -> Probe { Probe(name: name, body: .async(body)) }
        static func blocking(_ name: String, _ body: @escaping @Sendable () -> Check) -> Probe { Probe(name: name, body: .blocking(body)) }
    }

    private let probes: [Probe]
    private let interval: Duration
    private let results: Mutex<(checks: [Check], rounds: Int)>
    private let pool = BlockingPool(threads: 1)

    /// - Parameters:
    ///   - probes: In the order `/ready` lists them.
    ///   - interval: Time between rounds (each round runs every probe once).
    init(probes: [Probe], interval: Duration = .seconds(5)) {
        self.probes = probes
        self.interval = interval
        results = Mutex((probes.map { ($0.name, false, "not checked yet") }, 0))
    }

    /// The last results, without waiting.
    var snapshot: [Check] { results.withLock { $0.checks } }

    /// The last results; before the first round has finished, waits for it up to `limit`.
    func current(waitingUpTo limit: Duration = .seconds(2)) async -> [Check] {
        let deadline = ContinuousClock.now + limit
        while results.withLock({ $0.rounds }) == 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return snapshot
    }

    /// Runs every probe once and keeps the results.
    func refresh() async {
        var round: [Check] = []
        for probe in probes {
            switch probe.body {
            case .async(let body): round.append(await body())
            case .blocking(let body): round.append(await pool.run { body() })
            }
        }
        results.withLock { $0 = (round, $0.rounds + 1) }
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await refresh()
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
        pool.shutdown()
    }
}
