import BusTransport
import NIOCore

/// The worker's bus over NATS core: orders arrive on a subject in a queue group (so that each
/// order goes to one worker), events are published to the order's reply subject and to the
/// events subject.
///
/// NATS core is at-most-once: an order is delivered to one member of the queue group when it is
/// published and is not kept anywhere. If the worker crashes with orders taken or buffered, they
/// are lost (the client that sent them sees no event and must ask again); `complete`/`reject`
/// only publish the event. Back-pressure: at most `pendingOrdersLimit` orders wait in memory;
/// beyond that the client drops them (a slow-consumer event) rather than grow. See docs/nats.md.
public actor NATSOrderTransport: OrderTransport {
    public struct Configuration: Sendable {
        public static let defaultOrdersSubject = "imapworker.orders"
        public static let defaultQueueGroup = "imapworker"
        public static let defaultEventsSubject = "imapworker.events"
        public static let defaultPendingOrdersLimit = 1024

        public var ordersSubject = defaultOrdersSubject
        public var queueGroup = defaultQueueGroup
        public var eventsSubject = defaultEventsSubject
        /// Orders received and not yet taken by `receive` before new ones are dropped.
        public var pendingOrdersLimit = defaultPendingOrdersLimit

        public init() {}
    }

    public let client: NATSClient
    public let configuration: Configuration
    private let subscription: NATSSubscription
    /// Orders taken from the subscription and not yet handed out.
    private var taken = CircularBuffer<NATSMessage>()
    private var sequence: UInt64 = 0

    /// Connects with `options` (its pending limit replaced by `pendingOrdersLimit`) and subscribes.
    public static func connect(_ options: NATSOptions, configuration: Configuration = Configuration()) async throws -> NATSOrderTransport {
        var options = options
        options.pendingMessagesLimit = configuration.pendingOrdersLimit
        let client = try await NATSClient.connect(options)
        do {
            let transport = try NATSOrderTransport(client: client, configuration: configuration)
            try await client.flush()
            return transport
        } catch {
            await client.close()
            throw error
        }
    }

    /// Uses an existing client; the transport owns it from now on (shutdown drains it).
    public init(client: NATSClient, configuration: Configuration = Configuration()) throws {
        self.client = client
        self.configuration = configuration
        subscription = try client.subscribe(configuration.ordersSubject, queue: configuration.queueGroup)
    }

    public func receive(max: Int) async throws -> [OrderDelivery] {
        guard max > 0 else { return [] }
        if taken.isEmpty {
            switch subscription.buffer.take() {
            case .batch(let batch):
                taken = batch
            case .finished:
                throw NATSError.connectionClosed
            case .mustWait:
                guard let first = await subscription.buffer.wait() else {
                    try Task.checkCancellation()
                    throw NATSError.connectionClosed
                }
                taken.prepend(first)
            }
        }
        var orders: [OrderDelivery] = []
        while orders.count < max {
            if taken.isEmpty, case .batch(let batch) = subscription.buffer.take() { taken = batch }
            guard let message = taken.popFirst() else { break }
            orders.append(delivery(message))
        }
        return orders
    }

    private func delivery(_ message: NATSMessage) -> OrderDelivery {
        sequence += 1
        return OrderDelivery(id: String(sequence), payload: message.bytes, replyTo: message.replyTo)
    }

    /// Publishes the event to the reply subject (if any) and the events subject, and waits until
    /// the server has them. There is nothing to acknowledge in NATS core.
    public func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await answer(delivery, event: event)
    }

    public func reject(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await answer(delivery, event: event)
    }

    private func answer(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        if let replyTo = delivery.replyTo {
            try await client.publish(replyTo, payload: event)
        }
        try await client.publish(configuration.eventsSubject, payload: event)
        try await client.flush()
    }

    /// No-op: NATS core does not redeliver, so no one can reclaim an order a worker holds.
    public func keepAlive(_ delivery: OrderDelivery) async throws {}

    public func publish(event: [UInt8], to destination: String?) async throws {
        try await client.publish(destination ?? configuration.eventsSubject, payload: event)
    }

    /// Unsubscribes, lets buffered orders be taken, flushes events, closes.
    public func shutdown() async {
        try? await client.drain()
    }
}
