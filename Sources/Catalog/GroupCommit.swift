import Synchronization

/// Group commit: concurrent callers' items are written together, one statement and one commit for all that are
/// waiting, without a timer. The first caller leads: it writes every pending item (its own among them) and wakes the
/// others with their own results; callers that arrived meanwhile hand the lead to the oldest of them. No task is
/// spawned: each batch is written by a caller's own task.
final class GroupCommit<Item: Sendable>: Sendable {
    typealias Write = @Sendable ([Item]) async -> [Result<Void, any Error>]

    private enum Turn: Sendable {
        case lead
        case done(Result<Void, any Error>)
    }

    private struct Waiter {
        let id: UInt64
        let item: Item
        let continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var pending: [Waiter] = []
        var leading = false
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let write: Write

    /// `write` returns one result per item, in order; at most `maxBatch` items are handed to it at once.
    init(maxBatch: Int, write: @escaping Write) {
        precondition(maxBatch > 0)
        self.maxBatch = maxBatch
        self.write = write
    }

    func submit(_ item: Item) async throws {
        var ownID: UInt64 = 0
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let lead = state.withLock { state -> Bool in
                state.nextID &+= 1
                ownID = state.nextID
                state.pending.append(Waiter(id: ownID, item: item, continuation: continuation))
                if state.leading { return false }
                state.leading = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .done(let result):
            return try result.get()
        case .lead:
            return try await lead(ownID: ownID).get()
        }
    }

    /// Writes one batch that holds the leader's own item, then passes the lead on (or gives it up).
    private func lead(ownID: UInt64) async -> Result<Void, any Error> {
        let batch = state.withLock { state -> [Waiter] in
            // The leader's own item is among the first `maxBatch`: it was the oldest waiter when it was woken.
            let count = min(state.pending.count, maxBatch)
            let taken = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return taken
        }
        var results = await write(batch.map(\.item))
        if results.count != batch.count {
            results = Array(repeating: .failure(GroupCommitError.resultCountMismatch), count: batch.count)
        }
        var own: Result<Void, any Error> = .failure(GroupCommitError.resultCountMismatch)
        for (waiter, result) in zip(batch, results) {
            if waiter.id == ownID { own = result } else { waiter.continuation.resume(returning: .done(result)) }
        }
        let next = state.withLock { state -> Waiter? in
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.continuation.resume(returning: .lead)
        return own
    }
}

enum GroupCommitError: Error {
    case resultCountMismatch
}
