import Foundation
import GRDB
import OpenSSLKit

/// Buffers fetched messages and stores them in batches, one transaction per batch: after a crash
/// (even SIGKILL) every committed batch is there and no part of an uncommitted one.
/// Memory is bounded by `maxBatchBytes` plus one message. Calls are serialised by a lock, so the
/// writer may be handed to a thread pool; it is meant for one fetch at a time.
/// Dropping a writer without `flush()` discards the messages it still buffers.
public final class MessageWriter: @unchecked Sendable {
    // @unchecked: every access to `state` holds `lock` (Mutex needs macOS 15, the package supports 14).
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
    private let lock = NSLock()
    private var state = State()

    init(store: MailStore, maxBatchBytes: Int, maxBatchCount: Int) {
        self.store = store
        self.maxBatchBytes = max(1, maxBatchBytes)
        self.maxBatchCount = max(1, maxBatchCount)
    }

    /// Messages really inserted by the committed batches.
    public var inserted: Int { lock.withLock { state.inserted } }
    /// Messages of committed batches that were already stored (same origin): not inserted again.
    public var skipped: Int { lock.withLock { state.skipped } }
    public var committedBatches: Int { lock.withLock { state.committedBatches } }
    /// Messages waiting for the next commit.
    public var pendingCount: Int { lock.withLock { state.pending.count } }
    /// Bytes (raw message sizes) waiting for the next commit.
    public var pendingBytes: Int { lock.withLock { state.pendingBytes } }

    /// Buffers the message (hashing it now, outside the write transaction) and commits the batch when
    /// it reaches `maxBatchCount` messages or `maxBatchBytes` bytes. Returns true when this call
    /// committed a batch. On error the whole pending batch is discarded: nothing of it was stored.
    @discardableResult
    public func add(_ message: IncomingMessage) throws(MailStoreError) -> Bool {
        let item = PendingMessage(message)
        lock.lock()
        defer { lock.unlock() }
        state.pending.append(item)
        state.pendingBytes += message.raw.count
        guard state.pending.count >= maxBatchCount || state.pendingBytes >= maxBatchBytes else { return false }
        try commitPending()
        return true
    }

    /// Commits the pending messages, if any, in one transaction.
    public func flush() throws(MailStoreError) {
        lock.lock()
        defer { lock.unlock() }
        try commitPending()
    }

    /// Called with `lock` held.
    private func commitPending() throws(MailStoreError) {
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

/// A message with the values computed before the transaction.
struct PendingMessage: Sendable {
    let message: IncomingMessage
    let sha256: String
    let flags: String

    init(_ message: IncomingMessage) {
        self.message = message
        sha256 = SHA256.hexDigest(message.raw)
        flags = MessageFlags.encode(message.flags)
    }
}

extension MailStore {
    /// A batching writer for the fetcher (see `MessageWriter`).
    public func makeWriter(maxBatchBytes: Int = 8 << 20, maxBatchCount: Int = 500) -> MessageWriter {
        MessageWriter(store: self, maxBatchBytes: maxBatchBytes, maxBatchCount: maxBatchCount)
    }

    /// Inserts a batch in one transaction. Each new message gets its mailbox's UIDNEXT as UID and the
    /// batch's modseq (the mailbox's HIGHESTMODSEQ + 1); a message whose origin is already stored for
    /// the mailbox's user is skipped and consumes no UID.
    func insertBatch(_ batch: [PendingMessage]) throws(MailStoreError) -> (inserted: Int, skipped: Int) {
        let fetchedAt = Date().timeIntervalSince1970
        let result = try write { db in
            var mailboxes: [Int64: MailboxCounters] = [:]
            let insert = try db.cachedStatement(sql: """
                INSERT INTO messages (mailbox_id, user_id, uid, flags, modseq, internal_date, internal_date_offset,
                    size, raw, sha256, origin_account, origin_identity, origin_mailbox, origin_uidvalidity, origin_uid,
                    fetched_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """)
            var inserted = 0
            for item in batch {
                let message = item.message
                var counters: MailboxCounters
                if let known = mailboxes[message.mailboxID] {
                    counters = known
                } else {
                    counters = try MailboxCounters.load(db, mailboxID: message.mailboxID)
                }
                guard counters.uidNext < Int64(UInt32.max) else {
                    throw MailStoreError.io("mailbox \(message.mailboxID) has used every UID")
                }
                let origin = message.origin
                try insert.execute(arguments: [
                    message.mailboxID, counters.userID, counters.uidNext, item.flags, counters.highestModSeq + 1,
                    message.internalDate.epoch, message.internalDate.utcOffsetMinutes, message.raw.count,
                    Data(message.raw), item.sha256, origin.account, origin.identityID?.uuidString, origin.mailbox,
                    Int64(origin.uidValidity), Int64(origin.uid), fetchedAt,
                ])
                if db.changesCount > 0 {
                    counters.uidNext += 1
                    counters.changed = true
                    inserted += 1
                }
                mailboxes[message.mailboxID] = counters
            }
            let update = try db.cachedStatement(sql: "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?")
            for (id, counters) in mailboxes where counters.changed {
                try update.execute(arguments: [counters.uidNext, counters.highestModSeq + 1, id])
            }
            return (inserted, batch.count - inserted)
        }
        logger.debug("batch stored", metadata: ["inserted": "\(result.0)", "skipped": "\(result.1)"])
        return result
    }
}

/// A mailbox's counters while a batch is written.
private struct MailboxCounters {
    let userID: String
    var uidNext: Int64
    let highestModSeq: Int64
    var changed = false

    static func load(_ db: Database, mailboxID: Int64) throws -> MailboxCounters {
        let statement = try db.cachedStatement(sql: "SELECT user_id, uidnext, highestmodseq FROM mailboxes WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [mailboxID]) else {
            throw MailStoreError.notFound("mailbox \(mailboxID)")
        }
        return MailboxCounters(userID: try row.decode(atIndex: 0), uidNext: try row.decode(atIndex: 1),
                               highestModSeq: try row.decode(atIndex: 2))
    }
}
