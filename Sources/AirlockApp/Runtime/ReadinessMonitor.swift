import Inspection
import ServiceLifecycle
import Synchronization

/// Readiness computed off the request path: a service runs every check on an interval, blocking ones (a clamd
/// ping, a file's age) on its own thread rather than on the cooperative pool or an event loop, and `/ready` answers
/// from the last results. Until the first round has finished (the service group starts it with the catalog's pool:
/// running it earlier would wait on a pool that is not running yet), `/ready` waits for it briefly, then reads as not
/// ready.
///
/// The probes of a round run side by side, each with its own timeout: a probe that has not answered by then reads as
/// failed ("timed out after N s") and the round ends without it, so one hung probe stalls neither the others nor the
/// round. A probe still running from an earlier round is not started again (it reads as timed out until it returns),
/// so a hang holds at most one task or thread per probe.
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

    /// The default time each probe has to answer (docs/configuration.md, "Readiness").
    static let defaultProbeTimeout: Duration = .seconds(3)

    private let probes: [Probe]
    private let interval: Duration
    private let probeTimeout: Duration
    private let results: Mutex<(checks: [Check], rounds: Int)>
    /// Per probe (by index): whether its last run has not returned yet.
    private let running: [Flag]
    /// One thread per blocking probe, so a hung one does not hold the others up.
    private let pool: BlockingPool

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// - Parameters:
    ///   - probes: In the order `/ready` lists them.
    ///   - interval: Time between rounds (each round runs every probe once).
    ///   - probeTimeout: How long each probe has to answer before it reads as failed.
    init(probes: [Probe], interval: Duration = .seconds(5), probeTimeout: Duration = ReadinessMonitor.defaultProbeTimeout) {
        self.probes = probes
        self.interval = interval
        self.probeTimeout = probeTimeout
        results = Mutex((probes.map { ($0.name, false, "not checked yet") }, 0))
        running = probes.map { _ in Flag() }
        pool = BlockingPool(threads: max(1, probes.filter { if case .blocking = $0.body { true } else { false } }.count))
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

    /// Runs every probe once, side by side, each bounded by the probe timeout, and keeps the results.
    func refresh() async {
        let round = await withTaskGroup(of: (Int, Check).self) { group in
            for index in probes.indices {
                group.addTask { (index, await self.check(index)) }
            }
            var round: [Check] = probes.map { ($0.name, false, "not checked yet") }
            for await (index, check) in group { round[index] = check }
            return round
        }
        results.withLock { $0 = (round, $0.rounds + 1) }
    }

    /// Runs probe `index` (unless its last run is still going) and waits for it at most the probe timeout. The run is
    /// not awaited past that: it goes on, unstructured, and marks the probe free when it returns.
    private func check(_ index: Int) async -> Check {
        let probe = probes[index]
        let timedOut: Check = (probe.name, false, "timed out after \(Self.seconds(probeTimeout)) s")
        let flag = running[index]
        guard flag.value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return timedOut
        }
        let answer = OneShot<Check>()
        let work = Task { [pool] in
            let check: Check
            switch probe.body {
            case .async(let body): check = await body()
            case .blocking(let body): check = await pool.run { body() }
            }
            flag.value.store(false, ordering: .releasing)
            answer.deliver(check)
        }
        let timer = Task { [probeTimeout] in
            guard (try? await Task.sleep(for: probeTimeout)) != nil else { return }
            answer.deliver(timedOut)
            work.cancel()
        }
        let check = await answer.value()
        timer.cancel()
        return check
    }

    /// `duration` in seconds as a short text: `3`, `0.5`.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return "\(seconds)" }
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await refresh()
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
        // Not joined: a hung blocking probe would hold this task (and a cooperative thread) and the shutdown with it.
        pool.shutdown(waiting: false)
    }
}

/// The first value delivered, to one waiter; later deliveries are ignored.
final class OneShot<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiter: CheckedContinuation<Value, Never>?)>((nil, nil))

    func deliver(_ value: Value) {
        let waiter: CheckedContinuation<Value, Never>? = state.withLock { state in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value? = state.withLock { state in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
