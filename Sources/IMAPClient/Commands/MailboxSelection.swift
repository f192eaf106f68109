import IMAPCore

/// What SELECT or EXAMINE told about a mailbox.
public struct MailboxSelection: Sendable {
    /// The name exactly as sent (byte for byte).
    public var name: MailboxName
    public var readOnly = false
    public var uidValidity: UIDValidity?
    public var uidNext: UID?
    public var highestModSeq: ModSequence?
    /// The server keeps no modification sequences for this mailbox (RFC 7162 NOMODSEQ).
    public var noModSeq = false
    public var exists = 0
    public var flags: [MessageFlag] = []
    public var permanentFlags: [MessageFlag] = []
    /// With QRESYNC: UIDs expunged since the given modseq (VANISHED (EARLIER)), as ranges.
    public var vanished: [UIDSet] = []
    /// With QRESYNC: messages whose flags changed since the given modseq.
    public var changed: [FlagUpdate] = []
    /// The subscribed ``MailboxEventStream``'s ``MailboxEventStream/eventsDelivered`` when this
    /// SELECT completed: the events after it are this mailbox's, those up to it an earlier one's.
    public var eventsDelivered = 0

    public init(name: MailboxName) { self.name = name }

    mutating func apply(_ code: ResponseCode) {
        switch code {
        case .uidValidity(let v): uidValidity = v
        case .uidNext(let v): uidNext = UID(rawValue: v)
        case .highestModSeq(let v): highestModSeq = v
        case .noModSeq: noModSeq = true
        case .permanentFlags(let flags): permanentFlags = flags
        case .readOnly: readOnly = true
        case .readWrite: readOnly = false
        default: break
        }
    }
}

/// The flags of one message as reported by FETCH (UID FLAGS MODSEQ).
public struct FlagUpdate: Sendable, Hashable {
    public var uid: UID
    public var flags: [MessageFlag]
    public var modSeq: ModSequence?

    public init(uid: UID, flags: [MessageFlag], modSeq: ModSequence? = nil) {
        self.uid = uid
        self.flags = flags
        self.modSeq = modSeq
    }

    /// From a FETCH response that carried a UID.
    init?(_ attributes: FetchedAttributes) {
        guard let uid = attributes.uid else { return nil }
        self.init(uid: uid, flags: attributes.flags ?? [], modSeq: attributes.modSeq)
    }
}
