import IMAPClient
import IMAPCore

/// How a push connection learns of changes, and which of the server's reports ask for a sync.
enum PushMode: String, Sendable, CustomStringConvertible {
    /// RFC 5465 NOTIFY on every personal mailbox: STATUS of the mailboxes that changed, LIST of new ones.
    case notify
    /// RFC 2177 IDLE on INBOX: new mail there.
    case idle

    var description: String { rawValue }

    /// For the log: what the connection watches.
    var watched: String { self == .notify ? "every mailbox (NOTIFY)" : "INBOX (IDLE)" }

    /// FlagChange requires MessageNew and MessageExpunge (RFC 5465 §5); MailboxName reports
    /// mailboxes created or renamed by another client, which the next sync picks up.
    static let notifyParameters = NotifyParameters(groups: [
        NotifyEventGroup(.personal, [.messageNew([]), .messageExpunge, .flagChange, .mailboxName]),
    ])

    /// Whether `event` is a change the identity's sync would carry over.
    func isChange(_ event: MailboxEvent) -> Bool {
        switch (self, event) {
        case (.idle, .exists): true
        case (.idle, _): false
        case (.notify, .status), (.notify, .mailboxListed), (.notify, .exists), (.notify, .expunged),
             (.notify, .vanished), (.notify, .flags), (.notify, .uidValidityChanged): true
        case (.notify, .recent), (.notify, .serverNotice): false
        }
    }
}
