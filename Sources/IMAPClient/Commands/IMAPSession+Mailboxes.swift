import IMAPCore

extension IMAPSession {
    public func create(_ mailbox: MailboxName) -> Pending<Void> { submit(.create(mailbox), name: "CREATE \(mailbox)") }

    public func delete(_ mailbox: MailboxName) -> Pending<Void> { submit(.delete(mailbox), name: "DELETE \(mailbox)") }

    public func rename(_ mailbox: MailboxName, to newName: MailboxName) -> Pending<Void> {
        submit(.rename(from: mailbox, to: newName), name: "RENAME \(mailbox)")
    }

    public func subscribe(_ mailbox: MailboxName) -> Pending<Void> { submit(.subscribe(mailbox), name: "SUBSCRIBE \(mailbox)") }

    public func unsubscribe(_ mailbox: MailboxName) -> Pending<Void> {
        submit(.unsubscribe(mailbox), name: "UNSUBSCRIBE \(mailbox)")
    }

    /// STATUS mailbox (items).
    public func status(_ mailbox: MailboxName, _ items: [StatusAttribute]) -> Pending<MailboxStatus> {
        submit(.status(mailbox, items), role: .status(mailbox)) { outcome in
            _ = try outcome.checked("STATUS \(mailbox)")
            for case .status(_, let status) in outcome.data { return status }
            return MailboxStatus()
        }
    }
}
