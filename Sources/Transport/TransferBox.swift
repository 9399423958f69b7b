import Synchronization

/// Hands the in-flight transfer to the cancellation handler, which may run before the transfer exists.
final class TransferBox: Sendable {
    private struct State {
        var transfer: CurlTransfer?
        var cancelledEarly = false
    }

    private let state = Mutex(State())

    func set(_ transfer: CurlTransfer) {
        let cancelled = state.withLock { state -> Bool in
            state.transfer = transfer
            return state.cancelledEarly
        }
        if cancelled { transfer.cancelled.store(true, ordering: .relaxed) }
    }

    func take() -> CurlTransfer? {
        state.withLock { $0.transfer }
    }

    func cancelBeforeStart() {
        state.withLock { $0.cancelledEarly = true }
    }
}
