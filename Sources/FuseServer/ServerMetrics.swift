import Foundation
import Prometheus

/// The server's Prometheus metrics, in a registry of its own (no global metrics system, so several servers — the
/// tests' — can run in one process). `GET /metrics` prints `text()`.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]
    private static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    public init() {
        inFlight = registry.makeGauge(name: "fuse_requests_in_flight", help: "Requests being served.")
    }

    /// Counts one finished request and its latency, by route and status.
    func recordRequest(route: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("status", String(status))]
        registry.makeCounter(
            name: "fuse_http_requests_total", labels: labels, help: "HTTP requests by route and status."
        )
        .increment()
        registry.makeDurationHistogram(
            name: "fuse_http_request_duration_seconds", labels: labels,
            buckets: Self.latencyBuckets, help: "Request latency by route and status."
        )
        .recordNanoseconds(duration.nanoseconds)
    }

    func requestStarted() { inFlight.increment() }
    func requestFinished() { inFlight.decrement() }

    /// Records one forward pass of `model`.
    func recordBatch(model: String, _ report: BatchQueue.BatchReport) {
        let labels = [("model", model)]
        registry.makeValueHistogram(
            name: "fuse_batch_size", labels: labels, buckets: Self.batchBuckets,
            help: "Sequences per forward pass."
        ).record(Double(report.sequences))
        registry.makeCounter(
            name: "fuse_batch_padded_tokens_total", labels: labels,
            help: "Tokens run through the model, padding included."
        )
        .increment(by: Int64(report.paddedTokens))
        registry.makeGauge(name: "fuse_queue_size", labels: labels, help: "Requests waiting for a forward pass.")
            .set(to: Double(report.queued))
    }

    /// Counts the real tokens of a request's items.
    func recordTokens(model: String, _ count: Int) {
        registry.makeCounter(
            name: "fuse_input_tokens_total", labels: [("model", model)],
            help: "Input tokens embedded (padding excluded)."
        ).increment(by: Int64(count))
    }

    /// The Prometheus text exposition.
    public func text() -> String { registry.emitToString() }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
