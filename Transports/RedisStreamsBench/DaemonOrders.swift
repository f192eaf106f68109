import Foundation
import RedisStreams

/// `test` orders to a running imapworker over Redis Streams (scripts/bench-daemon.sh): XADD to
/// the orders stream with a reply stream of our own, then XREAD BLOCK on it. Latency one order at
/// a time; throughput with `window` orders in flight.
enum DaemonOrders {
    static func latency(url: String, stream: String, count: Int) async throws -> String {
        let connection = try await RedisConnection.connect(try RedisConnectionConfiguration(url: url))
        let reply = "bench:reply:\(UUID().uuidString.prefix(8))"
        var after = "0"
        var failures = 0
        var latencies: [Double] = []
        for index in 0..<(count + min(200, count)) {
            let start = ContinuousClock.now
            try await add(connection, stream: stream, reply: reply, id: "lat-\(index)")
            let (events, last) = try await read(connection, reply: reply, after: after, atLeast: 1)
            after = last
            failures += events.filter { !$0.contains(#""event":"completed""#) }.count
            if index >= min(200, count) { latencies.append(seconds(ContinuousClock.now - start) * 1_000_000) }
        }
        _ = try await connection.send(["DEL", reply])
        connection.close()
        latencies.sort()
        return """
            RESULT redis_order_p50_us \(String(format: "%.1f", latencies[latencies.count / 2])) us
            RESULT redis_order_p99_us \(String(format: "%.1f", latencies[min(latencies.count - 1, latencies.count * 99 / 100)])) us
            RESULT redis_order_failures \(failures) orders
            """
    }

    static func throughput(url: String, stream: String, count: Int, window: Int) async throws -> String {
        let connection = try await RedisConnection.connect(try RedisConnectionConfiguration(url: url))
        let reply = "bench:reply:\(UUID().uuidString.prefix(8))"
        var after = "0"
        var sent = 0
        var answered = 0
        var failures = 0
        let start = ContinuousClock.now
        while answered < count {
            let batch = min(window - (sent - answered), count - sent)
            if batch > 0 {
                let commands = (sent..<sent + batch).map { order(stream: stream, reply: reply, id: "tp-\($0)") }
                for result in try await connection.send(commands) {
                    if let message = result.errorMessage { throw RedisError.server(message) }
                }
                sent += batch
            }
            let (events, last) = try await read(connection, reply: reply, after: after, atLeast: 1)
            after = last
            answered += events.count
            failures += events.filter { !$0.contains(#""event":"completed""#) }.count
        }
        let elapsed = seconds(ContinuousClock.now - start)
        _ = try await connection.send(["DEL", reply])
        connection.close()
        return """
            RESULT redis_orders_per_sec \(String(format: "%.1f", Double(count) / elapsed)) orders/s
            RESULT redis_orders_failures \(failures) orders
            """
    }

    private static func order(stream: String, reply: String, id: String) -> RedisCommand {
        StreamCommands.add(stream: stream, maxLength: 10_000_000, fields: [
            StreamField("order", #"{"order":"test","order_id":"\#(id)"}"#), StreamField("reply_to", reply),
        ])
    }

    private static func add(_ connection: RedisConnection, stream: String, reply: String, id: String) async throws {
        if let message = try await connection.send(order(stream: stream, reply: reply, id: id)).errorMessage {
            throw RedisError.server(message)
        }
    }

    /// The reply stream's entries after `after` (waiting up to 30 s for the first), as event texts.
    private static func read(_ connection: RedisConnection, reply: String, after: String, atLeast: Int) async throws
        -> ([String], String)
    {
        let result = try await connection.send(StreamCommands.read(stream: reply, after: after, count: 1000, block: .seconds(30)),
                                                extraTimeout: .seconds(30))
        if let message = result.errorMessage { throw RedisError.server(message) }
        let entries = try StreamReplies.read(result)
        guard let last = entries.last else { throw RedisError.server("no reply within 30 s") }
        return (entries.compactMap { $0.value("event").map { String(decoding: $0, as: UTF8.self) } }, last.id)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
