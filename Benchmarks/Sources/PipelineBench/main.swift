// Pipeline throughput and latency on a live RGW (scripts/bench/pipeline starts one).
// Prints one line per measurement:
//   pipeline <size> c=<n> airlock=<objects/s> store-sequence+scan=<objects/s> ratio=<airlock/sequence>  (best of `rounds` each)
//   designs <size> c=<n> private-copy=<to verdict>/<with removal> custody-copy=... pinned-copy=...
//   latency 10KiB complete-to-verdict p50_ms=<v> p99_ms=<v> n=<count>
import AirlockApp
import AirlockCore
import Catalog
import Dispatch
import Foundation
import Inspection
import Logging
import Pipeline
import S3
import SigV4
import Transport

let environment = ProcessInfo.processInfo.environment
let endpoint = environment["AIRLOCK_BENCH_ENDPOINT"] ?? "http://127.0.0.1:17580"
let database = environment["AIRLOCK_BENCH_CLAMAV"] ?? "fixtures/clamav"
let arguments = CommandLine.arguments
let smallCount = arguments.count > 1 ? Int(arguments[1]) ?? 400 : 400
let largeCount = arguments.count > 2 ? Int(arguments[2]) ?? 16 : 16
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

let http = try HTTPClient(configuration: .init(maximumConnectionsPerHost: 64))
let signer = try Signer(
    credentials: Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    region: "us-east-1"
)
let client = S3Client(
    presigner: Presigner(signer: signer, endpoint: try S3Endpoint(url: endpoint)),
    http: http,
    configuration: .init(profile: .of(.ceph)),
    logger: logger
)
let store = S3ObjectStore(client: client)
let bucket = "airlock-pipeline-bench"
try await client.createBucket(bucket)
let layout = ObjectLayout(
    incoming: BucketPrefix(bucket: bucket, prefix: "incoming/"),
    processed: BucketPrefix(bucket: bucket, prefix: "processed/"),
    quarantine: BucketPrefix(bucket: bucket, prefix: "quarantine/")
)
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-pipeline-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }
let catalog = try await CatalogFactory.openSQLite(path: scratch + "/catalog.sqlite", logger: logger)
// As the worker runs it: in inspector processes (`AIRLOCK_BENCH_INSPECTOR` names the `airlock` binary to start them
// from), or in-process when it is unset.
let inspector: any FileInspector
let shutdownInspection: () -> Void
if let binary = environment["AIRLOCK_BENCH_INSPECTOR"], !binary.isEmpty {
    let pool = SandboxedInspector(
        configuration: .init(engine: .libclamav(database: database, limits: ScanLimits()), size: 16, temporaryDirectory: scratch, executable: binary)
    )
    try await pool.start()
    inspector = pool
    shutdownInspection = { pool.shutdown() }
} else {
    let local = Inspector(
        magic: try MagicDetector(),
        scanner: try ClamAVEngine(database: database, limits: ScanLimits()),
        threads: 16,
        temporaryDirectory: scratch
    )
    inspector = local
    shutdownInspection = { local.shutdown() }
}
let profile = UploadProfile(name: "bench", maxSize: 64 << 20, allow: [.init(extensions: ["txt"], types: ["text/plain"])])
let clock = SystemWallClock()

