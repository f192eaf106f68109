import Foundation
import NATS

/// `test` orders to a running imapworker (scripts/bench-daemon.sh): round-trip latency of one
/// order at a time, and throughput with `window` orders in flight. Every reply must be a
/// `completed` event; anything else is counted and reported.
enum DaemonOrders {
    /// `pinned`: the requesting task runs on the client's event loop (as the floor's requester
    /// is one thread doing its own I/O), so what is measured is the daemon, not our client's
    /// thread hops. Reported as `order_pinned_*`.
    static func latency(_ url: String, subject: String, count: Int, pinned: Bool = false) async throws {
        let client = try await NATSClient.connect(NATSBench.options(url))
        if pinned {
            try await withTaskExecutorPreference(client.taskExecutor) {
                try await measure(client, subject: subject, count: count, metric: "order_pinned")
            }
        } else {
            try await measure(client, subject: subject, count: count, metric: "order")
        }
        await client.close()
    }

    private static func measure(_ client: NATSClient, subject: String, count: Int, metric: String) async throws {
        var failures = 0
        for index in 0..<min(200, count) { failures += try await order(client, subject, "warm-\(index)") ? 0 : 1 }
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        for index in 0..<count {
            let start = ContinuousClock.now
            if !(try await order(client, subject, "lat-\(index)")) { failures += 1 }
            latencies.append(NATSBench.seconds(ContinuousClock.now - start) * 1_000_000)
        }
        latencies.sort()
        NATSBench.report("\(metric)_p50_us", latencies[latencies.count / 2], "us")
        NATSBench.report("\(metric)_p99_us", latencies[min(latencies.count - 1, latencies.count * 99 / 100)], "us")
        NATSBench.report("\(metric)_failures", Double(failures), "orders")
    }

    static func throughput(_ url: String, subject: String, count: Int, window: Int) async throws {
        let client = try await NATSClient.connect(NATSBench.options(url))
        let start = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0
            var failed = 0
            func launch() {
                let index = next
                next += 1
                group.addTask { try await order(client, subject, "tp-\(index)") ? 0 : 1 }
            }
            while next < min(window, count) { launch() }
            while let result = try await group.next() {
                failed += result
                if next < count { launch() }
            }
            return failed
        }
        let elapsed = NATSBench.seconds(ContinuousClock.now - start)
        NATSBench.report("orders_per_sec", Double(count) / elapsed, "orders/s")
        NATSBench.report("orders_failures", Double(failures), "orders")
        await client.close()
    }

    private static func order(_ client: NATSClient, _ subject: String, _ id: String) async throws -> Bool {
        let reply = try await client.request(subject, payload: Array(#"{"order":"test","order_id":"\#(id)"}"#.utf8),
                                             timeout: .seconds(30))
        return reply.string.contains(#""event":"completed""#)
    }
}
