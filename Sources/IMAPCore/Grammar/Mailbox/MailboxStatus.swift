/// A STATUS data item name (`status-att`, RFC 3501 §6.3.10, RFC 7162, RFC 8438, RFC 7889,
/// RFC 8474).
public enum StatusAttribute: String, Hashable, Sendable, CaseIterable {
    case messages = "MESSAGES"
    case recent = "RECENT"
    case uidNext = "UIDNEXT"
    case uidValidity = "UIDVALIDITY"
    case unseen = "UNSEEN"
    case highestModSeq = "HIGHESTMODSEQ"
    case size = "SIZE"
    case appendLimit = "APPENDLIMIT"
    case mailboxID = "MAILBOXID"
}

/// The values of a `* STATUS mailbox (…)` response; absent items are nil.
public struct MailboxStatus: Hashable, Sendable {
    public var messages: UInt32?
    public var recent: UInt32?
    public var uidNext: UInt32?
    public var uidValidity: UIDValidity?
    public var unseen: UInt32?
    public var highestModSeq: ModSequence?
    public var size: UInt64?
    /// RFC 7889: the largest message APPEND accepts; `UInt64.max` when the server says `NIL`
    /// (no limit).
    public var appendLimit: UInt64?
    /// RFC 8474: the server's stable identifier of the mailbox (survives RENAME).
    public var mailboxID: String?

    public init(messages: UInt32? = nil, recent: UInt32? = nil, uidNext: UInt32? = nil, uidValidity: UIDValidity? = nil,
                unseen: UInt32? = nil, highestModSeq: ModSequence? = nil, size: UInt64? = nil,
                appendLimit: UInt64? = nil, mailboxID: String? = nil) {
        self.messages = messages; self.recent = recent; self.uidNext = uidNext; self.uidValidity = uidValidity
        self.unseen = unseen; self.highestModSeq = highestModSeq; self.size = size
        self.appendLimit = appendLimit; self.mailboxID = mailboxID
    }
}
