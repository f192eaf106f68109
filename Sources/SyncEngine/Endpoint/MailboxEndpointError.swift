import IMAPCore

/// Errors every endpoint reports the same way, so the engine's messages do not depend on which
/// kind of endpoint failed.
public enum MailboxEndpointError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The account lacks something the engine cannot work without.
    case missingCapability(String)
    /// The mailbox has no modseqs (`[NOMODSEQ]`): it cannot be synchronised statefully.
    case noModSequences(mailbox: MailboxName)
    case noSuchMailbox(MailboxName)
    /// A body stream ended before (or ran past) the size it announced.
    case bodySizeMismatch(uid: UID, announced: Int, received: Int)
    /// An append assigned a different number of UIDs than messages sent.
    case appendUIDCountMismatch(sent: Int, assigned: Int)
    /// An operation that needs a selected mailbox was called without one.
    case noMailboxSelected

    public var description: String {
        switch self {
        case .missingCapability(let name):
            "the server does not support \(name), which synchronisation requires"
        case .noModSequences(let mailbox):
            "mailbox \(mailbox) does not support modification sequences (NOMODSEQ): QRESYNC synchronisation is impossible"
        case .noSuchMailbox(let mailbox):
            "mailbox \(mailbox) does not exist"
        case .bodySizeMismatch(let uid, let announced, let received):
            "message UID \(uid) announced \(announced) bytes but \(received) arrived"
        case .appendUIDCountMismatch(let sent, let assigned):
            "\(sent) messages appended but \(assigned) UIDs assigned"
        case .noMailboxSelected:
            "no mailbox is selected"
        }
    }
}