func text(_ size: Int, seed: Int) -> [UInt8] {
    let line = Array("line \(seed) of ordinary text for the pipeline benchmark, nothing to see here.\n".utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(size)
    while bytes.count < size { bytes += line }
    return Array(bytes.prefix(size))
}

/// Intents with their objects in incoming (not timed).
func stage(_ count: Int, size: Int, markUploaded: Bool) async throws -> [UploadID] {
    try await withThrowingTaskGroup(of: UploadID.self) { group in
        var ids: [UploadID] = []
        for number in 0..<count {
            group.addTask {
                let now = clock.now()
                let id = UploadID.generate(at: now)
                let bytes = text(size, seed: number)
                _ = try await catalog.createUpload(
                    Upload(
                        id: id,
                        owner: "bench",
                        profile: "bench",
                        filename: "f\(number).txt",
                        safeName: "f\(number).txt",
                        declaredSize: Int64(size),
                        declaredType: "text/plain",
                        incomingKey: layout.incoming(id).key,
                        createdAt: now,
                        expiresAt: now + 3_600_000
                    )
                )
                _ = try await client.putObject(layout.incoming(id), body: .bytes(bytes))
                if markUploaded { _ = try await catalog.markUploaded(id: id, now: now) }
                return id
            }
            if number % 16 == 15 { while let id = try await group.next() { ids.append(id) } }
        }
        while let id = try await group.next() { ids.append(id) }
        return ids
    }
}

func worker(concurrency: Int, wake: WakeSignal = WakeSignal()) -> Worker {
    Worker(
        configuration: WorkerConfiguration(
            workerID: "bench-\(concurrency)",
            concurrency: concurrency,
            pollInterval: .milliseconds(20),
            temporaryDirectory: scratch,
            engine: "bench"
        ),
        layout: layout,
        catalog: catalog,
        store: store,
        inspector: inspector,
        profiles: ["bench": profile],
        clock: clock,
        wake: wake,
        logger: logger
    )
}

func finishedCount() async throws -> Int {
    let counts = try await catalog.countByState()
    return (counts[.processed] ?? 0) + (counts[.quarantined] ?? 0) + (counts[.expired] ?? 0)
}

/// Deletes every object of the bench bucket (not timed): RGW's memstore keeps them all in memory otherwise.
func wipe() async throws {
    while true {
        let page = try await store.list(bucket: bucket, prefix: "", startAfter: nil, limit: 1000)
        if page.objects.isEmpty { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, object) in page.objects.enumerated() {
                group.addTask { try await store.delete(ObjectRef(bucket: bucket, key: object.key)) }
                if index % 32 == 31 { try await group.waitForAll() }
            }
            try await group.waitForAll()
        }
    }
}

/// Objects per second through the worker at `concurrency`.
func pipelineRate(count: Int, size: Int, concurrency: Int) async throws -> Double {
    let before = try await finishedCount()
    _ = try await stage(count, size: size, markUploaded: true)
    let service = worker(concurrency: concurrency)
    let start = ContinuousClock.now
    let task = Task { try await service.run() }
    // Polled every 10 ms: each poll counts the catalog's rows by state, and at 2 ms that count took a large share of a
    // core from the worker it measures (perf, 10 KiB at c=1); 10 ms adds at most 0.4% to the shortest row.
    while try await finishedCount() < before + count { try await Task.sleep(for: .milliseconds(10)) }
    let elapsed = ContinuousClock.now - start
    task.cancel()
    _ = try? await task.value
    try await wipe()
    return Double(count) / seconds(elapsed)
}

/// Ways of taking custody of an object and placing it (docs/architecture.md, "Custody"), as store requests per object.
enum Design: String, CaseIterable {
    /// What the worker does: GET to a private file, PUT of that file to its destination. Later, off the path to a
    /// verdict, the reconciler reads the original back (GET), checks it (HEAD) and deletes it.
    case privateCopy = "private-copy"
    /// The alternative: CopyObject to a key no URL names, GET that, CopyObject it to its destination, DELETE it.
    /// The original needs the same deferred GET, HEAD and DELETE (it can be rewritten until its URL expires).
    case custodyCopy = "custody-copy"
    /// The earlier sequence (not safe: it trusted the ETag): GET, CopyObject pinned to the ETag, DELETE.
    case pinnedCopy = "pinned-copy"
}

let rawScanner = try ClamAVEngine(database: database, limits: ScanLimits())
let scanQueue = DispatchQueue(label: "raw-scan", attributes: .concurrent)

