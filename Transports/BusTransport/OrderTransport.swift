/// The one interface the worker sees of a message bus (NATS, Redis Streams).
///
/// Orders arrive as JSON documents (see docs/bus-contract.md); the transport knows nothing of
/// their content. Delivery is at-least-once: an order is settled (`complete` or `reject`) only
/// after its job has finished and its completion event has been written, so a crash before that
/// makes the bus deliver it again.
public protocol OrderTransport: Sendable {
    /// Waits until at least one order is available and returns at most `max` of them.
    /// `max` is the number of free workers: a transport never takes more orders than can run.
    /// Throws `CancellationError` when the calling task is cancelled, and a transport error
    /// when the bus is gone for good (reconnecting is the transport's own job).
    func receive(max: Int) async throws -> [OrderDelivery]

    /// Publishes `event` (a JSON document) to the order's reply destination, if it named one,
    /// and to the events destination; then settles the order.
    func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws

    /// Like `complete`, for an order that was not valid: it is answered and never retried.
    func reject(_ delivery: OrderDelivery, event: [UInt8]) async throws

    /// Tells the bus that a long-running job still owns `delivery` (so no other consumer reclaims it).
    func keepAlive(_ delivery: OrderDelivery) async throws

    /// Publishes an event that belongs to no particular order (progress, worker status).
    func publish(event: [UInt8], to destination: String?) async throws

    /// Stops taking orders, lets in-flight settlements finish, and closes the connection.
    func shutdown() async
}

/// One order as delivered by the bus.
public struct OrderDelivery: Sendable, Hashable {
    /// The bus's own id for this delivery (Redis entry id, NATS sequence), used to settle it.
    public var id: String
    /// The order document exactly as received (JSON, not yet validated).
    public var payload: [UInt8]
    /// Where the completion event must also go (NATS reply subject, Redis reply stream), if anywhere.
    public var replyTo: String?
    /// How many times the bus has delivered this order, counting this delivery (1 if unknown).
    public var deliveryCount: Int

    public init(id: String, payload: [UInt8], replyTo: String?, deliveryCount: Int = 1) {
        self.id = id
        self.payload = payload
        self.replyTo = replyTo
        self.deliveryCount = deliveryCount
    }
}
