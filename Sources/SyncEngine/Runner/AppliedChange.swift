import IMAPCore

/// One message change a run made on one side, reported once that side's endpoint acknowledged
/// it (the append, store, expunge or move returned): `imapworker` turns the local side's into
/// `message.*` events. The engine reports what it did, whatever the endpoints are.
public struct AppliedChange: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        /// Appended (copied from the other side).
        case new
        /// Flags replaced by ``flags``.
        case flags
        /// Expunged for good.
        case expunged
        /// Moved here from ``movedFrom`` (a move seen on the other side, replayed).
        case moved
    }

    public var kind: Kind
    /// The side the change was made on.
    public var side: Side
    /// The mailbox, decoded (`a/b`); for a move, the destination.
    public var mailbox: String
    public var uid: UID
    /// The mailbox's UIDVALIDITY on `side`, when the run knows it.
    public var uidValidity: UIDValidityValue?
    /// The same message on the other side (the change's cause), when paired.
    public var counterpart: UID?
    public var counterpartUIDValidity: UIDValidityValue?
    public var messageID: String?
    public var size: Int
    /// The message's flags after the change (absent for an expunge).
    public var flags: FlagList?
    /// For a move: the source mailbox and the message's UID there.
    public var movedFromMailbox: String?
    public var movedFromUID: UID?

    public init(_ kind: Kind, side: Side, mailbox: String, uid: UID, uidValidity: UIDValidityValue?,
                counterpart: UID? = nil, counterpartUIDValidity: UIDValidityValue? = nil,
                messageID: String?, size: Int, flags: FlagList?) {
        self.kind = kind
        self.side = side
        self.mailbox = mailbox
        self.uid = uid
        self.uidValidity = uidValidity
        self.counterpart = counterpart
        self.counterpartUIDValidity = counterpartUIDValidity
        self.messageID = messageID
        self.size = size
        self.flags = flags
    }
}

/// Who wants ``AppliedChange``s, and of which sides. Reporting a side costs it one summary
/// request (Message-ID, size) per append batch, flag store and expunge; unobserved sides cost
/// nothing. `report` is called on the run's task, in the order the changes were made: keep it short
/// (hand the changes to another task).
public struct SyncChangeObserver: Sendable {
    public var sides: Set<Side>
    public var report: @Sendable ([AppliedChange]) -> Void

    public init(sides: Set<Side>, report: @escaping @Sendable ([AppliedChange]) -> Void) {
        self.sides = sides
        self.report = report
    }
}
