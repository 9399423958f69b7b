#if canImport(Glibc)
import Glibc
#endif

/// The CPU time the calling thread spends in `body` (user and system): what a bound on a synchronous parser's work
/// measures. A loaded test machine stretches wall time many times over; it does not stretch this.
func threadCPUTime(_ body: () -> Void) -> Duration {
    func now() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
    let start = now()
    body()
    return now() - start
}
