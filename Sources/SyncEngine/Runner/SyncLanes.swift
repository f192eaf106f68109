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

/// The mailboxes left to synchronise, taken by the lanes in order.
final class LaneQueue<Item: Sendable>: Sendable {
    private let state: Mutex<(items: [Item], next: Int)>

    init(_ items: [Item]) { state = Mutex((items, 0)) }

    func next() -> Item? {
        state.withLock { state in
            guard state.next < state.items.count else { return nil }
            defer { state.next += 1 }
            return state.items[state.next]
        }
    }

    var isEmpty: Bool { state.withLock { $0.next >= $0.items.count } }
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
