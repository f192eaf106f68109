import Foundation
import GRDB

/// Expunges and what they leave: tombstones, answering "what vanished since modseq M" (docs/store.md,
/// "Tombstones and their pruning rule").
extension MailStore {
    /// What changed in the mailbox since `modSeq`, the QRESYNC way: exact from the tombstones when
    /// `modSeq` is at or above the pruning point, else every UID of `known` (default: all below
    /// UIDNEXT) that no longer exists (see `MailboxChanges`). Changed messages are always exact:
    /// each one carries the modseq of its last change. Messages whose modseq is one of
    /// `excludingModSeqs` (the caller's own transactions) are left out of `changed` without
    /// being read: a bodies row is a whole page away from its message's row.
    public func changes(mailboxID: Int64, since modSeq: Int64, known: [ClosedRange<UInt32>]? = nil,
                        excludingModSeqs: Set<Int64> = []) async throws(MailStoreError) -> MailboxChanges {
        let excluded = excludingModSeqs.filter { $0 > modSeq }.sorted()
        return try await asyncRead { db in
            guard let mailbox = try Row.fetchOne(db, sql: """
                SELECT uidnext, highestmodseq, tombstones_pruned_modseq FROM mailboxes WHERE id = ?
                """, arguments: [mailboxID]) else { throw MailStoreError.notFound("mailbox \(mailboxID)") }
            let uidNext: Int64 = try mailbox.decode(atIndex: 0)
            let highest: Int64 = try mailbox.decode(atIndex: 1)
            let pruned: Int64 = try mailbox.decode(atIndex: 2)
            // The modseq index answers the exclusion: excluded messages' rows are not looked up.
            let changed = excluded.isEmpty
                ? try MessageRecord.fetchAll(db, where: "m.mailbox_id = ? AND m.modseq > ?", [mailboxID, modSeq])
                : try MessageRecord.fetchAll(db, where: "m.mailbox_id = ? AND m.modseq > ? AND m.modseq NOT IN (SELECT value FROM json_each(?))",
                                             [mailboxID, modSeq, Self.jsonArray(excluded)])
            let exact = modSeq >= pruned
            var vanished: [UInt32] = []
            if exact {
                vanished = try Int64.fetchAll(db, sql: "SELECT uid FROM tombstones WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                                              arguments: [mailboxID, modSeq]).compactMap { UInt32(exactly: $0) }
                return MailboxChanges(vanished: UIDRanges.compress(vanished), changed: changed, highestModSeq: highest, exact: true)
            }
            // Older than the pruning point: every known UID that is gone, whenever it went.
            guard uidNext > 1 else { return MailboxChanges(vanished: [], changed: changed, highestModSeq: highest, exact: false) }
            let top = UInt32(truncatingIfNeeded: uidNext - 1)
            var gone: [ClosedRange<UInt32>] = []
            for range in known ?? [1...top] where range.lowerBound <= top {
                let range = range.lowerBound...min(range.upperBound, top)
                let present = try Int64.fetchAll(db, sql: """
                    SELECT uid FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
                    """, arguments: [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)])
                gone += UIDRanges.complement(of: present.compactMap { UInt32(exactly: $0) }, in: range)
            }
            return MailboxChanges(vanished: gone, changed: changed, highestModSeq: highest, exact: false)
        }
    }

