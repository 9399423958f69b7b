import MallocInterposerSwift
import PresignWorkload

#if canImport(Glibc)
import Glibc
#endif

/// Median microseconds per operation over `rounds` rounds of `perRound` calls, and mallocs per call.
func measure(rounds: Int, perRound: Int, _ body: () -> Int) -> (medianMicroseconds: Double, mallocsPerOp: Double) {
    var sink = 0
    for _ in 0..<(perRound * 2) { sink &+= body() }  // warm up: signing-key cache, code paths
    var samples: [Double] = []
    samples.reserveCapacity(rounds)
    for _ in 0..<rounds {
        var start = timespec()
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        for _ in 0..<perRound { sink &+= body() }
        clock_gettime(CLOCK_MONOTONIC, &end)
        let nanoseconds = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
        samples.append(nanoseconds / Double(perRound) / 1000)
    }
    samples.sort()
    MallocInterposerSwift.initialize()
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    let counted = 10_000
    for _ in 0..<counted { sink &+= body() }
    MallocInterposerSwift.unhook()
    let mallocs = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(counted)
    if sink == 42 { print("") }  // keep the work observable
    return (samples[samples.count / 2], mallocs)
}

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200 : 200
let get = measure(rounds: rounds, perRound: 1000, Workload.presignGet)
let post = measure(rounds: rounds, perRound: 1000, Workload.presignPost)
print(
    "{\"get_us\":\(get.medianMicroseconds),\"get_mallocs\":\(get.mallocsPerOp),\"post_us\":\(post.medianMicroseconds),\"post_mallocs\":\(post.mallocsPerOp)}"
)
