import BusTransport
import Foundation
import Logging
import MailJobs
import NATS
import RedisStreams

/// Builds the intakes the configuration asks for: a transport runs when its URL is set.
public enum TransportSetup {
    public struct Feeds: Sendable {
        public var intakes: [OrderIntake] = []
        public var pollers: [NeedJobPoller] = []
    }

    /// Every transport shares `slots`: together they never take more orders than there are workers.
    public static func feeds(_ configuration: WorkerConfiguration, workerID: String, slots: WorkerSlots,
                             logger: Logger) async throws -> Feeds
    {
        var intakes: [OrderIntake] = []
        var pollers: [NeedJobPoller] = []
        let nats = configuration.nats
        if !nats.url.isEmpty {
            var options = NATSOptions(servers: nats.url.split(separator: ",").map {
                String($0).trimmingCharacters(in: .whitespaces)
            })
            options.name = "imapworker \(workerID)"
            options.logger = logger
            var orders = NATSOrderTransport.Configuration()
            orders.ordersSubject = nats.ordersSubject
            orders.queueGroup = nats.queueGroup
            orders.eventsSubject = nats.eventsSubject
            orders.statusSubject = nats.statusSubject
            orders.queueLimit = nats.queueLimit
            let transport = try await NATSOrderTransport.connect(options, configuration: orders, slots: slots)
            intakes.append(OrderIntake(name: "nats", transport: transport, logger: logger))
            if configuration.poller.enabled {
                pollers.append(NeedJobPoller(client: transport.client, subject: configuration.poller.subject,
                                             eventsSubject: nats.eventsSubject, slots: slots,
                                             interval: .seconds(configuration.poller.intervalSeconds), logger: logger))
            }
        }
        let redis = configuration.redis
        if !redis.url.isEmpty {
            var streams = try RedisStreamsConfiguration(url: redis.url, consumer: redis.consumer.isEmpty ? workerID : redis.consumer)
            streams.stream = redis.stream
            streams.group = redis.group
            streams.eventsStream = redis.eventsStream
            streams.deadLetterStream = redis.deadLetterStream
            streams.statusStream = redis.statusStream
            streams.groupStartID = redis.groupStartID
            streams.claimIdle = .seconds(redis.claimIdleSeconds)
            streams.maxDeliveries = redis.maxDeliveries
            streams.connection.name = "imapworker \(workerID)"
            intakes.append(OrderIntake(name: "redis", transport: RedisStreamsOrderTransport(configuration: streams, slots: slots, logger: logger),
                                       logger: logger))
        }
        return Feeds(intakes: intakes, pollers: pollers)
    }

    /// `worker.id`, else `imapworker-HOST-PID`.
    public static func workerID(_ configuration: WorkerConfiguration) -> String {
        if !configuration.worker.id.isEmpty { return configuration.worker.id }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "imapworker-\(host)-\(getpid())"
    }
}
