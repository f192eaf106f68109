import MailStore
import NIOPosix

/// Collects fetched messages into batches and commits each batch in one transaction on NIO's
/// blocking thread pool (SQLite I/O never runs on the cooperative pool). One batch commits while
/// the next one is being downloaded; never more, so memory stays bounded by two batches.
final class BatchCommitter {
    private let store: MailStore
    private let maxMessages: Int
    private let maxBytes: Int
    private var batch: [IncomingMessage] = []
    private var batchBytes = 0
    private var inFlight: Task<Int, any Error>?
    private(set) var inserted = 0

    init(store: MailStore, maxMessages: Int, maxBytes: Int) {
        self.store = store
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    func add(_ message: IncomingMessage) async throws {
        batchBytes += message.raw.count
        batch.append(message)
        if batch.count >= maxMessages || batchBytes >= maxBytes { try await commitBatch() }
    }

    /// Commits what is left and waits for every commit; returns how many messages were inserted.
    func finish() async throws -> Int {
        try await commitBatch()
        try await waitForCommit()
        return inserted
    }

    private func commitBatch() async throws {
        try await waitForCommit()
        guard !batch.isEmpty else { return }
        let messages = batch
        let store = self.store
        batch = []
        batchBytes = 0
        inFlight = Task {
            try await NIOThreadPool.singleton.runIfActive {
                let writer = store.makeWriter(maxBatchBytes: Int.max, maxBatchCount: Int.max)
                for message in messages { _ = try writer.add(message) }
                try writer.flush()
                return writer.inserted
            }
        }
    }

    private func waitForCommit() async throws {
        guard let task = inFlight else { return }
        inFlight = nil
        inserted += try await task.value
    }
}
