import Foundation
import MailJobs
import RedisStreams
import Worker

/// Orders as entries of `redis.stream` naming a reply stream of their own (which gets exactly the
/// final event), progress from `redis.events_stream`, status from every worker answering an entry
/// of `redis.status_stream`. Redis cannot say whether anyone reads a stream, so a status request
/// goes first: no answer means no worker.
struct RedisOrderBus: OrderBus {
    static let livenessWait: Duration = .seconds(3)

    let connection: RedisConnection
    let section: WorkerConfiguration.RedisSection

    var destination: String { "Redis stream \(section.stream)" }

    static func connect(_ section: WorkerConfiguration.RedisSection) async throws -> RedisOrderBus {
        do {
            var configuration = try RedisConnectionConfiguration(url: section.url)
            configuration.name = "imapctl"
            return RedisOrderBus(connection: try await RedisConnection.connect(configuration), section: section)
        } catch {
            throw BusFailure.noWorker("cannot reach Redis at \(redactedURL(section.url)): \(error)")
        }
    }

    func send(_ order: [UInt8], orderID: String, timeout: Duration,
              progress: @escaping @Sendable (WorkerEvent) -> Void) async throws -> BusAnswer {
        guard try await !statuses(wait: Self.livenessWait, first: true).isEmpty else {
            throw BusFailure.noWorker(
                "no worker answered a status request on Redis stream \(section.statusStream) within \(Self.livenessWait): is imapworker running with this redis.url?")
        }
        let replyTo = "imapctl:reply:\(UUID().uuidString.lowercased())"
        return try await removingAfterwards(replyTo) {
            try await self.send(order, orderID: orderID, replyTo: replyTo, timeout: timeout, progress: progress)
        }
    }

    private func send(_ order: [UInt8], orderID: String, replyTo: String, timeout: Duration,
                      progress: @escaping @Sendable (WorkerEvent) -> Void) async throws -> BusAnswer {
        var eventsAfter = try await serverNow()
        try check(try await connection.send(StreamCommands.add(stream: section.stream, maxLength: 10_000_000, fields: [
            StreamField(name: Array("order".utf8), value: order), StreamField("reply_to", replyTo),
        ])))
        let deadline = ContinuousClock.now + timeout
        var replyAfter = "0"
        while ContinuousClock.now < deadline {
            let block = min(deadline - ContinuousClock.now, .seconds(5))
            let command: RedisCommand = ["XREAD", "COUNT", "100", "BLOCK", String(max(1, Int(block / .milliseconds(1)))),
                                         "STREAMS", replyTo, section.eventsStream, replyAfter, eventsAfter]
            let reply = try check(try await connection.send(command, extraTimeout: block))
            for (stream, entries) in try Self.streams(reply) {
                for entry in entries {
                    if stream == replyTo {
                        replyAfter = entry.id
                        if let document = entry.value("event") { return try BusAnswer.decode(document) }
                    } else {
                        eventsAfter = entry.id
                        guard let document = entry.value("event"), let event = try? WorkerEvent.decode(document),
                              event.orderID == orderID, event.event == .accepted || event.event == .progress else { continue }
                        progress(event)
                    }
                }
            }
        }
        throw BusFailure.timeout("no final event for order \(orderID) on \(destination) within \(timeout)")
    }

    func statuses(wait: Duration) async throws -> [WorkerStatus] {
        try await statuses(wait: wait, first: false)
    }

    /// One status request; with `first`, returns as soon as one worker has answered.
    private func statuses(wait: Duration, first: Bool) async throws -> [WorkerStatus] {
        let replyTo = "imapctl:status:\(UUID().uuidString.lowercased())"
        return try await removingAfterwards(replyTo) {
            try await self.statuses(wait: wait, first: first, replyTo: replyTo)
        }
    }

    private func statuses(wait: Duration, first: Bool, replyTo: String) async throws -> [WorkerStatus] {
        try check(try await connection.send(StreamCommands.add(stream: section.statusStream, maxLength: 1000, fields: [
            StreamField("reply_to", replyTo), StreamField("request", "{}"),
        ])))
        var answers: [WorkerStatus] = []
        var after = "0"
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            let block = deadline - ContinuousClock.now
            let reply = try check(try await connection.send(
                StreamCommands.read(stream: replyTo, after: after, count: 100, block: block), extraTimeout: block))
            for entry in try StreamReplies.read(reply) {
                after = entry.id
                if let document = entry.value("status"), let status = try? WorkerEvent.decode(document).status {
                    answers.append(status)
                }
            }
            if first, !answers.isEmpty { break }
        }
        return answers
    }

    /// Runs `body`, then deletes our reply stream `key` (whatever `body` did): it is ours alone.
    private func removingAfterwards<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            _ = try? await connection.send(["DEL", key])
            return result
        } catch {
            _ = try? await connection.send(["DEL", key])
            throw error
        }
    }

    /// `<server time in ms>-0`: entries added from now on come after it (Redis's clock, not ours).
    private func serverNow() async throws -> String {
        let reply = try check(try await connection.send(["TIME"]))
        guard let parts = reply.array, parts.count == 2, let seconds = parts[0].string.flatMap({ Int64($0) }),
              let micros = parts[1].string.flatMap({ Int64($0) }) else {
            throw RedisError.unexpectedReply("TIME: not [seconds, microseconds]")
        }
        return "\(seconds * 1000 + micros / 1000)-0"
    }

    /// An XREAD reply over several streams: each stream's name and entries.
    private static func streams(_ reply: RESPValue) throws -> [(String, [StreamEntry])] {
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw RedisError.unexpectedReply("XREAD: not an array") }
        return try streams.map { stream in
            guard let pair = stream.array, pair.count == 2, let name = pair[0].string else {
                throw RedisError.unexpectedReply("XREAD: stream element is not [name, entries]")
            }
            return (name, try StreamReplies.entries(pair[1]))
        }
    }

    @discardableResult
    private func check(_ reply: RESPValue) throws -> RESPValue {
        if let message = reply.errorMessage { throw RedisError.server(message) }
        return reply
    }

    func close() async { connection.close() }
}
