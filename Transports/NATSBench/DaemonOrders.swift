import Foundation
import NATS

/// `test` orders to a running imapworker (scripts/bench-daemon.sh): round-trip latency of one
/// order at a time, and throughput with `window` orders in flight. Every reply must be a
/// `completed` event; anything else is counted and reported.
enum DaemonOrders {
    static func latency(_ url: String, subject: String, count: Int) async throws {
        let client = try await NATSClient.connect(NATSBench.options(url))
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
        NATSBench.report("order_p50_us", latencies[latencies.count / 2], "us")
        NATSBench.report("order_p99_us", latencies[min(latencies.count - 1, latencies.count * 99 / 100)], "us")
        NATSBench.report("order_failures", Double(failures), "orders")
        await client.close()
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
