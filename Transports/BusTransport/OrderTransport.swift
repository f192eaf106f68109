/// The one interface the worker sees of a message bus (NATS, Redis Streams).
///
/// Orders arrive as JSON documents (see docs/bus-contract.md); the transport knows nothing of
/// their content. Every transport of a worker shares the pool's `WorkerSlots`: a delivery holds
/// one slot from `receive` until it is settled by `complete`, `reject` or `release`, so the
/// transports together never take more orders than there are workers.
///
/// The order's reply destination gets exactly one message, the final event (`complete` or
/// `reject`, or the transport's own `rejected` answer): a requester waiting on it is resolved by
/// the outcome, never by progress. Progress goes to the events destination only.
///
/// Shutdown: `stopReceiving()` (intake ends, running jobs go on and settle), then `close()`.
public protocol OrderTransport: Sendable {
    /// Waits for a free worker slot and at least one order, and returns the orders taken; each
    /// holds one slot of the shared `WorkerSlots` until it is settled. Returns `[]` once
    /// `stopReceiving()` was called (and only then). Throws `CancellationError` when the task is
    /// cancelled, and a transport error when the bus is gone for good (reconnecting is the
    /// transport's own job).
    func receive() async throws -> [OrderDelivery]

    /// Publishes a progress event of a running order to the events destination only (never to
    /// the order's reply destination).
    func publishProgress(_ delivery: OrderDelivery, event: [UInt8]) async throws

    /// Publishes the final event to the order's reply destination (if any) and the events
    /// destination, waits until the bus confirmed both, then settles the order and frees its slot.
    /// If it throws, the order is not settled (the caller retries, or `release`s it).
    func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws

    /// Like `complete`, for an order that was not valid: it is answered and never retried.
    func reject(_ delivery: OrderDelivery, event: [UInt8]) async throws

    /// Gives an order back untouched (negative acknowledgement), e.g. a job abandoned at
    /// shutdown: Redis makes it claimable by another consumer at once; NATS core, which cannot
    /// redeliver, answers it with a `rejected` event of code `shutting_down`. Frees its slot even
    /// when the bus could not be told (the order then comes back the transport's usual way).
    func release(_ delivery: OrderDelivery) async throws

    /// Tells the bus that a long-running job still owns `delivery`, so no other consumer reclaims
    /// it. Never takes an order back from a consumer that reclaimed it: then it throws
    /// `OrderTransportError.notOwned` (the job may finish; at-least-once allows both to complete).
    func keepAlive(_ delivery: OrderDelivery) async throws

    /// Publishes an event that belongs to no order (worker status, start, stop) to the events destination.
    func publishEvent(_ event: [UInt8]) async throws

    /// Answers status requests (NATS request/reply on the status subject, Redis entries of the
    /// status stream) with the JSON document `answer` returns for the request's payload, until
    /// the transport is closed. Status requests never take a worker slot: they are answered
    /// while every worker is busy.
    func serveStatus(_ answer: @escaping @Sendable (_ request: [UInt8]) async -> [UInt8]) async throws

    /// Stops taking orders. Orders taken but not yet handed out by `receive` are given back (see
    /// `release`); a waiting or later `receive` returns `[]`. Settling orders already handed out
    /// (`complete`, `reject`, `release`, `keepAlive`, `publishProgress`) keeps working.
    func stopReceiving() async

    /// Stops receiving if not done yet, waits for settlements in progress, and closes the connections.
    func close() async

    /// Where the worker should run its intake loop and the answers of orders that do no work: the
    /// connection's event loop (NATS), so that an order and its answer never change threads. Nil
    /// (the default) means the global pool. Code that prefers it must never block.
    var preferredTaskExecutor: (any TaskExecutor)? { get }
}

extension OrderTransport {
    public var preferredTaskExecutor: (any TaskExecutor)? { nil }
}

/// Errors every transport may throw for the same reason.
public enum OrderTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another consumer reclaimed the order (its job overran the claim time without `keepAlive`).
    case notOwned(id: String)

    public var description: String {
        switch self {
        case .notOwned(let id): "order \(id) was reclaimed by another consumer"
        }
    }
}

/// One order as delivered by the bus.
public struct OrderDelivery: Sendable, Hashable {
    /// The bus's own id for this delivery (Redis entry id, NATS sequence), used to settle it.
    public var id: String
    /// The order document exactly as received (JSON, not yet validated).
    public var payload: [UInt8]
    /// Where the final event must also go (NATS reply subject, Redis reply stream), if anywhere.
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
