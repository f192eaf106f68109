import Synchronization

/// The free places of the one bounded worker pool, counted once for every transport together.
///
/// The pool creates it with its size and hands it to each transport. A transport takes one slot
/// for every order it takes from its bus (before it reads, for Redis; on arrival, for NATS) and
/// gives it back when that order is settled (`complete`, `reject`, `release`). So no transport
/// ever holds more orders than there are workers to run them, whichever bus they came from.
public final class WorkerSlots: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var free: Int
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
    }

    public let capacity: Int
    private let state: Mutex<State>

    /// `capacity` workers (at least one).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(free: max(1, capacity)))
    }

    public var free: Int { state.withLock { $0.free } }
    public var inUse: Int { capacity - free }

    /// Takes up to `count` free slots without waiting; returns how many were taken (maybe 0).
    public func tryAcquire(upTo count: Int) -> Int {
        guard count > 0 else { return 0 }
        return state.withLock { s in
            let taken = min(count, s.free)
            s.free -= taken
            return taken
        }
    }

    /// Waits until at least one slot is free, then takes up to `count` (at least one).
    /// Throws `CancellationError` if the task is cancelled while waiting.
    public func acquire(upTo count: Int) async throws -> Int {
        let wanted = max(1, count)
        while true {
            let taken = tryAcquire(upTo: wanted)
            if taken > 0 { return taken }
            try await waitUntilFree()
        }
    }

    /// Waits until at least one slot is free, without taking it (another transport may take it
    /// first: callers re-check with `tryAcquire`).
    public func waitUntilFree() async throws {
        let id = state.withLock { s in
            defer { s.nextWaiterID += 1 }
            return s.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Now { case free, cancelled, later }
                let now: Now = state.withLock { s in
                    if s.free > 0 { return .free }
                    if Task.isCancelled { return .cancelled }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return .later
                }
                switch now {
                case .free: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .later: break
                }
            }
        } onCancel: {
            state.withLock { s -> Waiter? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index)
            }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Wakes every `waitUntilFree` without freeing anything: a transport that stops its intake
    /// uses it so that a `receive` waiting for a slot notices at once (waiters re-check).
    public func wakeWaiters() {
        let waiters = state.withLock { s in
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Gives back `count` slots (an order was settled, or a read took fewer orders than slots).
    public func release(_ count: Int = 1) {
        guard count > 0 else { return }
        let waiters = state.withLock { s in
            s.free = min(capacity, s.free + count)
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }
}
