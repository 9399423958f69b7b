import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads for blocking C calls (libclamav, libmagic, file hashing), so they never occupy the
/// cooperative thread pool. Jobs run in submission order as threads free up.
///
/// The mutex and condition variable live on the heap: a pthread object must not move, and a stored property of a class
/// is not guaranteed a stable address when passed inout.
public final class BlockingPool: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var jobs: [@Sendable () -> Void] = []
    private var running = true
    private var threads: [pthread_t] = []

    /// Starts `threads` threads.
    public init(threads count: Int) {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for _ in 0..<max(1, count) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let result = pthread_create(
                &thread,
                nil,
                { context in
                    let pool = Unmanaged<BlockingPool>.fromOpaque(context!).takeRetainedValue()
                    pool.work()
                    return nil
                },
                context
            )
            if result == 0 { threads.append(thread) } else { Unmanaged<BlockingPool>.fromOpaque(context).release() }
        }
    }

    /// Runs `body` on a pool thread and returns its result.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            submit {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// `body(index)` for every index below `count`, on at most `lanes` pool threads at once, the results in index order.
    /// Each lane takes the next index until none is left: one hop to the pool and back per lane, not per item.
    public func map<T: Sendable>(count: Int, lanes: Int, _ body: @escaping @Sendable (Int) -> T) async -> [T] {
        let shared = Lanes<T>(count: count)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<min(max(1, lanes), count) {
                group.addTask { await self.run { shared.drain(body) } }
            }
        }
        return shared.results
    }

    /// The next index to take and the results so far, shared by the lanes of one ``map(count:lanes:_:)``.
    private final class Lanes<T: Sendable>: Sendable {
        let count: Int
        let state: Mutex<(next: Int, results: [T?])>

        init(count: Int) {
            self.count = count
            state = Mutex((0, [T?](repeating: nil, count: count)))
        }

        func drain(_ body: (Int) -> T) {
            while let index = state.withLock({ state -> Int? in
                guard state.next < count else { return nil }
                defer { state.next += 1 }
                return state.next
            }) {
                let result = body(index)
                state.withLock { $0.results[index] = result }
            }
        }

        var results: [T] { state.withLock { $0.results.map { $0! } } }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        guard running else {
            pthread_mutex_unlock(mutex)
            // After shutdown (a probe that was already on its way when its owner stopped): a thread of its own, which
            // ends with the job, rather than a crash or a job that never runs.
            Self.detached(job)
            return
        }
        jobs.append(job)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Runs `job` on a new detached thread; runs it on the caller's thread only if no thread can be created.
    private static func detached(_ job: @escaping @Sendable () -> Void) {
        final class Box { let job: @Sendable () -> Void; init(_ job: @escaping @Sendable () -> Void) { self.job = job } }
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Box(job)).toOpaque()
        let result = pthread_create(
            &thread,
            nil,
            { context in
                Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().job()
                return nil
            },
            context
        )
        if result == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Box>.fromOpaque(context).takeRetainedValue().job()
        }
    }

    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && running { pthread_cond_wait(condition, mutex) }
            if jobs.isEmpty && !running {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job()
        }
    }

    /// Finishes queued jobs, then stops the threads.
    ///
    /// - Parameter waiting: Whether to wait for the threads to finish. `false` returns at once and leaves each thread
    ///   to end after its current and queued jobs: for an owner on the cooperative pool whose jobs may hang (a probe).
    public func shutdown(waiting: Bool = true) {
        pthread_mutex_lock(mutex)
        let wasRunning = running
        running = false
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        guard wasRunning else { return }
        let current = pthread_self()
        for thread in threads {
            // Shut down from one of its own jobs (the last reference released there): never join oneself.
            if !waiting || pthread_equal(thread, current) != 0 { pthread_detach(thread) } else { pthread_join(thread, nil) }
        }
        threads.removeAll()
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deinitialize(count: 1)
        condition.deallocate()
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }
}
