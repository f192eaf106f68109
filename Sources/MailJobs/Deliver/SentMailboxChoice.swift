import IMAPCore

/// Where a sent message is filed: the mailbox the order names, else the one the server marks
/// `\Sent` (RFC 6154 SPECIAL-USE). Pure, so that the choice is tested without a server.
public enum SentMailboxChoice {
    public enum Choice: Sendable, Equatable {
        case mailbox(MailboxName)
        /// The server lists no selectable `\Sent` mailbox and none was named.
        case noSentMailbox
    }

    /// `listed`: LIST's mailboxes with their attributes, in the server's order.
    public static func choose(named: String?, listed: [(name: MailboxName, attributes: [MailboxAttribute])]) -> Choice {
        if let named { return .mailbox(MailboxName(named)) }
        // The first selectable \Sent in LIST order; several are rare (one per namespace).
        let sent = listed.first { $0.attributes.contains(.sent) && !$0.attributes.contains(.noSelect) }
        return sent.map { .mailbox($0.name) } ?? .noSentMailbox
    }
}
