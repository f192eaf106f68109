import Foundation
import Logging
import MailJobs
import NATS
import RedisStreams

/// Where per-message events go: every configured bus, on its own subject / stream, through
/// connections of their own (order intake never waits behind them). A failed publish is logged;
/// the job it belongs to goes on (the messages are stored either way).
public struct MessageEventSink: Sendable {
    var nats: (client: NATSClient, subject: String)?
    var redis: (connection: RedisConnection, stream: String)?
    let logger: Logger

    /// nil when `message_events.enabled` is off or no bus is configured.
    public static func connect(_ configuration: WorkerConfiguration, logger: Logger) async throws -> MessageEventSink? {
        let section = configuration.messageEvents
        guard section.enabled else { return nil }
        var sink = MessageEventSink(logger: logger)
        if !configuration.nats.url.isEmpty {
            var options = NATSOptions(servers: configuration.nats.url.split(separator: ",").map {
                String($0).trimmingCharacters(in: .whitespaces)
            })
            options.name = "imapworker message events"
            options.logger = logger
            sink.nats = (try await NATSClient.connect(options), section.natsSubject)
        }
        if !configuration.redis.url.isEmpty {
            var redis = try RedisConnectionConfiguration(url: configuration.redis.url)
            redis.name = "imapworker message events"
            sink.redis = (RedisConnection(configuration: redis, logger: logger), section.redisStream)
        }
        return sink.nats == nil && sink.redis == nil ? nil : sink
    }

    public func publish(_ events: [MessageEvent]) async {
        guard !events.isEmpty else { return }
        let documents = events.map { $0.encoded() }
        if let nats {
            do {
                for document in documents { try await nats.client.publish(nats.subject, payload: document) }
            } catch {
                logger.warning("cannot publish message events", metadata: ["bus": "nats", "error": "\(error)"])
            }
        }
        if let redis {
            let commands = documents.map {
                StreamCommands.add(stream: redis.stream, maxLength: 1_000_000, fields: [StreamField(name: Array("event".utf8), value: $0)])
            }
            do {
                for reply in try await redis.connection.send(commands) {
                    if let message = reply.errorMessage { throw RedisError.server(message) }
                }
            } catch {
                logger.warning("cannot publish message events", metadata: ["bus": "redis", "error": "\(error)"])
            }
        }
    }

    public func close() async {
        if let nats { await nats.client.close() }
        redis?.connection.close()
    }
}
