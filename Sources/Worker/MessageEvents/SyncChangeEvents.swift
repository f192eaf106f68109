import Foundation
import SyncEngine

extension MessageEvent {
    /// The event of a change a `sync` made in the local account: `uid`/`uidvalidity` the remote
    /// message that caused it, `local_uid`/`local_uidvalidity` the message in the local account.
    init(_ change: AppliedChange, worker: String, orderID: String, userID: String, identityID: String?) {
        let kind: Kind = switch change.kind {
        case .new: .new
        case .flags: .flags
        case .expunged: .expunged
        case .moved: .moved
        }
        self.init(kind, worker: worker, orderID: orderID, userID: userID, identityID: identityID,
                  mailbox: change.mailbox, size: change.size)
        uid = change.counterpart?.rawValue
        uidValidity = change.counterpart == nil ? nil : change.counterpartUIDValidity
        localUID = change.uid.rawValue
        localUIDValidity = change.uidValidity
        messageID = change.messageID
        flags = change.flags?.flags.map(\.rawValue)
        fromMailbox = change.movedFromMailbox
        fromLocalUID = change.movedFromUID?.rawValue
    }
}

/// Carries the local account's changes from the engine (which reports them synchronously, as
/// they are made) to the sink, on a task of its own, in order: the run never waits for the bus.
struct SyncChangeEvents: Sendable {
    let observer: SyncChangeObserver
    private let continuation: AsyncStream<[AppliedChange]>.Continuation
    private let publisher: Task<Void, Never>

    init(sink: MessageEventSink, worker: String, orderID: String, userID: String, identityID: String?) {
        let (stream, continuation) = AsyncStream.makeStream(of: [AppliedChange].self)
        self.continuation = continuation
        observer = SyncChangeObserver(sides: [.local]) { continuation.yield($0) }
        publisher = Task {
            for await changes in stream {
                await sink.publish(changes.map {
                    MessageEvent($0, worker: worker, orderID: orderID, userID: userID, identityID: identityID)
                })
            }
        }
    }

    /// Waits until every change reported so far was published (before the order's final event).
    func finish() async {
        continuation.finish()
        await publisher.value
    }
}
