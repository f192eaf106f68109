/// The mailboxes an event group applies to (RFC 5465 §6).
///
/// filter-mailboxes = filter-mailboxes-selected / filter-mailboxes-other
/// filter-mailboxes-selected = "selected" / "selected-delayed"
/// filter-mailboxes-other = "inboxes" / "personal" / "subscribed" /
///     ( "subtree" SP one-or-more-mailbox ) / ( "mailboxes" SP one-or-more-mailbox )
/// one-or-more-mailbox = mailbox / many-mailboxes
/// many-mailboxes = "(" mailbox *(SP mailbox) ")"
public enum NotifyMailboxFilter: Hashable, Sendable {
    case selected
    /// Like `selected`, but expunges are held back until a command allows them.
    case selectedDelayed
    case inboxes
    case personal
    case subscribed
    /// These mailboxes and all below them; non-empty.
    case subtree([MailboxName])
    /// Exactly these mailboxes; non-empty.
    case mailboxes([MailboxName])
}
