/// Where a mailbox's replication stands, reported as messages are streamed across.
public struct SyncProgress: Hashable, Sendable {
    public var mailbox: String
    /// Messages copied so far in this mailbox (both directions) and how many this pass plans.
    public var messagesCopied: Int
    public var messagesTotal: Int
    public var bytesCopied: Int
    public var bytesTotal: Int

    public init(mailbox: String, messagesCopied: Int, messagesTotal: Int, bytesCopied: Int, bytesTotal: Int) {
        self.mailbox = mailbox
        self.messagesCopied = messagesCopied
        self.messagesTotal = messagesTotal
        self.bytesCopied = bytesCopied
        self.bytesTotal = bytesTotal
    }
}
