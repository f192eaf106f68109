import BusTransport
import Logging

/// The one adapter between the worker and `OrderTransport` (docs/worker.md): takes orders as
/// slots free up, hands them to the pool, and sends the pool's events back through the
/// transport. When the transport contract changes, this file is what changes.
public struct OrderIntake: Sendable {
    public enum Role: Sendable {
        /// Orders, one per free worker slot.
        case orders
        /// Status requests: every message is answered with the status, taking no slot.
        case statusResponder
    }

    public let name: String
    public let transport: any OrderTransport
    public let role: Role
    let logger: Logger

    public init(name: String, transport: any OrderTransport, role: Role = .orders, logger: Logger) {
        self.name = name
        self.transport = transport
        self.role = role
        self.logger = logger
    }

    /// Takes orders until cancelled or the pool drains; a transport that fails for good is
    /// logged and reported in status, and the other transports keep feeding the pool.
    public func run(pool: WorkerPool) async {
        await pool.setTransport(name, state: "running")
        while !Task.isCancelled {
            let slots = role == .statusResponder ? 16 : await pool.freeSlots()
            guard slots > 0 else { break }
            let deliveries: [OrderDelivery]
            do {
                deliveries = try await transport.receive(max: slots)
            } catch {
                if Task.isCancelled || error is CancellationError { break }
                logger.error("transport failed", metadata: ["transport": "\(name)", "error": "\(error)"])
                await pool.setTransport(name, state: "failed", detail: String(describing: error))
                return
            }
            for delivery in deliveries {
                let replier = TransportReplier(transport: transport, delivery: delivery, logger: logger)
                switch role {
                case .orders:
                    await pool.submit(delivery.payload, source: name, replier: replier)
                case .statusResponder:
                    var event = WorkerEvent(event: .status, worker: pool.events.worker)
                    event.status = await pool.status()
                    await replier.answer(event)
                }
            }
        }
        await pool.setTransport(name, state: "stopped")
    }

    /// Lets in-flight settlements finish and closes the connection.
    public func shutdown() async {
        await transport.shutdown()
    }
}

/// Events of one delivery, through its transport. Publishing failures are logged, never thrown:
/// an order whose answer cannot be written stays unsettled and the bus delivers it again
/// (Redis); NATS core has nothing to redeliver.
struct TransportReplier: OrderReplier {
    let transport: any OrderTransport
    let delivery: OrderDelivery
    let logger: Logger

    func publish(_ event: WorkerEvent) async {
        do {
            try await transport.publish(event: event.encoded(), to: nil)
        } catch {
            logger.warning("cannot publish event", metadata: ["event": "\(event.event.rawValue)", "error": "\(error)"])
        }
    }

    func finish(_ event: WorkerEvent) async {
        do {
            try await transport.complete(delivery, event: event.encoded())
        } catch {
            logger.error("cannot settle order", metadata: ["order_id": "\(event.orderID ?? "-")", "error": "\(error)"])
        }
    }

    func reject(_ event: WorkerEvent) async {
        do {
            try await transport.reject(delivery, event: event.encoded())
        } catch {
            logger.error("cannot reject order", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    func keepAlive() async {
        try? await transport.keepAlive(delivery)
    }

    /// A status answer goes to the requester only (the reply subject), not to the events subject.
    func answer(_ event: WorkerEvent) async {
        do {
            try await transport.publish(event: event.encoded(), to: delivery.replyTo)
        } catch {
            logger.warning("cannot answer status request", metadata: ["error": "\(error)"])
        }
    }
}
