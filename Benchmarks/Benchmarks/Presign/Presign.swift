import Benchmark
import SigV4

let benchmarks: @Sendable () -> Void = {
    let time = SigningTime(amzDate: "20261121T120000Z")!
    let presigner: Presigner = {
        let signer = try! Signer(
            credentials: Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1"
        )
        return Presigner(signer: signer, endpoint: try! S3Endpoint(url: "http://127.0.0.1:7480"))
    }()
    let get = Presigner.ObjectRequest(
        method: .get, bucket: "airlock-processed", key: "0192f1c2-7c3b-7d4e-9a8b-123456789abc/quarterly report.pdf", expires: 300
    )
    let post = Presigner.PostRequest(
        bucket: "airlock-incoming",
        key: .exact("0192f1c2-7c3b-7d4e-9a8b-123456789abc"),
        expires: 900,
        contentType: "application/pdf",
        contentLength: 48_213...48_213,
        metadata: [("airlock-id", "0192f1c2-7c3b-7d4e-9a8b-123456789abc")],
        successActionStatus: 201
    )
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )

    Benchmark("presign-get", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! presigner.presign(get, at: time))
        }
    }

    Benchmark("presign-post", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! presigner.presignPost(post, at: time))
        }
    }
}
