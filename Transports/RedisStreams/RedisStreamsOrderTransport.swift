import BusTransport
import Logging

/// `OrderTransport` over a Redis Streams consumer group: what the worker daemon uses when its
/// orders come from Redis. See docs/redis-streams.md for stream, group and field names.
public struct RedisStreamsOrderTransport: OrderTransport {
    public let consumer: RedisStreamsConsumer
    public let slots: WorkerSlots

    public init(configuration: RedisStreamsConfiguration, slots: WorkerSlots,
                logger: Logger = Logger(label: "imapworker.redis")) {
        consumer = RedisStreamsConsumer(configuration: configuration, logger: logger)
        self.slots = slots
    }

    /// Reads only as many entries as `slots` has free (`XREADGROUP COUNT free`); waits for a free
    /// slot before reading at all.
    public func receive() async throws -> [OrderDelivery] {
        try await consumer.receive(slots: slots)
    }

    /// Progress goes to the events stream only, never to the order's reply stream.
    public func publishProgress(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await consumer.publish(event: event, to: nil)
    }

    public func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await consumer.complete(delivery, event: event)
    }

    /// Same writes as `complete`: the rejection event is the answer, and the entry is acknowledged
    /// so that it is never retried.
    public func reject(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await consumer.complete(delivery, event: event)
    }

    public func release(_ delivery: OrderDelivery) async throws {
        await consumer.release([delivery.id])
    }

    public func keepAlive(_ delivery: OrderDelivery) async throws {
        try await consumer.keepAlive([delivery.id])
    }

    public func publishEvent(_ event: [UInt8]) async throws {
        try await consumer.publish(event: event, to: nil)
    }

    public func serveStatus(_ answer: @escaping @Sendable ([UInt8]) async -> [UInt8]) async throws {
        try await consumer.serveStatus(answer)
    }

    public func stopReceiving() async {
        await consumer.stopReceiving()
    }

    public func close() async {
        await consumer.shutdown()
    }
}
