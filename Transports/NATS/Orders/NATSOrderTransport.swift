import BusTransport
import NIOCore
import Synchronization

/// The worker's bus over NATS core: orders arrive on a subject in a queue group (each order goes
/// to one worker); final events go to the order's reply subject and the events subject, progress
/// to the events subject only; status requests on the status subject are answered by every worker.
///
/// NATS core keeps nothing, so every order taken is answered: by its job's final event, or by the
/// transport with a `rejected` event (`busy` when no slot is free and the queue is full,
/// `shutting_down` when intake stopped or the job was released). Orders arrive through a handler
/// on the connection's event loop, never through a bounded client buffer: nothing is dropped as
/// a slow consumer. A crash still loses the orders held (at-most-once). See docs/nats.md.
public final class NATSOrderTransport: OrderTransport {
    public struct Configuration: Sendable {
        public static let defaultOrdersSubject = "imapworker.orders"
        public static let defaultQueueGroup = "imapworker"
        public static let defaultEventsSubject = "imapworker.events"
        public static let defaultStatusSubject = "imapworker.status"
        public static let defaultQueueLimit = 16
        public static let defaultConfirmTimeout: Duration = .seconds(10)

        public var ordersSubject = defaultOrdersSubject
        public var queueGroup = defaultQueueGroup
        public var eventsSubject = defaultEventsSubject
        /// Request/reply subject for status (no queue group: every worker answers).
        public var statusSubject = defaultStatusSubject
        /// Orders that may wait for a worker slot; one more is answered `busy`.
        public var queueLimit = defaultQueueLimit
        /// How long `complete`/`reject` wait for the server to confirm the final event.
        public var confirmTimeout = defaultConfirmTimeout

        public init() {}
    }

    private struct State {
        var queue: NATSOrderQueue
        /// A `receive` waiting for an order (or for intake to end).
        var receiver: CheckedContinuation<Void, Never>?
        /// The subscription ended without `stopReceiving` (the client closed for good).
        var ended = false
        var closed = false
        var sequence: UInt64 = 0
        /// Deliveries handed out and not settled: each holds a slot.
        var held: Set<String> = []
        var statusWaiters: [CheckedContinuation<Void, Never>] = []
        /// `complete`/`reject`/`release` calls under way, and `close` waiting for them.
        var settling = 0
        var settledWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public let client: NATSClient
    public let configuration: Configuration
    public let slots: WorkerSlots
    /// The connection's event loop as a task executor: intake and no-work answers run there.
    public let preferredTaskExecutor: (any TaskExecutor)?
    private let state: Mutex<State>
    private let subscription = Mutex<NATSSubscription?>(nil)

    /// Connects with `options` and subscribes to the orders subject.
    public static func connect(_ options: NATSOptions, configuration: Configuration = Configuration(),
                               slots: WorkerSlots) async throws -> NATSOrderTransport {
        let client = try await NATSClient.connect(options)
        do {
            let transport = try NATSOrderTransport(client: client, configuration: configuration, slots: slots)
            try await client.flush()
            return transport
        } catch {
            await client.close()
            throw error
        }
    }

    /// Uses an existing client; the transport owns it from now on (`close` closes it).
    public init(client: NATSClient, configuration: Configuration = Configuration(), slots: WorkerSlots) throws {
        self.client = client
        self.configuration = configuration
        self.slots = slots
        preferredTaskExecutor = client.taskExecutor
        state = Mutex(State(queue: NATSOrderQueue(queueLimit: configuration.queueLimit)))
        let orders = try client.subscribe(configuration.ordersSubject, queue: configuration.queueGroup) { [weak self] message in
            self?.arrived(message)
        }
        subscription.withLock { $0 = orders }
        // The sequence of a handler subscription yields nothing and ends with it.
        Task { [weak self, orders] in
            for await _ in orders {}
            self?.subscriptionEnded()
        }
    }

    // MARK: - Intake (event loop)

