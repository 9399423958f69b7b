import AirlockCore
import Catalog
import Hummingbird
import Logging
import Metrics
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
    static func make(host: String, port: Int, catalog: SQLCatalog, logger: Logger) -> some Service {
        let registry = MetricsRegistry.bootstrap()
        let states = UploadState.allCases.map { state in (state, registry.makeGauge(name: "airlock_uploads", labels: [("state", state.rawValue)])) }
        let router = Router()
        router.get("/health") { _, _ -> Response in
            do {
                _ = try await catalog.countByState()
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"catalog unavailable"}"#)))
            }
        }
        router.get("/metrics") { _, _ -> Response in
            // Uploads by state (the queue depth is `uploaded`), read at scrape time.
            if let counts = try? await catalog.countByState() {
                for (state, gauge) in states { gauge.set(Double(counts[state] ?? 0)) }
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger)
    }
}
