import Logging

/// How a run reports and what it does besides synchronising.
public struct SyncRunOptions: Sendable {
    /// Called as messages are copied (on a terminal: the progress line).
    public var progress: (@Sendable (SyncProgress) -> Void)?
    /// Called after every change made on an endpoint or committed to the database, with a
    /// short label: the crash-safety tests kill the process from here at chosen points.
    public var checkpoint: (@Sendable (String) -> Void)?
    /// Messages such as interimap's (`local(INBOX): Added 2 UID(s)`), at `.info`; warnings at
    /// `.warning`.
    public var logger: Logger
    /// Told of each message change made on the sides it observes, once made (nil: nobody asks).
    public var changes: SyncChangeObserver?
    /// Called when a mailbox is in sync and its state committed, with its name: a side that
    /// keeps a log of its own (the store) starts copying it while the next mailbox is selected.
    public var mailboxSynced: (@Sendable (String) -> Void)?

    public init(progress: (@Sendable (SyncProgress) -> Void)? = nil, checkpoint: (@Sendable (String) -> Void)? = nil,
                logger: Logger = Logger(label: "imapworker.sync", factory: { _ in SwiftLogNoOpLogHandler() }),
                changes: SyncChangeObserver? = nil) {
        self.progress = progress
        self.checkpoint = checkpoint
        self.logger = logger
        self.changes = changes
    }
}