    private func arrived(_ message: NATSMessage) {
        let (arrival, receiver) = state.withLock { s in
            let arrival = s.queue.arrived(message, slots: slots)
            defer { s.receiver = nil }
            return (arrival, arrival == .queued ? s.receiver : nil)
        }
        switch arrival {
        case .queued:
            receiver?.resume()
        case .refused(let code):
            refuseNow(message, code: code)
        }
    }

    private func subscriptionEnded() {
        let receiver = state.withLock { s in
            s.ended = true
            defer { s.receiver = nil }
            return s.receiver
        }
        receiver?.resume()
    }

    /// Answers an order the worker will not run, from the event loop (no waiting).
    private func refuseNow(_ message: NATSMessage, code: TransportEvents.RejectionCode) {
        let event = rejection(code)
        do {
            if let replyTo = message.replyTo { try client.publishWithoutWaiting(replyTo, payload: event) }
            try client.publishWithoutWaiting(configuration.eventsSubject, payload: event)
        } catch {
            client.core.logger.error("nats: could not answer a refused order", metadata: ["code": "\(code.rawValue)", "error": "\(error)"])
        }
    }

    private func rejection(_ code: TransportEvents.RejectionCode) -> [UInt8] {
        let reason = switch code {
        case .busy: "no free worker and the order queue is full; send it again later"
        case .shuttingDown: "the worker is shutting down; send it again"
        case .invalid: "invalid order"
        case .badReplyTo: "bad reply subject"
        }
        return TransportEvents.rejected(code: code, reason: reason, origin: [("subject", JSONText.quoted(configuration.ordersSubject))])
    }

    // MARK: - OrderTransport

    public func receive() async throws -> [OrderDelivery] {
        while true {
            try Task.checkCancellation()
            enum Step { case take([OrderDelivery]), stopped, ended, waitForSlot, waitForOrder }
            let step: Step = state.withLock { s in
                if s.queue.stopped { return .stopped }
                s.queue.promoteWaiting(slots: slots)
                let ready = s.queue.takeReady()
                if !ready.isEmpty {
                    let deliveries = ready.map { message in
                        s.sequence += 1
                        return OrderDelivery(id: String(s.sequence), payload: message.bytes, replyTo: message.replyTo)
                    }
                    for delivery in deliveries { s.held.insert(delivery.id) }
                    return .take(deliveries)
                }
                if s.ended { return .ended }
                return s.queue.hasWaiting ? .waitForSlot : .waitForOrder
            }
            switch step {
            case .take(let deliveries): return deliveries
            case .stopped: return []
            case .ended: throw NATSError.connectionClosed
            case .waitForSlot: try await slots.waitUntilFree()
            case .waitForOrder: await waitForArrival()
            }
        }
    }

