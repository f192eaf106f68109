import IMAPCore

/// What SELECT or EXAMINE told about a mailbox.
public struct MailboxSelection: Sendable {
    public var name: String
    public var readOnly = false
    public var uidValidity: UInt32?
    public var uidNext: UInt32?
    public var highestModSeq: UInt64?
    /// The server keeps no modification sequences for this mailbox (RFC 7162 NOMODSEQ).
    public var noModSeq = false
    public var exists = 0
    public var flags: [MessageFlag] = []
    public var permanentFlags: [MessageFlag] = []
    /// With QRESYNC: UIDs expunged since the given modseq (VANISHED (EARLIER)).
    public var vanished: [UIDSet] = []
    /// With QRESYNC: messages whose flags changed since the given modseq.
    public var changed: [FlagUpdate] = []

    public init(name: String) { self.name = name }
}

/// The flags of one message as reported by FETCH (UID FLAGS MODSEQ).
public struct FlagUpdate: Sendable, Hashable {
    public var uid: UInt32
    public var flags: [MessageFlag]
    public var modSeq: UInt64?
}
