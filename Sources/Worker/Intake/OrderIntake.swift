import BusTransport
import Logging

/// The one adapter between the worker and `OrderTransport` (docs/worker.md): takes orders as
/// the transport hands them out (it waits for a free slot of the shared `WorkerSlots`), gives
/// them to the pool, sends the pool's events back through the transport, and answers status
/// requests. When the transport contract changes, this file is what changes.
public struct OrderIntake: Sendable {
    public let name: String
    public let transport: any OrderTransport
    let logger: Logger

    public init(name: String, transport: any OrderTransport, logger: Logger) {
        self.name = name
        self.transport = transport
        self.logger = logger
    }

    /// Takes orders until `stopReceiving()` (then `receive` returns `[]`) or cancellation; a
    /// transport that fails for good is logged and reported in status, and the other transports
    /// keep feeding the pool.
    ///
    /// The loop runs on the transport's preferred executor (NATS: the connection's event loop),
    /// so an arriving order resumes it without waking another thread, and the pool actor (a
    /// default actor) runs its part of the order on that thread too (SE-0417).
    public func run(pool: WorkerPool) async {
        if let executor = transport.preferredTaskExecutor {
            await withTaskExecutorPreference(executor) { await loop(pool: pool) }
        } else {
            await loop(pool: pool)
        }
    }

    private func loop(pool: WorkerPool) async {
        await pool.setTransport(name, state: "running")
        while !Task.isCancelled {
            let deliveries: [OrderDelivery]
            do {
                deliveries = try await transport.receive()
            } catch {
                if Task.isCancelled || error is CancellationError { break }
                logger.error("transport failed", metadata: ["transport": "\(name)", "error": "\(error)"])
                await pool.setTransport(name, state: "failed", detail: String(describing: error))
                return
            }
            if deliveries.isEmpty { break }  // intake stopped
            for delivery in deliveries {
                let replier = TransportReplier(transport: transport, delivery: delivery, logger: logger)
                await pool.submit(delivery.payload, source: name, replier: replier)
            }
        }
        await pool.setTransport(name, state: "stopped")
    }

    /// Answers status requests until the transport is closed; takes no worker slot.
    public func serveStatus(pool: WorkerPool) async {
        do {
            try await transport.serveStatus { _ in
                var event = WorkerEvent(event: .status, worker: pool.events.worker)
                event.status = await pool.status()
                return event.encoded()
            }
        } catch {
            logger.warning("status responder failed", metadata: ["transport": "\(name)", "error": "\(error)"])
        }
    }

    /// Takes no more orders (the transport gives back those it took and did not hand out).
    public func stopReceiving() async {
        await transport.stopReceiving()
    }

    /// Waits for settlements in progress and closes the connections.
    public func close() async {
        await transport.close()
    }
}

/// Events of one delivery, through its transport. Failures are logged, never thrown: a final
/// event that cannot be written is tried again, then the order is released (Redis gives it to
/// another consumer; NATS answers `shutting_down`).
struct TransportReplier: OrderReplier {
    static let finishAttempts = 3

    let transport: any OrderTransport
    let delivery: OrderDelivery
    let logger: Logger

    var preferredTaskExecutor: (any TaskExecutor)? { transport.preferredTaskExecutor }

    func publish(_ event: WorkerEvent) async {
        do {
            try await transport.publishProgress(delivery, event: event.encoded())
        } catch {
            logger.warning("cannot publish event", metadata: ["event": "\(event.event.rawValue)", "error": "\(error)"])
        }
    }

    func finish(_ event: WorkerEvent) async {
        await settle(event) { try await transport.complete(delivery, event: $0) }
    }

    func reject(_ event: WorkerEvent) async {
        await settle(event) { try await transport.reject(delivery, event: $0) }
    }

    private func settle(_ event: WorkerEvent, _ write: ([UInt8]) async throws -> Void) async {
        let bytes = event.encoded()
        for attempt in 1...Self.finishAttempts {
            do {
                try await write(bytes)
                return
            } catch {
                logger.error("cannot settle order", metadata: [
                    "order_id": "\(event.orderID ?? "-")", "attempt": "\(attempt)", "error": "\(error)",
                ])
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
        await release()
    }

    func release() async {
        do {
            try await transport.release(delivery)
        } catch {
            logger.error("cannot release order", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }

    func keepAlive() async {
        do {
            try await transport.keepAlive(delivery)
        } catch let error as OrderTransportError {
            // Reclaimed by another consumer: the job goes on (at-least-once allows both to finish).
            logger.warning("order reclaimed while running", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        } catch {
            logger.debug("keep-alive failed", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
    }
}