/// libclamav on an open file, on a thread of its own (as the inspector's pool does), not on the cooperative pool.
func rawScan(_ descriptor: Int32) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        scanQueue.async {
            do {
                _ = try rawScanner.scan(descriptor: descriptor, name: "bench")
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

/// Objects per second for a design's store requests, back to back at `concurrency`: the requests on the path to a
/// verdict (`deferred` adds the later removal of the original), with a raw libclamav scan of the downloaded file
/// when `scan` is set (the pipeline's reference, docs/benchmarks.md, "Targets").
func sequenceRate(_ design: Design, count: Int, size: Int, concurrency: Int, scan: Bool, deferred: Bool = false) async throws -> Double {
    let keys = (0..<count).map { _ in "sequence/\(design.rawValue)/\(size)/\(concurrency)/\(UUID().uuidString)" }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, key) in keys.enumerated() {
            group.addTask { _ = try await client.putObject(ObjectRef(bucket: bucket, key: key), body: .bytes(text(size, seed: index))) }
            if index % 16 == 15 { try await group.waitForAll() }
        }
        try await group.waitForAll()
    }
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let key = keys[next]
            next += 1
            group.addTask {
                let path = scratch + "/seq-\(UUID().uuidString)"
                let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
                defer { close(descriptor); unlink(path) }
                let source = ObjectRef(bucket: bucket, key: key)
                let destination = ObjectRef(bucket: bucket, key: "sequence-done/" + key)
                switch design {
                case .privateCopy:
                    let info = try await store.download(source, ifMatch: nil, to: descriptor)
                    if scan { try await rawScan(descriptor) }
                    try await store.upload(
                        from: descriptor,
                        size: info.size,
                        to: destination,
                        contentType: "text/plain",
                        metadata: [("airlock-id", "x")],
                        md5: nil,
                        sha256: nil
                    )
                case .custodyCopy:
                    let custody = ObjectRef(bucket: bucket, key: "custody/" + key)
                    let head = try await store.head(source)
                    _ = try await store.copy(
                        from: source,
                        ifMatch: head?.etag ?? "",
                        size: head?.size ?? 0,
                        to: custody,
                        contentType: "text/plain",
                        metadata: []
                    )
                    let info = try await store.download(custody, ifMatch: nil, to: descriptor)
                    if scan { try await rawScan(descriptor) }
                    _ = try await store.copy(
                        from: custody,
                        ifMatch: info.etag,
                        size: info.size,
                        to: destination,
                        contentType: "text/plain",
                        metadata: [("airlock-id", "x")]
                    )
                    try await store.delete(custody)
                case .pinnedCopy:
                    let info = try await store.download(source, ifMatch: nil, to: descriptor)
                    if scan { try await rawScan(descriptor) }
                    _ = try await store.copy(
                        from: source,
                        ifMatch: info.etag,
                        size: info.size,
                        to: destination,
                        contentType: "text/plain",
                        metadata: [("airlock-id", "x")]
                    )
                    try await store.delete(source)
                }
                if deferred && design != .pinnedCopy {
                    _ = try await store.download(source, ifMatch: nil, to: descriptor)
                    _ = try await store.head(source)
                    try await store.delete(source)
                }
            }
        }
        for _ in 0..<min(concurrency, keys.count) { add() }
        while try await group.next() != nil { if next < keys.count { add() } }
    }
    let elapsed = ContinuousClock.now - start
    try await wipe()
    return Double(count) / seconds(elapsed)
}

