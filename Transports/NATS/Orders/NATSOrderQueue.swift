import BusTransport
import NIOCore

/// The orders a NATS transport has taken and not yet handed to `receive`, and the decision for
/// each arriving order. Pure (no I/O): the transport runs it under a lock and executes what it says.
///
/// An arriving order takes a free worker slot at once (`ready`), or waits for one in a bounded
/// queue (`waiting`, at most `queueLimit`), or is refused `busy`: NATS core keeps nothing, so an
/// order the worker cannot hold must be answered, never dropped. Orders wait in arrival order: while
/// any waits, a new one does not jump ahead by taking a slot freed meanwhile.
struct NATSOrderQueue {
    enum Arrival: Equatable {
        /// Taken: ready with a slot, or waiting for one.
        case queued
        case refused(TransportEvents.RejectionCode)
    }

    let queueLimit: Int
    /// Hold one slot each.
    private(set) var ready = CircularBuffer<NATSMessage>()
    /// Hold no slot yet.
    private(set) var waiting = CircularBuffer<NATSMessage>()
    private(set) var stopped = false

    init(queueLimit: Int) {
        self.queueLimit = max(0, queueLimit)
    }

    mutating func arrived(_ message: NATSMessage, slots: WorkerSlots) -> Arrival {
        if stopped { return .refused(.shuttingDown) }
        if waiting.isEmpty, slots.tryAcquire(upTo: 1) == 1 {
            ready.append(message)
            return .queued
        }
        guard waiting.count < queueLimit else { return .refused(.busy) }
        waiting.append(message)
        return .queued
    }

    /// Gives waiting orders the slots that are free now (without waiting), oldest first.
    mutating func promoteWaiting(slots: WorkerSlots) {
        let taken = slots.tryAcquire(upTo: waiting.count)
        for _ in 0..<taken {
            if let message = waiting.popFirst() { ready.append(message) }
        }
    }

    /// Everything ready (each holding a slot), oldest first.
    mutating func takeReady() -> [NATSMessage] {
        defer { ready.removeAll(keepingCapacity: true) }
        return Array(ready)
    }

    var hasWaiting: Bool { !waiting.isEmpty }
    var hasReady: Bool { !ready.isEmpty }

    /// Intake ends: returns what was taken and never handed out (`ready` hold a slot each).
    mutating func stop() -> (ready: [NATSMessage], waiting: [NATSMessage]) {
        stopped = true
        defer {
            ready.removeAll()
            waiting.removeAll()
        }
        return (Array(ready), Array(waiting))
    }
}