    /// Removes the existing messages among `uids` for good, leaving a tombstone (UID, modseq) for
    /// each; bodies no other message holds are freed. Prunes the mailbox's expired tombstones
    /// (`Options.tombstoneRetention`) in the same transaction.
    public func expunge(mailboxID: Int64, uids: [ClosedRange<UInt32>]) async throws(MailStoreError) -> ExpungeOutcome {
        let retention = options.tombstoneRetention
        let outcome = try await asyncWrite { db in
            var expunged: [UInt32] = []
            for range in uids {
                expunged += try Int64.fetchAll(db, sql: """
                    SELECT uid FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
                    """, arguments: [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)])
                    .compactMap { UInt32(exactly: $0) }
            }
            guard !expunged.isEmpty else { return ExpungeOutcome(modSeq: nil, expunged: []) }
            let modSeq = try Self.nextModSeq(db, mailboxID: mailboxID)
            try Self.removeLeavingTombstones(db, mailboxID: mailboxID, uids: expunged, modSeq: modSeq)
            try Self.pruneTombstones(db, mailboxID: mailboxID, before: Date().timeIntervalSince1970 - retention)
            return ExpungeOutcome(modSeq: modSeq, expunged: expunged)
        }
        if !outcome.expunged.isEmpty { scheduleBodyFreeing() }
        return outcome
    }

    /// Prunes, in every mailbox, the tombstones expunged before `date` (see `Options.tombstoneRetention`).
    /// Returns how many went.
    @discardableResult
    public func pruneTombstones(expungedBefore date: Date) async throws(MailStoreError) -> Int {
        try await asyncWrite { db in
            var pruned = 0
            for id in try Int64.fetchAll(db, sql: "SELECT DISTINCT mailbox_id FROM tombstones") {
                pruned += try Self.pruneTombstones(db, mailboxID: id, before: date.timeIntervalSince1970)
            }
            return pruned
        }
    }

    /// The mailbox's tombstone pruning point: `changes(since:)` is exact at or above it.
    public func tombstonePruningPoint(mailboxID: Int64) async throws(MailStoreError) -> Int64 {
        try await asyncRead { db in
            try Int64.fetchOne(db, sql: "SELECT tombstones_pruned_modseq FROM mailboxes WHERE id = ?", arguments: [mailboxID]) ?? 0
        }
    }

    // MARK: - Inside a transaction


    static func removeLeavingTombstones(_ db: Database, mailboxID: Int64, uids: [UInt32], modSeq: Int64) throws {
        // One statement for all: a statement that fires a trigger keeps a journal of the pages it
        // changes (32 KiB each), so per message that was each page again for every message. The
        // trigger only queues bodies left without a message; they are freed after the commit.
        try db.execute(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))",
                       arguments: [mailboxID, Self.jsonArray(uids)])
        try writeTombstones(db, mailboxID: mailboxID, uids: uids, modSeq: modSeq)
    }

    static func writeTombstones(_ db: Database, mailboxID: Int64, uids: [UInt32], modSeq: Int64) throws {
        let now = Date().timeIntervalSince1970
        let insert = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO tombstones (mailbox_id, uid, modseq, expunged_at) VALUES (?, ?, ?, ?)
            """)
        for uid in uids { try insert.execute(arguments: [mailboxID, Int64(uid), modSeq, now]) }
    }

    /// The pruning rule: tombstones expunged before `cutoff` go, together with every tombstone of
    /// a modseq at or below the highest pruned one, and the mailbox's pruning point rises to that
    /// modseq. So every tombstone above the point is kept, and a peer at or above it gets exact
    /// answers; an older one gets the full comparison (`changes(since:)`).
    @discardableResult
    static func pruneTombstones(_ db: Database, mailboxID: Int64, before cutoff: TimeInterval) throws -> Int {
        // The oldest tombstone first: usually still young, and then nothing is scanned.
        guard let oldest = try Double.fetchOne(db, sql: """
            SELECT expunged_at FROM tombstones WHERE mailbox_id = ? ORDER BY modseq LIMIT 1
            """, arguments: [mailboxID]), oldest <= cutoff else { return 0 }
        guard let point = try Int64.fetchOne(db, sql: """
            SELECT MAX(modseq) FROM tombstones WHERE mailbox_id = ? AND expunged_at <= ?
            """, arguments: [mailboxID, cutoff]) else { return 0 }
        try db.execute(sql: "DELETE FROM tombstones WHERE mailbox_id = ? AND modseq <= ?", arguments: [mailboxID, point])
        let pruned = db.changesCount
        try db.execute(sql: """
            UPDATE mailboxes SET tombstones_pruned_modseq = MAX(tombstones_pruned_modseq, ?) WHERE id = ?
            """, arguments: [point, mailboxID])
        return pruned
    }
}
