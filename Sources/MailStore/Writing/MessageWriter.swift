import Synchronization

/// Buffers fetched messages and stores them in batches, one transaction per batch: after a crash
/// (even SIGKILL) every committed batch is there and no part of an uncommitted one.
/// Memory is bounded by `maxBatchBytes` plus one message. Calls are serialised by a lock, so the
/// writer may be handed to a thread pool; it is meant for one fetch at a time.
/// Dropping a writer without `flush()` discards the messages it still buffers.
public final class MessageWriter: Sendable {
    public let maxBatchBytes: Int
    public let maxBatchCount: Int

    private struct State {
        var pending: [PendingMessage] = []
        var pendingBytes = 0
        var inserted = 0
        var skipped = 0
        var committedBatches = 0
    }

    private let store: MailStore
    private let state = Mutex(State())

    init(store: MailStore, maxBatchBytes: Int, maxBatchCount: Int) {
        self.store = store
        self.maxBatchBytes = max(1, maxBatchBytes)
        self.maxBatchCount = max(1, maxBatchCount)
    }

    /// Messages really inserted by the committed batches.
    public var inserted: Int { state.withLock { $0.inserted } }
    /// Messages of committed batches that were already stored (same origin): not inserted again.
    public var skipped: Int { state.withLock { $0.skipped } }
    public var committedBatches: Int { state.withLock { $0.committedBatches } }
    /// Messages waiting for the next commit.
    public var pendingCount: Int { state.withLock { $0.pending.count } }
    /// Bytes (raw message sizes) waiting for the next commit.
    public var pendingBytes: Int { state.withLock { $0.pendingBytes } }

    /// Buffers the message (hashing it now, outside the write transaction) and commits the batch when
    /// it reaches `maxBatchCount` messages or `maxBatchBytes` bytes. Returns true when this call
    /// committed a batch. On error the whole pending batch is discarded: nothing of it was stored.
    @discardableResult
    public func add(_ message: IncomingMessage) throws(MailStoreError) -> Bool {
        let item = PendingMessage(message)
        return try state.withLock { (state) throws(MailStoreError) -> Bool in
            state.pending.append(item)
            state.pendingBytes = state.pendingBytes.addingClamped(message.body.count)
            guard state.pending.count >= maxBatchCount || state.pendingBytes >= maxBatchBytes else { return false }
            try commitPending(&state)
            return true
        }
    }

    /// Commits the pending messages, if any, in one transaction.
    public func flush() throws(MailStoreError) {
        try state.withLock { (state) throws(MailStoreError) in try commitPending(&state) }
    }

    private func commitPending(_ state: inout State) throws(MailStoreError) {
        guard !state.pending.isEmpty else { return }
        let batch = state.pending
        state.pending = []
        state.pendingBytes = 0
        let result = try store.insertBatch(batch)
        state.inserted += result.inserted
        state.skipped += result.skipped
        state.committedBatches += 1
    }
}

extension MailStore {
    /// A batching writer (see `MessageWriter`); the fetcher uses `makeIngest` instead.
    public func makeWriter(maxBatchBytes: Int = 8 << 20, maxBatchCount: Int = 500) -> MessageWriter {
        MessageWriter(store: self, maxBatchBytes: maxBatchBytes, maxBatchCount: maxBatchCount)
    }

    /// Inserts a batch in one transaction (see `BatchInsertion`).
    func insertBatch(_ batch: [PendingMessage]) throws(MailStoreError) -> (inserted: Int, skipped: Int) {
        let result = try write { db in
            var insertion = try BatchInsertion(db)
            for item in batch { try insertion.insert(item) }
            try insertion.finish()
            return (insertion.inserted, insertion.skipped)
        }
        logger.debug("batch stored", metadata: ["inserted": "\(result.0)", "skipped": "\(result.1)"])
        return result
    }
}
