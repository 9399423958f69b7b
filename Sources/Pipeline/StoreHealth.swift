public import AirlockCore
import Metrics
import Synchronization

/// Whether the store has been failing the worker's requests for a while (reading uploads, placing inspected copies):
/// `/ready` turns false and `airlock_store_failing` is 1 while it lasts, so an outage (of the write path, say) is seen
/// while uploads wait out their bounded retries.
public final class StoreHealth: Sendable {
    private struct State {
        /// When the current run of failures began (nil: the last write succeeded, or none happened yet).
        var failingSince: EpochMillis?
        var failures = 0
        var lastError = ""
    }

    private let state = Mutex(State())
    private let clock: any WallClock
    /// How long requests must keep failing (with no success) before it counts as sustained.
    public let sustainedMillis: Int64

    public init(clock: any WallClock = SystemWallClock(), sustainedMillis: Int64 = 60_000) {
        self.clock = clock
        self.sustainedMillis = sustainedMillis
    }

    func succeeded() {
        state.withLock { $0 = State() }
        Gauge(label: "airlock_store_failing").record(0)
    }

    func failed(_ error: String) {
        let now = clock.now()
        let sustained = state.withLock { state in
            state.failingSince = state.failingSince ?? now
            state.failures += 1
            state.lastError = error
            return now - (state.failingSince ?? now) >= sustainedMillis
        }
        Metrics.Counter(label: "airlock_worker_store_failures_total").increment()
        Gauge(label: "airlock_store_failing").record(sustained ? 1 : 0)
    }

    /// Not ready once requests have failed for `sustainedMillis` without one success; the detail says since when.
    public var check: (name: String, ready: Bool, detail: String) {
        let now = clock.now()
        return state.withLock { state in
            guard let since = state.failingSince else { return ("worker_store", true, "requests succeed") }
            let seconds = (now - since) / 1000
            let ready = now - since < sustainedMillis
            return ("worker_store", ready, "\(state.failures) request(s) failed in the last \(seconds) s: \(state.lastError)")
        }
    }
}
