import Synchronization

/// One mailbox's copy counters, updated from the append's stream as messages go across.
final class CopyProgress: Sendable {
    private struct Counters {
        var copied = 0, total = 0, bytes = 0, totalBytes = 0
    }

    private let mailbox: String
    private let report: (@Sendable (SyncProgress) -> Void)?
    private let counters = Mutex(Counters())

    init(mailbox: String, report: (@Sendable (SyncProgress) -> Void)?) {
        self.mailbox = mailbox
        self.report = report
    }

    /// More messages planned (each listing pass adds what it will copy).
    func plan(messages: Int, bytes: Int) {
        counters.withLock {
            $0.total += messages
            $0.totalBytes += bytes
        }
    }

    func messageStarted(bytes: Int) {
        let now = counters.withLock { c -> Counters in
            c.copied += 1
            c.bytes += bytes
            c.total = max(c.total, c.copied)
            c.totalBytes = max(c.totalBytes, c.bytes)
            return c
        }
        report?(SyncProgress(mailbox: mailbox, messagesCopied: now.copied, messagesTotal: now.total,
                             bytesCopied: now.bytes, bytesTotal: now.totalBytes))
    }
}
