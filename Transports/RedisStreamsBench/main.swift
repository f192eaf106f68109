// redis-bench: benchmark and test helper for the RedisStreams transport.
//
//   redis-bench fill    --url U [--stream S] --count N              add N orders (pipelined XADD)
//   redis-bench consume --url U [--stream S] [--group G] --count N --batch B [--ack next-read|writer]
//                       consume+ack N orders, B per read (B=1: one by one); prints the rate
//   redis-bench ping    --url U --count N                           PING round-trip time
//   redis-bench worker  --url U --consumer C [--job-ms MS] [--claim-idle-ms MS] [--autoclaim-ms MS]
//                       a worker over RedisStreamsOrderTransport: prints "started <id> <deliveries>"
//                       and "completed <id>" per order (used by the crash test, which SIGKILLs it)
//   redis-bench order   --url U [--stream S] --count N                  `test` orders to a running imapworker,
//                       one at a time: p50/p99 (scripts/bench-daemon.sh)
//   redis-bench orders  --url U [--stream S] --count N [--window W]     the same, W in flight: orders/s
import Foundation
import BusTransport
import RedisStreams

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ line: String) -> Never {
    FileHandle.standardError.write(Data(("redis-bench: " + line + "\n").utf8))
    exit(2)
}

var arguments = CommandLine.arguments.dropFirst()
guard let mode = arguments.popFirst() else { fail("usage: redis-bench fill|consume|worker --url U …") }
let options: [String: String] = {
    var parsed: [String: String] = [:]
    while let key = arguments.popFirst() {
        guard key.hasPrefix("--"), let value = arguments.popFirst() else { fail("bad argument \(key)") }
        parsed[String(key.dropFirst(2))] = value
    }
    return parsed
}()
@MainActor func option(_ name: String, _ fallback: String? = nil) -> String {
    guard let value = options[name] ?? fallback else { fail("missing --\(name)") }
    return value
}
@MainActor func number(_ name: String, _ fallback: Int? = nil) -> Int {
    guard let value = Int(option(name, fallback.map(String.init))) else { fail("--\(name) must be a number") }
    return value
}

let url = option("url")
let stream = option("stream", RedisStreamsConfiguration.defaultStream)
let group = option("group", RedisStreamsConfiguration.defaultGroup)

do {
    switch mode {
    case "fill":
        let connection = try await RedisConnection.connect(try RedisConnectionConfiguration(url: url))
        let count = number("count")
        var sent = 0
        while sent < count {
            let chunk = min(1000, count - sent)
            let commands = (sent..<sent + chunk).map { n in
                StreamCommands.add(stream: stream, maxLength: 10_000_000, fields: [
                    StreamField("order", #"{"type":"bench","n":\#(n),"account":"user@example.org"}"#),
                ])
            }
            for reply in try await connection.send(commands) {
                if let message = reply.errorMessage { fail(message) }
            }
            sent += chunk
        }
        connection.close()
        say("added \(count)")

    case "consume":
        let rate = try await consumeBench(url: url, stream: stream, group: group, consumer: option("consumer", "bench"),
                                          count: number("count"), batch: number("batch", 100),
                                          ackOnNextRead: option("ack", "next-read") == "next-read")
        say(rate)

    case "ping":
        say(try await pingBench(url: url, count: number("count")))

    case "order":
        say(try await DaemonOrders.latency(url: url, stream: stream, count: number("count")))

    case "orders":
        say(try await DaemonOrders.throughput(url: url, stream: stream, count: number("count"), window: number("window", 64)))

    case "worker":
        var configuration = try RedisStreamsConfiguration(url: url, consumer: option("consumer"))
        configuration.stream = stream
        configuration.group = group
        configuration.groupStartID = "0"
        configuration.block = .milliseconds(200)
        configuration.claimIdle = .milliseconds(number("claim-idle-ms", 60_000))
        configuration.autoclaimInterval = .milliseconds(number("autoclaim-ms", 10_000))
        configuration.maxDeliveries = number("max-deliveries", 5)
        let jobTime = Duration.milliseconds(number("job-ms", 0))
        let transport = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: 1))
        say("ready")
        while true {
            for delivery in try await transport.receive() {
                say("started \(delivery.id) \(delivery.deliveryCount)")
                if jobTime > .zero { try await Task.sleep(for: jobTime) }
                let event = #"{"type":"order.completed","entry":"\#(delivery.id)","consumer":"\#(configuration.consumer)"}"#
                try await transport.complete(delivery, event: Array(event.utf8))
                say("completed \(delivery.id)")
            }
        }

    default:
        fail("unknown mode \(mode)")
    }
} catch {
    fail("\(error)")
}

/// Consumes `count` orders, `batch` per read (one XACK per read; per order when `batch` is 1).
/// `ackOnNextRead`: each XACK rides in the same pipeline as the next read (one round trip per
/// read); otherwise it goes out on the write connection while the next read is under way.
/// Runs off the main actor: every hop to the main thread would cost a context switch.
func consumeBench(url: String, stream: String, group: String, consumer name: String,
                  count: Int, batch: Int, ackOnNextRead: Bool) async throws -> String {
    var configuration = try RedisStreamsConfiguration(url: url, consumer: name)
    configuration.stream = stream
    configuration.group = group
    configuration.groupStartID = "0"
    // The same commands as the redis-py consumer it is compared with: XACK without the XDEL.
    configuration.deleteAcknowledged = false
    let consumer = RedisStreamsConsumer(configuration: configuration)
    var done = 0
    var acks: [Task<Void, any Error>] = []
    var oldest = 0
    var finished: [String] = []
    let start = ContinuousClock.now
    while done < count {
        if ackOnNextRead {
            let deliveries = try await consumer.receive(max: min(batch, count - done), acknowledging: finished)
            done += deliveries.count
            finished = deliveries.map(\.id)
            continue
        }
        let deliveries = try await consumer.receive(max: min(batch, count - done))
        done += deliveries.count
        if batch == 1 {
            for delivery in deliveries { acks.append(Task.detached { try await consumer.acknowledge([delivery.id]) }) }
        } else {
            let ids = deliveries.map(\.id)
            acks.append(Task.detached { try await consumer.acknowledge(ids) })
        }
        while acks.count - oldest > 256 {
            try await acks[oldest].value
            oldest += 1
        }
    }
    for task in acks[oldest...] { try await task.value }
    if !finished.isEmpty { try await consumer.acknowledge(finished) }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    await consumer.shutdown()
    return String(format: "consumed=%d seconds=%.3f rate=%.0f", done, seconds, Double(done) / seconds)
}

func pingBench(url: String, count: Int) async throws -> String {
    let connection = try await RedisConnection.connect(try RedisConnectionConfiguration(url: url))
    let start = ContinuousClock.now
    for _ in 0..<count { _ = try await connection.send(["PING"]) }
    let elapsed = ContinuousClock.now - start
    connection.close()
    return "ping: \(elapsed / count) per round trip"
}
