import AirlockCore
import Catalog
import Hummingbird
import Inspection
import Logging
import Metrics
import Pipeline
import Prometheus
import ServiceLifecycle
import Synchronization

/// The process's Prometheus registry, bootstrapped into swift-metrics once.
enum MetricsRegistry {
    private static let state = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The registry every `Counter`/`Timer` of this process reports to.
    static func bootstrap() -> PrometheusCollectorRegistry {
        state.withLock { current in
            if let current { return current }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            current = registry
            return registry
        }
    }
}

/// `/health` and `/metrics` for `airlock worker` on `worker.metricsPort` (loopback unless told otherwise).
enum MetricsServer {
    static func make(
        host: String,
        port: Int,
        catalog: SQLCatalog,
        scanner: any MalwareScanner,
        storeHealth: StoreHealth,
        isolation: (name: String, ready: Bool, detail: String),
        logger: Logger
    ) -> some Service {
        let gauges = ScrapeGauges(registry: MetricsRegistry.bootstrap(), catalog: catalog, scanner: scanner)
        let router = Router()
        // Liveness only: the process answers. A database outage must not get a healthy worker restarted (its leases
        // expire and another worker resumes); /ready and the metrics say what is failing.
        router.get("/health") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        // Not ready while the store keeps refusing the worker's writes (uploads wait out their bounded retries); the
        // isolation check names the inspectors' lock-down layers (or says inspection is not isolated).
        router.get("/ready") { _, _ -> Response in
            let checks = [storeHealth.check, isolation]
            let ready = checks.allSatisfy(\.ready)
            let body = JSONText.object([
                ("status", .string(ready ? "ready" : "not_ready")),
                ("checks", .object(checks.map { ($0.name, .object([("ready", .bool($0.ready)), ("detail", .string($0.detail))])) })),
            ]).rendered
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: await gauges.render()))
            )
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger)
    }
}
