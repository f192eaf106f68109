/// What `NOTIFY SET` asks the server to report (RFC 5465 §3): an optional STATUS for every
/// mailbox the groups name, then one event group per set of mailboxes.
///
/// notify-set = "SET" [status-indicator] SP event-groups
/// status-indicator = SP "STATUS"
/// event-groups = event-group *(SP event-group)
public struct NotifyParameters: Hashable, Sendable {
    /// `STATUS`: send a `* STATUS` for each mailbox of the groups right away.
    public var status: Bool
    /// Non-empty in a valid command.
    public var groups: [NotifyEventGroup]

    public init(status: Bool = false, groups: [NotifyEventGroup]) {
        self.status = status
        self.groups = groups
    }
}
