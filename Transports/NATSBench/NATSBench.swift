// nats-bench: measures our NATS client against a running nats-server (scripts/bench-nats.sh
// starts one and runs nats-py the same way). Prints `RESULT <metric> <value> <unit>` lines.
//
//   nats-bench <url> pub <count> <size>        publish-only throughput
//   nats-bench <url> pubsub <count> <size>     publish → subscribe throughput
//   nats-bench <url> reqrep <count>            request/reply latency (p50, p99)
//   nats-bench <url> slowsub <count> <size>    RSS while a subscriber never reads
//   nats-bench <url> reqrep-pinned <count>     the same, requester and responder tasks on the client's event loop
//   nats-bench <url> order <count>             `test` orders to a running imapworker, one at a time (p50, p99)
//   nats-bench <url> order-pinned <count>      the same, the requesting task on the client's event loop
//   nats-bench <url> orders <count> <window>   the same, `window` in flight (orders/s)
//   (orders go to NATS_BENCH_SUBJECT, default outboundIMAP)
import Foundation
import NATS
import NIOCore

@main
struct NATSBench {
    static func main() async {
        do {
            try await run()
        } catch {
            // A bench run that fails (no daemon answering yet, a lost connection) says why, exit 1.
            FileHandle.standardError.write(Data("nats-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let count = Int(arguments[3]) else {
            print("usage: nats-bench <url> pub|pubsub|reqrep|reqrep-pinned|slowsub|order|order-pinned|orders <count> [size]")
            exit(2)
        }
        let url = arguments[1]
        let size = arguments.count > 4 ? Int(arguments[4]) ?? 16 : 16
        switch arguments[2] {
        case "pub": try await publishOnly(url, count: count, size: size)
        case "pubsub": try await publishSubscribe(url, count: count, size: size)
        case "reqrep": try await requestReply(url, count: count)
        case "reqrep-pinned": try await requestReplyPinned(url, count: count)
        case "slowsub": try await slowSubscriber(url, count: count, size: size)
        case "order": try await DaemonOrders.latency(url, subject: orderSubject, count: count)
        case "order-pinned": try await DaemonOrders.latency(url, subject: orderSubject, count: count, pinned: true)
        case "orders": try await DaemonOrders.throughput(url, subject: orderSubject, count: count, window: size)
        default:
            print("unknown mode \(arguments[2])")
            exit(2)
        }
    }

    static var orderSubject: String { ProcessInfo.processInfo.environment["NATS_BENCH_SUBJECT"] ?? "outboundIMAP" }

    static func options(_ url: String) -> NATSOptions {
        var options = NATSOptions(url: url)
        options.name = "nats-bench"
        return options
    }

    static func publishOnly(_ url: String, count: Int, size: Int) async throws {
        let client = try await NATSClient.connect(options(url))
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let start = ContinuousClock.now
        for _ in 0..<count { try await client.publish("bench.pub", payload: payload) }
        try await client.flush(timeout: .seconds(120))
        report("pub_msgs_per_sec", Double(count) / seconds(ContinuousClock.now - start), "msg/s")
        await client.close()
    }

    static func publishSubscribe(_ url: String, count: Int, size: Int) async throws {
        var subscriberOptions = options(url)
        subscriberOptions.pendingMessagesLimit = count
        subscriberOptions.pendingBytesLimit = count * (size + 64)
        let subscriber = try await NATSClient.connect(subscriberOptions)
        let publisher = try await NATSClient.connect(options(url))
        let subscription = try subscriber.subscribe("bench.pubsub")
        try await subscriber.flush()
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let start = ContinuousClock.now
        let receiving = Task {
            var received = 0
            for await _ in subscription {
                received += 1
                if received == count { break }
            }
            return ContinuousClock.now
        }
        for _ in 0..<count { try await publisher.publish("bench.pubsub", payload: payload) }
        try await publisher.flush(timeout: .seconds(120))
        let end = await receiving.value
        report("pubsub_msgs_per_sec", Double(count) / seconds(end - start), "msg/s")
        report("pubsub_dropped", Double(subscription.droppedMessages), "msgs")
        await publisher.close()
        await subscriber.close()
    }

    /// Requester and responder share one event loop, as the floor's two sockets share one thread
    /// and nats-py's two connections one asyncio loop: the same topology for all three.
    static func requestReply(_ url: String, count: Int) async throws {
        let requester = try await NATSClient.connect(options(url))
        let responder = try await NATSClient.connect(options(url), eventLoopGroup: requester.eventLoop)
        // The responder answers from a handler on its event loop, as nats-py's answers from its
        // callback on the asyncio loop: the requester's task, on the global pool, is what is measured.
        let service = try responder.subscribe("bench.echo") { message in
            if let replyTo = message.replyTo { try? responder.publishWithoutWaiting(replyTo, payload: message.bytes) }
        }
        try await responder.flush()
        let payload = Array("ping".utf8)
        for _ in 0..<min(1000, count) { _ = try await requester.request("bench.echo", payload: payload) }  // warm-up
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        for _ in 0..<count {
            let start = ContinuousClock.now
            _ = try await requester.request("bench.echo", payload: payload)
            latencies.append(seconds(ContinuousClock.now - start) * 1_000_000)
        }
        latencies.sort()
        report("reqrep_p50_us", latencies[latencies.count / 2], "us")
        report("reqrep_p99_us", latencies[min(latencies.count - 1, latencies.count * 99 / 100)], "us")
        try await service.unsubscribe()
        await requester.close()
        await responder.close()
    }

    /// The same, with the requesting and the answering tasks running on their client's event loop
    /// (a task executor preference): no thread hop between the socket and the code.
    static func requestReplyPinned(_ url: String, count: Int) async throws {
        let requester = try await NATSClient.connect(options(url))
        let responder = try await NATSClient.connect(options(url), eventLoopGroup: requester.eventLoop)
        let service = try responder.subscribe("bench.echo") { message in
            if let replyTo = message.replyTo { try? responder.publishWithoutWaiting(replyTo, payload: message.bytes) }
        }
        try await responder.flush()
        let latencies = try await withTaskExecutorPreference(requester.taskExecutor) {
            try await OnEventLoop.requests(count: count, with: requester)
        }
        report("reqrep_pinned_p50_us", latencies[latencies.count / 2], "us")
        report("reqrep_pinned_p99_us", latencies[min(latencies.count - 1, latencies.count * 99 / 100)], "us")
        try await service.unsubscribe()
        await requester.close()
        await responder.close()
    }

    /// A subscriber that never reads: with the default pending limits memory must stop growing
    /// (messages are dropped and a slow-consumer event raised).
    static func slowSubscriber(_ url: String, count: Int, size: Int) async throws {
        var subscriberOptions = options(url)
        subscriberOptions.pendingMessagesLimit = 100_000
        subscriberOptions.pendingBytesLimit = 8 * 1024 * 1024
        let subscriber = try await NATSClient.connect(subscriberOptions)
        let publisher = try await NATSClient.connect(options(url))
        let subscription = try subscriber.subscribe("bench.slow")
        try await subscriber.flush()
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let baseline = residentMegabytes()
        var samples: [Double] = []
        let tenth = max(1, count / 10)
        for index in 1...count {
            try await publisher.publish("bench.slow", payload: payload)
            if index % tenth == 0 {
                try await publisher.flush(timeout: .seconds(120))
                try await subscriber.flush(timeout: .seconds(120))
                samples.append(residentMegabytes())
            }
        }
        report("slowsub_rss_baseline_mb", baseline, "MB")
        for (index, sample) in samples.enumerated() { report("slowsub_rss_\(10 * (index + 1))pct_mb", sample, "MB") }
        report("slowsub_pending", Double(subscription.pendingMessages), "msgs")
        report("slowsub_dropped", Double(subscription.droppedMessages), "msgs")
        await publisher.close()
        await subscriber.close()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func residentMegabytes() -> Double {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    static func report(_ metric: String, _ value: Double, _ unit: String) {
        print("RESULT \(metric) \(String(format: "%.1f", value)) \(unit)")
    }
}

enum OnEventLoop {
    static func requests(count: Int, with client: NATSClient) async throws -> [Double] {
        let payload = Array("ping".utf8)
        for _ in 0..<min(1000, count) { _ = try await client.request("bench.echo", payload: payload) }
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        for _ in 0..<count {
            let start = ContinuousClock.now
            _ = try await client.request("bench.echo", payload: payload)
            latencies.append(NATSBench.seconds(ContinuousClock.now - start) * 1_000_000)
        }
        return latencies.sorted()
    }
}