/// Prints a result line at once (stdout to a file is block-buffered; a long run may be stopped).
func report(_ line: String) {
    print(line)
    fflush(nil)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

// `AIRLOCK_BENCH_PROFILE=<size label>:<concurrency>` (e.g. `10MiB:1`): only the worker's side of that row, `rounds`
// times, for a profiler attached to the run (`perf record -a`); nothing else is measured.
if let row = environment["AIRLOCK_BENCH_PROFILE"], !row.isEmpty {
    let parts = row.split(separator: ":")
    let size = parts.first == "10MiB" ? 10 << 20 : 10 << 10
    let concurrency = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
    for _ in 0..<rounds {
        let rate = try await pipelineRate(count: size > 10 << 10 ? largeCount : smallCount, size: size, concurrency: concurrency)
        report(String(format: "profile %@ airlock=%.1f objects/s", row, rate))
    }
    shutdownInspection()
    await catalog.close()
    exit(0)
}

// `AIRLOCK_BENCH_CONCURRENCY=1,4` measures only those rows (default 1, 4 and 16).
let concurrencies = (environment["AIRLOCK_BENCH_CONCURRENCY"] ?? "1,4,16").split(separator: ",").compactMap { Int($0) }
for (label, size, count) in [("10KiB", 10 << 10, smallCount), ("10MiB", 10 << 20, largeCount)] {
    for concurrency in concurrencies {
        // The loopback store's speed drifts between runs (the same sequence differs by up to 1.8x here): each side
        // runs `rounds` times, alternating, and keeps its best.
        var airlock = 0.0, sequence = 0.0
        for _ in 0..<rounds {
            airlock = max(airlock, try await pipelineRate(count: count, size: size, concurrency: concurrency))
            sequence = max(sequence, try await sequenceRate(.privateCopy, count: count, size: size, concurrency: concurrency, scan: true))
        }
        report(
            String(
                format: "pipeline %@ c=%d airlock=%.1f store-sequence+scan=%.1f ratio=%.2f objects/s",
                label,
                concurrency,
                airlock,
                sequence,
                airlock / sequence
            )
        )
    }
}

// The custody designs side by side (store requests only, no scan): the path to a verdict, then with the deferred
// removal of the original.
for (label, size, count) in [("10KiB", 10 << 10, smallCount), ("10MiB", 10 << 20, largeCount)] {
    for concurrency in environment["AIRLOCK_BENCH_DESIGNS"] == "0" ? [] : concurrencies {
        var rates: [Design: (path: Double, total: Double)] = [:]
        for _ in 0..<rounds {
            for design in Design.allCases {
                // A loopback RGW under memstore load sometimes stalls a request past its timeout: that round of that
                // design is dropped (and said so) instead of ending the run.
                do {
                    let path = try await sequenceRate(design, count: count, size: size, concurrency: concurrency, scan: false)
                    let total = try await sequenceRate(design, count: count, size: size, concurrency: concurrency, scan: false, deferred: true)
                    let best = rates[design] ?? (0, 0)
                    rates[design] = (max(best.path, path), max(best.total, total))
                } catch {
                    report("designs \(label) c=\(concurrency) \(design.rawValue): a round failed (\(error)); kept the other rounds")
                    try? await wipe()
                }
            }
        }
        let line = Design.allCases.map { String(format: "%@=%.1f/%.1f", $0.rawValue, rates[$0]?.path ?? 0, rates[$0]?.total ?? 0) }.joined(
            separator: " "
        )
        report("designs \(label) c=\(concurrency) (objects/s to a verdict / with the original removed) \(line)")
    }
}

// Complete-to-verdict latency: the worker runs; each upload is marked uploaded (as `complete` does) and woken.
let wake = WakeSignal()
let latencyWorker = worker(concurrency: 4, wake: wake)
let running = Task { try await latencyWorker.run() }
var latencies: [Double] = []
let latencyIDs = try await stage(min(200, smallCount), size: 10 << 10, markUploaded: false)
for id in latencyIDs {
    let start = ContinuousClock.now
    _ = try await catalog.markUploaded(id: id, now: clock.now())
    wake.signal()
    while true {
        let state = try await catalog.upload(id: id)?.state
        if state == .processed || state == .quarantined { break }
        try await Task.sleep(for: .microseconds(500))
    }
    latencies.append(seconds(ContinuousClock.now - start) * 1000)
}
running.cancel()
_ = try? await running.value
latencies.sort()
report(
    String(
        format: "latency 10KiB complete-to-verdict p50_ms=%.1f p99_ms=%.1f n=%d",
        latencies[latencies.count / 2],
        latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
        latencies.count
    )
)
shutdownInspection()
await catalog.close()
