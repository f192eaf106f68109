/// A mailbox's synchronisation counters at one moment (STATUS / SELECT response codes).
public struct MailboxSnapshot: Hashable, Sendable {
    public var uidValidity: UIDValidity
    /// The UID the next new message will get at least: everything below it is known.
    public var uidNext: UInt32
    /// Every change up to it has been reported; 0 would mean NOMODSEQ, which the endpoint
    /// reports as an error instead (``MailboxEndpointError/noModSequences(mailbox:)``).
    public var highestModSeq: ModSequence

    public init(uidValidity: UIDValidity, uidNext: UInt32, highestModSeq: ModSequence) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
    }
}
