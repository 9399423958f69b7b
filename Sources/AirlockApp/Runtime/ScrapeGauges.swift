import AirlockCore
import Catalog
import Inspection
import Prometheus

/// Gauges read when Prometheus scrapes (both `/metrics` endpoints): uploads per state (the queue backlog is
/// `uploaded`) and the age of the signature database in use (libclamav; clamd reloads on its own schedule).
struct ScrapeGauges: Sendable {
    private let catalog: SQLCatalog
    private let scanner: any MalwareScanner
    private let states: [(UploadState, Gauge)]
    private let signatureAge: Gauge
    private let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry, catalog: SQLCatalog, scanner: any MalwareScanner) {
        self.registry = registry
        self.catalog = catalog
        self.scanner = scanner
        let uploads = MetricNameDescriptor(
            namespace: "airlock",
            metricName: "uploads",
            unitName: "",
            helpText: "Uploads in each state, read from the catalog at scrape time"
        )
        states = UploadState.allCases.map { state in (state, registry.makeGauge(descriptor: uploads, labels: [("state", state.rawValue)])) }
        signatureAge = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "airlock",
                metricName: "signature_database_age",
                unitName: "seconds",
                helpText: "Age of the loaded malware signature database"
            )
        )
    }

    /// Refreshes the gauges and renders the registry in the Prometheus text format.
    func render() async -> [UInt8] {
        if let counts = try? await catalog.countByState() {
            for (state, gauge) in states { gauge.set(Double(counts[state] ?? 0)) }
        }
        if let reloading = scanner as? ReloadingClamAV {
            signatureAge.set(Double(reloading.databaseAge(now: Int(SystemWallClock().now() / 1000))))
        }
        return registry.emitToBuffer()
    }
}
