import IMAPClient
import IMAPCore
import Synchronization

/// Reads the session's one unsolicited-data stream for as long as the endpoint lives, and keeps
/// what ``IMAPMailboxEndpoint/pendingChanges()`` needs: the UIDs that vanished and the latest
/// flags pushed per UID (bounded by the mailbox size, never by the number of pushes).
///
/// The stream must be read all the time (a subscriber that falls behind stops the connection's
/// reads), so a task drains it; `pendingChanges` then waits until the task has taken every event
/// the server sent before its NOOP's OK (``MailboxEventStream/eventsDelivered``).
final class EventCollector: Sendable {
    struct Collected: Sendable {
        var vanished: UIDSet?
        var flags: [UID: FlagUpdate] = [:]
    }

    private struct State {
        var consumed = 0
        /// Events up to this index belong to a mailbox selected before: dropped.
        var ignoreThrough = 0
        /// Each kept with its index, so that a reset can drop exactly the older ones.
        var vanished: [(index: Int, uids: UIDSet)] = []
        var flags: [UID: (index: Int, update: FlagUpdate)] = [:]
        var waiters: [(target: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var failure: (any Error)?
    }

    private let stream: MailboxEventStream
    private let state = Mutex(State())
    /// Every event, re-published for a watcher (IDLE / NOTIFY); the newest are kept when nobody reads.
    let observed: AsyncStream<MailboxEvent>
    private let observer: AsyncStream<MailboxEvent>.Continuation

    init(stream: MailboxEventStream) {
        self.stream = stream
        (observed, observer) = AsyncStream.makeStream(of: MailboxEvent.self, bufferingPolicy: .bufferingNewest(1024))
    }

    /// Reads the stream until the session ends; then fails every waiter.
    func run() async {
        do {
            for try await event in stream { record(event) }
            finish(IMAPClientError.connectionClosed("the session ended"))
        } catch {
            finish(error)
        }
    }

    /// Forgets what was collected so far: the events up to `through` (the count when the new
    /// SELECT completed) describe the previous mailbox.
    func reset(through: Int) {
        state.withLock { state in
            state.ignoreThrough = max(state.ignoreThrough, through)
            state.vanished.removeAll { $0.index <= through }
            state.flags = state.flags.filter { $0.value.index > through }
        }
    }

    /// Waits until every event delivered so far was recorded, then hands over what was collected.
    func drain() async throws -> Collected {
        let target = stream.eventsDelivered
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready: Result<Void, any Error>? = state.withLock { state in
                if let failure = state.failure { return .failure(failure) }
                if state.consumed >= target { return .success(()) }
                state.waiters.append((target, continuation))
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
        return state.withLock { state in
            var collected = Collected()
            for entry in state.vanished { collected.vanished = collected.vanished.map { $0.union(entry.uids) } ?? entry.uids }
            collected.flags = state.flags.mapValues(\.update)
            state.vanished = []
            state.flags = [:]
            return collected
        }
    }

    private func record(_ event: MailboxEvent) {
        observer.yield(event)
        let woken: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            state.consumed += 1
            let index = state.consumed
            if index > state.ignoreThrough {
                switch event {
                case .vanished(let uids, _):
                    // A flag change before it stays: the planner lets the expunge win.
                    state.vanished.append((index, uids))
                case .expunged(_, let uid?):
                    state.vanished.append((index, UIDSet(uid)))
                case .flags(_, let uid?, let flags?, let modSeq):
                    state.flags[uid] = (index, FlagUpdate(uid: uid, flags: flags, modSeq: modSeq))
                default:
                    break
                }
            }
            let ready = state.waiters.filter { $0.target <= state.consumed }
            state.waiters.removeAll { $0.target <= state.consumed }
            return ready.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    private func finish(_ error: any Error) {
        observer.finish()
        let woken = state.withLock { state in
            state.failure = error
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for continuation in woken { continuation.resume(throwing: error) }
    }
}
