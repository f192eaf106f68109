import IMAPCore

/// A mailbox as LIST reports it, with its STATUS when LIST-STATUS gave one.
public struct ListedMailbox: Sendable, Hashable {
    public var item: ListItem
    public var status: MailboxStatus?

    public var name: String { item.mailbox.name }
}

extension IMAPSession {
    /// LIST "" pattern; with LIST-STATUS (when offered and `status` is not empty) each mailbox
    /// comes with its STATUS in the same round trip.
    public func list(pattern: String = "*", subscribedOnly: Bool = false,
                     status: [StatusAttribute] = []) async throws -> [ListedMailbox] {
        var items: [ListItem] = []
        var statuses: [MailboxName: MailboxStatus] = [:]
        let useListStatus = !status.isEmpty && hasCapability("LIST-STATUS")
        let command: Command = !subscribedOnly || hasCapability("LIST-EXTENDED")
            ? .list(reference: MailboxName(""), patterns: [pattern], selectOptions: subscribedOnly ? [.subscribed] : [],
                    returnOptions: useListStatus ? [.status(status)] : [])
            : .lsub(reference: MailboxName(""), pattern: pattern)
        try await run(command, name: "LIST") { event in
            switch event {
            case .untagged(.list(let item)), .untagged(.lsub(let item)): items.append(item)
            case .untagged(.status(let name, let s)): statuses[name] = s
            default: break
            }
        }
        var listed = items.map { ListedMailbox(item: $0, status: statuses[$0.mailbox]) }
        if !status.isEmpty && !useListStatus {
            for index in listed.indices where !listed[index].item.attributes.contains(.noSelect) {
                listed[index].status = try await self.status(listed[index].name, status)
            }
        }
        return listed
    }

    /// STATUS mailbox (items).
    public func status(_ mailbox: String, _ items: [StatusAttribute]) async throws -> MailboxStatus {
        var result = MailboxStatus()
        try await run(.status(MailboxName(mailbox), items), name: "STATUS \(mailbox)") { event in
            if case .untagged(.status(_, let s)) = event { result = s }
        }
        return result
    }
}
