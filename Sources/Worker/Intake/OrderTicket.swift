import Foundation

/// How the events of one order go back to the bus it came from. Implemented by the intake
/// adapters (`OrderIntake` for `OrderTransport`s); the pool knows nothing else of transports.
public protocol OrderReplier: Sendable {
    /// An event that is not the order's last (`accepted`, `progress`): the events destination only.
    func publish(_ event: WorkerEvent) async
    /// The order's one final event (`completed`, `failed`): reply and events destinations; settles it.
    func finish(_ event: WorkerEvent) async
    /// The answer to a malformed order; settles it so that it is never delivered again.
    func reject(_ event: WorkerEvent) async
    /// The order is still being worked on (so that no other consumer reclaims it).
    func keepAlive() async
    /// Gives the order back to the bus untouched (shutdown): another worker may run it.
    func release() async
    /// Where the answer of an order that does no work is best written from (the bus connection's
    /// event loop for NATS), or nil for the global pool.
    var preferredTaskExecutor: (any TaskExecutor)? { get }
}

extension OrderReplier {
    public var preferredTaskExecutor: (any TaskExecutor)? { nil }
}

/// An order taken from a bus, with where its answers go.
public struct OrderTicket: Sendable {
    public var order: Order
    public var receivedAt: Date
    public var replier: any OrderReplier
    /// The transport it came from, for status.
    public var source: String

    public init(order: Order, receivedAt: Date = Date(), replier: any OrderReplier, source: String) {
        self.order = order
        self.receivedAt = receivedAt
        self.replier = replier
        self.source = source
    }
}
