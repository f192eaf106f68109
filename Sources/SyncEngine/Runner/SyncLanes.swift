import Synchronization

/// More connections to the same two accounts, so that mailboxes are synchronised side by side.
///
/// One connection per side makes a run as slow as the sum of its mailboxes' round trips and,
/// for a first sync, as slow as one server process can fetch (a Dovecot compressing on one
/// core) and the other can save (fsyncs). Each lane is another pair of endpoints; the runner
/// hands each lane one whole mailbox at a time, so every rule of the engine still holds per
/// mailbox (a mailbox is only ever selected on one lane). The IMAP implementation opens
/// sessions with the run's own settings (``SyncRunner/init(endpoints:database:selection:options:lanes:)``).
public protocol SyncLaneOpener: Sendable {
    /// Lanes in all, the run's own pair of endpoints included; 1 or less: one mailbox at a time.
    var maxLanes: Int { get }
    /// Opens one more pair of endpoints, lane `number` (2, 3, …: the run's own pair is 1), runs
    /// `body` on it, closes it. Throws when the pair cannot be opened (the run goes on with the
    /// lanes it has).
    func withLane(number: Int, _ body: @Sendable (PerSide<any MailboxEndpoint>) async throws -> Void) async throws
}

/// The mailboxes left to synchronise, taken by the lanes in order. Lanes may ask before the
/// queue is filled (they connect while the work is found): they wait for ``fill(_:)``.
final class LaneQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var next = 0
        var filled = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var lastWaiter = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Publishes the items (once) and wakes the lanes waiting for them.
    func fill(_ items: [Item]) {
        let waiters = state.withLock { state in
            state.items = items
            state.filled = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The next item, once filled; nil when all were taken, or when the task is cancelled
    /// while it waits.
    func next() async -> Item? {
        while true {
            let (item, filled, id) = state.withLock { state -> (Item?, Bool, Int) in
                if state.next < state.items.count {
                    defer { state.next += 1 }
                    return (state.items[state.next], true, 0)
                }
                state.lastWaiter += 1
                return (nil, state.filled, state.lastWaiter)
            }
            if let item { return item }
            if filled || Task.isCancelled { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    // Filled or cancelled meanwhile: on at once (onCancel found nothing to resume).
                    let now = state.withLock { state -> Bool in
                        if state.filled || Task.isCancelled { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }
}

extension SyncSession {
    /// The same run on another pair of endpoints: what the listing taught (capabilities,
    /// delimiters, references) holds for every connection to the same accounts.
    func onLane(_ endpoints: PerSide<any MailboxEndpoint>) -> SyncSession {
        var lane = SyncSession(endpoints: endpoints, database: database, options: options)
        lane.capabilities = capabilities
        lane.delimiters = delimiters
        lane.references = references
        return lane
    }
}
