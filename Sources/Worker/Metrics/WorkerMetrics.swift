import Metrics

/// The daemon's metrics through swift-metrics (no-ops unless a backend is bootstrapped; the
/// executable bootstraps Prometheus when `metrics.port` is set).
struct WorkerMetrics: Sendable {
    func received(_ kind: String) {
        Counter(label: "imapworker_orders_received_total", dimensions: [("order", kind)]).increment()
    }

    func rejected() {
        Counter(label: "imapworker_orders_rejected_total").increment()
    }

    /// A final event: `code` nil for `completed`.
    func finished(_ kind: String, code: String?, seconds: Double?) {
        Counter(label: "imapworker_orders_finished_total",
                dimensions: [("order", kind), ("result", code ?? "completed")]).increment()
        if let seconds {
            Timer(label: "imapworker_job_duration_seconds", dimensions: [("order", kind)])
                .recordNanoseconds(Int64(seconds * 1e9))
        }
    }

    func levels(running: Int, waiting: Int) {
        Gauge(label: "imapworker_jobs_running").record(running)
        Gauge(label: "imapworker_orders_waiting").record(waiting)
    }
}
