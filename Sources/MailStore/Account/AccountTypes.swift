/// A message of the local account without its body: what listings, summaries and change reports give.
public struct MessageRecord: Sendable, Hashable {
    public let uid: UInt32
    /// Normalised flags, keywords included (see `MessageFlags.normalised`).
    public let flags: [String]
    /// The modseq of the message's last change.
    public let modSeq: Int64
    public let size: Int
    public let internalDate: Int64
    /// The INTERNALDATE's UTC offset, minutes.
    public let internalDateOffset: Int
    /// Lower-case hex SHA-256 of the body.
    public let sha256: String
    /// The body's row: read it with `readBody(id:offset:length:)`.
    public let bodyID: Int64
}

/// What changed in a mailbox since a modseq (QRESYNC's answer, RFC 7162 §3.2.5).
public struct MailboxChanges: Sendable, Hashable {
    /// UIDs expunged since the modseq, as ascending disjoint ranges. When `exact` is false, every
    /// UID of the known range that is no longer there (some may have gone earlier: the peer was
    /// older than the tombstone pruning point, and gets the full answer instead of a wrong one).
    public let vanished: [ClosedRange<UInt32>]
    /// Every message whose modseq is above the one asked for, in UID order.
    public let changed: [MessageRecord]
    public let highestModSeq: Int64
    public let exact: Bool
}

/// How `storeFlags` combines the given flags with a message's current ones (IMAP's
/// `FLAGS`, `+FLAGS`, `-FLAGS`).
public enum FlagOperation: Sendable, Hashable {
    case replace
    case add
    case remove
}

/// What a flag store did.
public struct FlagStoreOutcome: Sendable, Hashable {
    /// The modseq given to the changed messages; nil when nothing changed.
    public let modSeq: Int64?
    public let changed: [UInt32]
    /// Messages refused because their modseq was above `unchangedSince` (RFC 7162 `MODIFIED`).
    public let modified: [UInt32]
}

/// What an expunge did.
public struct ExpungeOutcome: Sendable, Hashable {
    /// The modseq of the tombstones written; nil when nothing was expunged.
    public let modSeq: Int64?
    public let expunged: [UInt32]
}

/// A message to append to the local account (no remote origin: mail the user's own services
/// put there, or the sync engine's replication).
public struct AppendedMessage: Sendable {
    public var flags: [String]
    public var internalDate: Int64
    public var internalDateOffset: Int
    public var body: MessageBytes

    public init(flags: [String], internalDate: Int64, internalDateOffset: Int = 0, body: MessageBytes) {
        self.flags = flags
        self.internalDate = internalDate
        self.internalDateOffset = internalDateOffset
        self.body = body
    }
}

/// What an append did: the UIDs assigned, in order, under the mailbox's UIDVALIDITY.
public struct AppendOutcome: Sendable, Hashable {
    public let uidValidity: UInt32
    public let uids: [UInt32]
    public let modSeq: Int64?
}

/// What a move did: source UID → destination UID, in source UID order.
public struct MoveOutcome: Sendable, Hashable {
    public let destinationUIDValidity: UInt32
    public let sourceUIDs: [UInt32]
    public let destinationUIDs: [UInt32]
    /// The modseq of the source's tombstones and of the destination's new messages.
    public let sourceModSeq: Int64?
    public let destinationModSeq: Int64?
}

/// How much a user's local account holds: messages, and the distinct bodies they share.
public struct AccountStatistics: Sendable, Hashable {
    public let messages: Int
    public let bodies: Int
    /// Bytes of the distinct bodies (each stored once).
    public let bodyBytes: Int64
    /// Bytes the messages would take if each had its own copy.
    public let messageBytes: Int64
}
