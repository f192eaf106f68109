import IMAPCore

extension IMAPSession {
    public func create(_ mailbox: String) async throws {
        try await run(.create(MailboxName(mailbox)), name: "CREATE \(mailbox)")
    }

    public func delete(_ mailbox: String) async throws {
        try await run(.delete(MailboxName(mailbox)), name: "DELETE \(mailbox)")
    }

    public func rename(_ mailbox: String, to newName: String) async throws {
        try await run(.rename(from: MailboxName(mailbox), to: MailboxName(newName)), name: "RENAME \(mailbox)")
    }

    public func subscribe(_ mailbox: String) async throws {
        try await run(.subscribe(MailboxName(mailbox)), name: "SUBSCRIBE \(mailbox)")
    }

    public func unsubscribe(_ mailbox: String) async throws {
        try await run(.unsubscribe(MailboxName(mailbox)), name: "UNSUBSCRIBE \(mailbox)")
    }

    public func noop() async throws {
        try await run(.noop, name: "NOOP")
    }
}
