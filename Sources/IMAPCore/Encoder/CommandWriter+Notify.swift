extension CommandWriter {
    /// notify = "NOTIFY" SP (notify-set / notify-none)                          ; RFC 5465
    /// notify-set = "SET" [status-indicator] SP event-groups
    /// event-groups = event-group *(SP event-group)
    mutating func notifySet(_ parameters: NotifyParameters) {
        write("NOTIFY SET" + (parameters.status ? " STATUS" : ""))
        for group in parameters.groups {
            write(" ")
            eventGroup(group)
        }
    }

    /// event-group = "(" filter-mailboxes SP events ")"
    /// events = ( "(" event *(SP event) ")" ) / "NONE"
    private mutating func eventGroup(_ group: NotifyEventGroup) {
        write("(")
        switch group.mailboxes {
        case .selected: write("SELECTED")
        case .selectedDelayed: write("SELECTED-DELAYED")
        case .inboxes: write("INBOXES")
        case .personal: write("PERSONAL")
        case .subscribed: write("SUBSCRIBED")
        case .subtree(let names): oneOrMoreMailbox("SUBTREE", names)
        case .mailboxes(let names): oneOrMoreMailbox("MAILBOXES", names)
        }
        write(" ")
        if group.events.isEmpty {
            write("NONE")
        } else {
            write("(")
            each(group.events) { $0.notifyEvent($1) }
            write(")")
        }
        write(")")
    }

    /// one-or-more-mailbox = mailbox / many-mailboxes
    /// many-mailboxes = "(" mailbox *(SP mailbox) ")"
    private mutating func oneOrMoreMailbox(_ filter: String, _ names: [MailboxName]) {
        write(filter + " ")
        if names.count == 1 {
            astring(names[0].raw)
            return
        }
        write("(")
        each(names) { $0.astring($1.raw) }
        write(")")
    }

    /// message-event = ( "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")" ] ) / "MessageExpunge" /
    ///     "FlagChange" / "AnnotationChange"
    /// mailbox-event = "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange" /
    ///     "ServerMetadataChange"
    private mutating func notifyEvent(_ event: NotifyEvent) {
        switch event {
        case .messageNew(let items):
            write("MessageNew")
            if !items.isEmpty { write(" (" + items.map(\.imapString).joined(separator: " ") + ")") }
        case .messageExpunge: write("MessageExpunge")
        case .flagChange: write("FlagChange")
        case .annotationChange: write("AnnotationChange")
        case .mailboxName: write("MailboxName")
        case .subscriptionChange: write("SubscriptionChange")
        case .mailboxMetadataChange: write("MailboxMetadataChange")
        case .serverMetadataChange: write("ServerMetadataChange")
        case .other(let name): write(name)
        }
    }
}
