/// One event group of NOTIFY SET (RFC 5465 §6): which mailboxes, and which of their events.
///
/// event-group = "(" filter-mailboxes SP events ")"
/// events = ( "(" event *(SP event) ")" ) / "NONE"
public struct NotifyEventGroup: Hashable, Sendable {
    public var mailboxes: NotifyMailboxFilter
    /// Empty sends `NONE`: no events from these mailboxes.
    public var events: [NotifyEvent]

    public init(_ mailboxes: NotifyMailboxFilter, _ events: [NotifyEvent]) {
        self.mailboxes = mailboxes
        self.events = events
    }
}
