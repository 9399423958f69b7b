// swift-tools-version: 6.1
// Airlock's benchmarks: a separate package so CI's build of the root package never compiles them.
import PackageDescription

let package = Package(
    name: "AirlockBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "airlock", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
    ],
    targets: [
        // The operations measured, shared by both executables.
        .target(
            name: "PresignWorkload",
            dependencies: [.product(name: "SigV4", package: "airlock")],
            path: "Sources/PresignWorkload"
        ),
        // `swift package benchmark`: presign-get, presign-post (wall clock, CPU, mallocs).
        .executableTarget(
            name: "Presign",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "PresignWorkload",
            ],
            path: "Benchmarks/Presign",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Used by scripts/bench/presign-vs-botocore: medians and mallocs per operation as JSON.
        .executableTarget(
            name: "PresignCompare",
            dependencies: [
                "PresignWorkload",
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Sources/PresignCompare"
        ),
        // Used by scripts/bench/s3-vs-botocore-curl: S3 throughput and operations per second as JSON.
        .executableTarget(
            name: "S3Bench",
            dependencies: [
                .product(name: "S3", package: "airlock"),
                .product(name: "Transport", package: "airlock"),
                .product(name: "SigV4", package: "airlock"),
            ],
            path: "Sources/S3Bench"
        ),
        // Used by scripts/bench/pipeline: objects per second through the worker vs the same store requests, and
        // complete-to-verdict latency.
        .executableTarget(
            name: "PipelineBench",
            dependencies: [
                .product(name: "Pipeline", package: "airlock"),
                .product(name: "Catalog", package: "airlock"),
                .product(name: "Inspection", package: "airlock"),
                .product(name: "AirlockApp", package: "airlock"),
                .product(name: "AirlockCore", package: "airlock"),
                .product(name: "S3", package: "airlock"),
                .product(name: "Transport", package: "airlock"),
                .product(name: "SigV4", package: "airlock"),
            ],
            path: "Sources/PipelineBench"
        ),
        // Used by scripts/bench/api: a bare Hummingbird echo route, the ceiling for the API benchmark.
        .executableTarget(
            name: "EchoServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/EchoServer"
        ),
    ]
)
