import BusTransport
import Logging

/// `OrderTransport` over a Redis Streams consumer group: what the worker daemon uses when its
/// orders come from Redis. See docs/redis-streams.md for stream, group and field names.
public struct RedisStreamsOrderTransport: OrderTransport {
    public let consumer: RedisStreamsConsumer

    public init(configuration: RedisStreamsConfiguration, logger: Logger = Logger(label: "imapworker.redis")) {
        consumer = RedisStreamsConsumer(configuration: configuration, logger: logger)
    }

    public func receive(max: Int) async throws -> [OrderDelivery] {
        try await consumer.receive(max: max)
    }

    public func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await consumer.complete(delivery, event: event)
    }

    /// Same writes as `complete`: the rejection event is the answer, and the entry is acknowledged
    /// so that it is never retried.
    public func reject(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await consumer.complete(delivery, event: event)
    }

    public func keepAlive(_ delivery: OrderDelivery) async throws {
        try await consumer.keepAlive([delivery.id])
    }

    public func publish(event: [UInt8], to destination: String?) async throws {
        try await consumer.publish(event: event, to: destination)
    }

    public func shutdown() async {
        await consumer.shutdown()
    }
}
