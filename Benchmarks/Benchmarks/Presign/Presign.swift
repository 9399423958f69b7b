import Benchmark
import PresignWorkload

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )

    Benchmark("presign-get", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Workload.presignGet())
        }
    }

    Benchmark("presign-post", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Workload.presignPost())
        }
    }
}
