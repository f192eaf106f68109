/// An event NOTIFY can report (RFC 5465 §5).
///
/// event = message-event / mailbox-event / user-event / event-ext
/// message-event = ( "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")" ] ) / "MessageExpunge" /
///     "FlagChange" / "AnnotationChange"
/// mailbox-event = "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange" /
///     "ServerMetadataChange"
public enum NotifyEvent: Hashable, Sendable {
    /// New messages; for the selected mailbox, the items to FETCH for each (empty: just EXISTS).
    case messageNew([FetchItem])
    case messageExpunge
    case flagChange
    case annotationChange
    case mailboxName
    case subscriptionChange
    case mailboxMetadataChange
    case serverMetadataChange
    /// An extension event, sent as is.
    case other(String)
}