    /// Waits until an order arrives, intake ends or the task is cancelled (`receive` then
    /// re-checks). One `receive` at a time (the pool's intake loop).
    private func waitForArrival() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.queue.stopped || s.ended || s.queue.hasReady || Task.isCancelled { return true }
                    s.receiver?.resume()
                    s.receiver = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { s in
                defer { s.receiver = nil }
                return s.receiver
            }?.resume()
        }
    }

    public func publishProgress(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await client.publish(configuration.eventsSubject, payload: event)
    }

    /// The final event to the reply subject (if any) and the events subject, confirmed by a
    /// PING/PONG on the connection they were written to; then the slot is free. NATS core has
    /// nothing to acknowledge.
    public func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await settling { try await answer(delivery, event: event) }
        settled(delivery)
    }

    public func reject(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        try await settling { try await answer(delivery, event: event) }
        settled(delivery)
    }

    /// NATS core cannot redeliver: the order is answered `rejected` with code `shutting_down`
    /// (its sender sends it again). Republishing it to the orders subject is not done: the
    /// sender's request would then be answered by whichever worker takes it, but a sender that
    /// published without a reply subject could not tell a repeated order from a new one, and a
    /// pool that is shutting down everywhere would pass it round in circles.
    public func release(_ delivery: OrderDelivery) async throws {
        defer { settled(delivery) }
        try await settling { try await answer(delivery, event: rejection(.shuttingDown)) }
    }

    /// No-op: NATS core does not redeliver, so no one can reclaim an order a worker holds.
    public func keepAlive(_ delivery: OrderDelivery) async throws {}

    public func publishEvent(_ event: [UInt8]) async throws {
        try await client.publish(configuration.eventsSubject, payload: event)
    }

    public func serveStatus(_ answer: @escaping @Sendable ([UInt8]) async -> [UInt8]) async throws {
        let client = self.client
        let status = try client.subscribe(configuration.statusSubject) { message in
            guard let replyTo = message.replyTo else { return }
            let request = message.bytes
            // Off the event loop: the answer may take a lock or an actor of the pool.
            Task {
                let document = await answer(request)
                do {
                    try await client.publish(replyTo, payload: document)
                } catch {
                    client.core.logger.warning("nats: status answer not sent", metadata: ["error": "\(error)"])
                }
            }
        }
        try await client.flush()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closed = state.withLock { s in
                if s.closed { return true }
                s.statusWaiters.append(continuation)
                return false
            }
            if closed { continuation.resume() }
        }
        try? await status.unsubscribe()
    }

    /// Unsubscribes from the orders subject and answers `shutting_down` to every order taken and
    /// not handed out, and to any still on its way from the server; returns once the server has
    /// the answers. Orders handed out are untouched: their jobs settle them.
    public func stopReceiving() async {
        let (taken, receiver) = state.withLock { s in
            let taken: (ready: [NATSMessage], waiting: [NATSMessage]) = s.queue.stopped ? ([], []) : s.queue.stop()
            defer { s.receiver = nil }
            return (taken, s.receiver)
        }
        receiver?.resume()
        slots.release(taken.ready.count)
        slots.wakeWaiters()  // a receive waiting for a slot for a queued order returns now
        // Orders the server sent before it saw the UNSUB still reach the handler, which answers
        // them `shutting_down`: none is dropped unseen.
        await subscription.withLock { $0 }?.unsubscribeAfterInFlight(timeout: configuration.confirmTimeout)
        let refused = taken.ready + taken.waiting
        guard !refused.isEmpty else { return }
        let event = rejection(.shuttingDown)
        var messages: [NATSMessage] = []
        for order in refused {
            if let replyTo = order.replyTo { messages.append(NATSMessage(subject: replyTo, payload: ByteBuffer(bytes: event))) }
            messages.append(NATSMessage(subject: configuration.eventsSubject, payload: ByteBuffer(bytes: event)))
        }
        do {
            try await client.publishConfirmed(messages, timeout: configuration.confirmTimeout)
        } catch {
            client.core.logger.error("nats: shutting_down answers not confirmed", metadata: ["orders": "\(refused.count)", "error": "\(error)"])
        }
    }

    /// Stops receiving, waits for settlements under way, ends `serveStatus`, flushes and closes
    /// the connection. Orders still held by jobs should be settled or released before.
    public func close() async {
        await stopReceiving()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s in
                if s.settling == 0 { return true }
                s.settledWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        let waiters = state.withLock { s in
            s.closed = true
            defer { s.statusWaiters = [] }
            return s.statusWaiters
        }
        for waiter in waiters { waiter.resume() }
        await client.close()
    }

    // MARK: - Settling

    private func answer(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        var messages: [NATSMessage] = []
        if let replyTo = delivery.replyTo { messages.append(NATSMessage(subject: replyTo, payload: ByteBuffer(bytes: event))) }
        messages.append(NATSMessage(subject: configuration.eventsSubject, payload: ByteBuffer(bytes: event)))
        try await client.publishConfirmed(messages, timeout: configuration.confirmTimeout)
    }

    /// Counts a settlement under way, so that `close` waits for it.
    private func settling(_ body: () async throws -> Void) async throws {
        state.withLock { $0.settling += 1 }
        defer {
            let waiters = state.withLock { s in
                s.settling -= 1
                guard s.settling == 0 else { return [CheckedContinuation<Void, Never>]() }
                defer { s.settledWaiters = [] }
                return s.settledWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
        try await body()
    }

    /// Frees the delivery's slot, once.
    private func settled(_ delivery: OrderDelivery) {
        if state.withLock({ $0.held.remove(delivery.id) != nil }) { slots.release(1) }
    }
}
