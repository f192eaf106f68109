/// What a job did, in completion and failure events.
public struct JobStats: Sendable, Equatable, Codable {
    public var mailboxes = 0
    public var messagesFetched = 0
    /// Messages newly stored (appended to the local account).
    public var messagesAppended = 0
    public var messagesMoved = 0
    public var flagsUpdated = 0
    public var expunged = 0
    public var bytes = 0

    public init() {}

    public static func += (lhs: inout JobStats, rhs: JobStats) {
        lhs.mailboxes += rhs.mailboxes
        lhs.messagesFetched += rhs.messagesFetched
        lhs.messagesAppended += rhs.messagesAppended
        lhs.messagesMoved += rhs.messagesMoved
        lhs.flagsUpdated += rhs.flagsUpdated
        lhs.expunged += rhs.expunged
        lhs.bytes += rhs.bytes
    }

    enum CodingKeys: String, CodingKey {
        case mailboxes, messagesFetched = "messages_fetched", messagesAppended = "messages_appended"
        case messagesMoved = "messages_moved", flagsUpdated = "flags_updated", expunged, bytes
    }
}

/// Where a running job is, in `progress` events and status snapshots.
public struct JobProgress: Sendable, Equatable, Codable {
    public var mailbox: String
    public var messagesDone: Int
    public var messagesTotal: Int
    public var bytesDone: Int
    public var bytesTotal: Int

    public init(mailbox: String, messagesDone: Int, messagesTotal: Int, bytesDone: Int, bytesTotal: Int) {
        self.mailbox = mailbox
        self.messagesDone = messagesDone
        self.messagesTotal = messagesTotal
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
    }

    enum CodingKeys: String, CodingKey {
        case mailbox, messagesDone = "messages_done", messagesTotal = "messages_total"
        case bytesDone = "bytes_done", bytesTotal = "bytes_total"
    }
}
