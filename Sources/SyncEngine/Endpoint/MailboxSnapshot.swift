/// A mailbox's synchronisation counters at one moment (STATUS / SELECT response codes).
public struct MailboxSnapshot: Hashable, Sendable {
    public var uidValidity: UIDValidityValue
    /// The UID the next new message will get at least: everything below it is known.
    public var uidNext: UInt32
    /// Every change up to it has been reported; 0 would mean NOMODSEQ, which the endpoint
    /// reports as an error instead (``MailboxEndpointError/noModSequences(mailbox:)``).
    public var highestModSeq: ModSeqValue

    public init(uidValidity: UIDValidityValue, uidNext: UInt32, highestModSeq: ModSeqValue) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
    }
}
