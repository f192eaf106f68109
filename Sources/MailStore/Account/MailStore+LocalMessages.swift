import Foundation
import GRDB

/// The messages of a local account as an IMAP server keeps them: flags and a modseq bumped by every
/// change, expunges leaving tombstones, appends and moves in one transaction each. Every call is
/// one transaction on GRDB's queues (see `asyncRead` / `asyncWrite`). UID sets are ascending ranges.
extension MailStore {
    /// The existing messages among `uids` (all of them for nil), in UID order.
    public func messageRecords(mailboxID: Int64, uids: [ClosedRange<UInt32>]? = nil) async throws(MailStoreError) -> [MessageRecord] {
        try await asyncRead { db in
            var out: [MessageRecord] = []
            for range in uids ?? [1...UInt32.max] {
                out += try MessageRecord.fetchAll(db, where: "m.mailbox_id = ? AND m.uid BETWEEN ? AND ?",
                                                  [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)])
            }
            return out
        }
    }

    /// What changed in the mailbox since `modSeq`, the QRESYNC way: exact from the tombstones when
    /// `modSeq` is at or above the pruning point, else every UID of `known` (default: all below
    /// UIDNEXT) that no longer exists (see `MailboxChanges`). Changed messages are always exact:
    /// each one carries the modseq of its last change.
    public func changes(mailboxID: Int64, since modSeq: Int64,
                        known: [ClosedRange<UInt32>]? = nil) async throws(MailStoreError) -> MailboxChanges {
        try await asyncRead { db in
            guard let mailbox = try Row.fetchOne(db, sql: """
                SELECT uidnext, highestmodseq, tombstones_pruned_modseq FROM mailboxes WHERE id = ?
                """, arguments: [mailboxID]) else { throw MailStoreError.notFound("mailbox \(mailboxID)") }
            let uidNext: Int64 = try mailbox.decode(atIndex: 0)
            let highest: Int64 = try mailbox.decode(atIndex: 1)
            let pruned: Int64 = try mailbox.decode(atIndex: 2)
            let changed = try MessageRecord.fetchAll(db, where: "m.mailbox_id = ? AND m.modseq > ?", [mailboxID, modSeq])
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

    /// Changes the flags of the existing messages among `uids` in one transaction. With
    /// `unchangedSince`, a message whose modseq is above it is left alone and reported `modified`
    /// (RFC 7162). Every message whose flags really change gets the transaction's new modseq.
    public func storeFlags(mailboxID: Int64, uids: [ClosedRange<UInt32>], _ operation: FlagOperation, _ flags: [String],
                           unchangedSince: Int64? = nil) async throws(MailStoreError) -> FlagStoreOutcome {
        let given = MessageFlags.normalised(flags)
        let givenKeys = Set(given.map { $0.lowercased() })
        return try await asyncWrite { db in
            var modSeq: Int64?
            var changed: [UInt32] = []
            var modified: [UInt32] = []
            let update = try db.cachedStatement(sql: "UPDATE messages SET flags = ?, modseq = ? WHERE id = ?")
            for range in uids {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT id, uid, flags, modseq FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
                    """, arguments: [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)])
                for row in rows {
                    let uid = UInt32(truncatingIfNeeded: try row.decode(Int64.self, atIndex: 1))
                    let current = MessageFlags.decode(try row.decode(atIndex: 2))
                    if let unchangedSince, try row.decode(Int64.self, atIndex: 3) > unchangedSince {
                        modified.append(uid)
                        continue
                    }
                    let next: [String] = switch operation {
                    case .replace: given
                    case .add: MessageFlags.normalised(current + given)
                    case .remove: current.filter { !givenKeys.contains($0.lowercased()) }
                    }
                    guard next != current else { continue }
                    let value = try modSeq ?? Self.nextModSeq(db, mailboxID: mailboxID)
                    modSeq = value
                    try update.execute(arguments: [next.joined(separator: " "), value, try row.decode(Int64.self, atIndex: 0)])
                    changed.append(uid)
                }
            }
            return FlagStoreOutcome(modSeq: modSeq, changed: changed, modified: modified)
        }
    }

    /// Removes the existing messages among `uids` for good, leaving a tombstone (UID, modseq) for
    /// each; bodies no other message holds are freed. Prunes the mailbox's expired tombstones
    /// (`Options.tombstoneRetention`) in the same transaction.
    public func expunge(mailboxID: Int64, uids: [ClosedRange<UInt32>]) async throws(MailStoreError) -> ExpungeOutcome {
        let retention = options.tombstoneRetention
        return try await asyncWrite { db in
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
    }

    /// Appends the messages to the mailbox in one transaction: increasing UIDs from UIDNEXT, one
    /// new modseq, bodies shared with the user's identical messages. Flags are normalised
    /// (`\Recent` never kept).
    public func append(mailboxID: Int64, _ messages: [AppendedMessage]) async throws(MailStoreError) -> AppendOutcome {
        // Hashed here, before the write lock is taken.
        let pending = messages.map {
            PendingMessage(IncomingMessage(mailboxID: mailboxID, origin: nil, flags: $0.flags,
                                           internalDate: (epoch: $0.internalDate, utcOffsetMinutes: $0.internalDateOffset),
                                           body: $0.body))
        }
        return try await asyncWrite { db in
            guard let validity = try Int64.fetchOne(db, sql: "SELECT uidvalidity FROM mailboxes WHERE id = ?",
                                                    arguments: [mailboxID]) else {
                throw MailStoreError.notFound("mailbox \(mailboxID)")
            }
            var insertion = try BatchInsertion(db)
            var uids: [UInt32] = []
            for item in pending {
                guard let uid = try insertion.insert(item) else { throw MailStoreError.io("appended message not inserted") }
                uids.append(uid)
            }
            let modSeqs = try insertion.finish()
            return AppendOutcome(uidValidity: UInt32(truncatingIfNeeded: validity), uids: uids, modSeq: modSeqs[mailboxID])
        }
    }

    /// Moves the existing messages among `uids` to another mailbox of the same user in one
    /// transaction: each gets the destination's next UID and new modseq, keeps its flags, date and
    /// body, and leaves a tombstone in the source.
    public func move(mailboxID: Int64, uids: [ClosedRange<UInt32>], to destinationID: Int64) async throws(MailStoreError) -> MoveOutcome {
        try await asyncWrite { db in
            let mailboxes = try Row.fetchAll(db, sql: "SELECT id, user_id, uidvalidity, uidnext FROM mailboxes WHERE id IN (?, ?)",
                                             arguments: [mailboxID, destinationID])
            guard let source = mailboxes.first(where: { $0[0] as Int64 == mailboxID }) else {
                throw MailStoreError.notFound("mailbox \(mailboxID)")
            }
            guard let destination = mailboxes.first(where: { $0[0] as Int64 == destinationID }) else {
                throw MailStoreError.notFound("mailbox \(destinationID)")
            }
            guard mailboxID != destinationID else { throw MailStoreError.invalidArgument("move into the same mailbox") }
            guard (source[1] as String) == (destination[1] as String) else {
                throw MailStoreError.invalidArgument("move between two users' mailboxes")
            }
            let validity = UInt32(truncatingIfNeeded: destination[2] as Int64)
            var next: Int64 = destination[3]
            var moved: [(id: Int64, uid: UInt32)] = []
            for range in uids {
                for row in try Row.fetchAll(db, sql: """
                    SELECT id, uid FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid
                    """, arguments: [mailboxID, Int64(range.lowerBound), Int64(range.upperBound)]) {
                    moved.append((row[0], UInt32(truncatingIfNeeded: row[1] as Int64)))
                }
            }
            guard !moved.isEmpty else {
                return MoveOutcome(destinationUIDValidity: validity, sourceUIDs: [], destinationUIDs: [],
                                   sourceModSeq: nil, destinationModSeq: nil)
            }
            guard next + Int64(moved.count) <= Int64(UInt32.max) else {
                throw MailStoreError.io("mailbox \(destinationID) has used every UID")
            }
            let sourceModSeq = try Self.nextModSeq(db, mailboxID: mailboxID)
            let destinationModSeq = try Self.nextModSeq(db, mailboxID: destinationID)
            var destinationUIDs: [UInt32] = []
            let update = try db.cachedStatement(sql: "UPDATE messages SET mailbox_id = ?, uid = ?, modseq = ? WHERE id = ?")
            // The row itself moves: its body reference never drops to zero on the way.
            for message in moved {
                try update.execute(arguments: [destinationID, next, destinationModSeq, message.id])
                destinationUIDs.append(UInt32(truncatingIfNeeded: next))
                next += 1
            }
            try db.execute(sql: "UPDATE mailboxes SET uidnext = ? WHERE id = ?", arguments: [next, destinationID])
            try Self.writeTombstones(db, mailboxID: mailboxID, uids: moved.map(\.uid), modSeq: sourceModSeq)
            return MoveOutcome(destinationUIDValidity: validity, sourceUIDs: moved.map(\.uid), destinationUIDs: destinationUIDs,
                               sourceModSeq: sourceModSeq, destinationModSeq: destinationModSeq)
        }
    }

    /// Up to `length` bytes of a body from `offset` (fewer at its end), read with blob I/O; nil when
    /// the body is gone (its last message was expunged). Body rows never change and their ids are
    /// never reused, so successive reads of one id are parts of one body.
    public func readBody(id: Int64, offset: Int, length: Int) async throws(MailStoreError) -> [UInt8]? {
        try await asyncRead { db in try BodyBlob.read(db, id: id, offset: offset, length: length) }
    }

    /// The Message-ID and Subject of a stored body, from its header (read up to 64 KiB).
    public func headerFields(bodyID: Int64) async throws(MailStoreError) -> MessageHeaderFields {
        let prefix = try await readBody(id: bodyID, offset: 0, length: 64 << 10) ?? []
        return MessageHeaderFields(parsing: prefix)
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

    /// Raises the mailbox's HIGHESTMODSEQ by one and returns it: the modseq of this transaction's changes.
    static func nextModSeq(_ db: Database, mailboxID: Int64) throws -> Int64 {
        try db.execute(sql: "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ?", arguments: [mailboxID])
        guard let value = try Int64.fetchOne(db, sql: "SELECT highestmodseq FROM mailboxes WHERE id = ?", arguments: [mailboxID]) else {
            throw MailStoreError.notFound("mailbox \(mailboxID)")
        }
        return value
    }

    static func removeLeavingTombstones(_ db: Database, mailboxID: Int64, uids: [UInt32], modSeq: Int64) throws {
        let delete = try db.cachedStatement(sql: "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?")
        for uid in uids { try delete.execute(arguments: [mailboxID, Int64(uid)]) }
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

extension MessageRecord {
    static func fetchAll(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [MessageRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT m.uid, m.flags, m.modseq, m.size, m.internal_date, m.internal_date_offset, b.sha256, m.body_id
            FROM messages m JOIN bodies b ON b.id = m.body_id WHERE \(condition) ORDER BY m.uid
            """), arguments: arguments).map { row in
            let uid: Int64 = row[0]
            guard let uid = UInt32(exactly: uid) else { throw corruptRow("message UID \(uid)") }
            return MessageRecord(uid: uid, flags: MessageFlags.decode(row[1]), modSeq: row[2], size: row[3],
                                 internalDate: row[4], internalDateOffset: row[5], sha256: row[6], bodyID: row[7])
        }
    }
}

/// Ascending UID lists as ranges.
enum UIDRanges {
    static func compress(_ sorted: [UInt32]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        for uid in sorted {
            if let last = out.last, last.upperBound != .max, last.upperBound + 1 == uid {
                out[out.count - 1] = last.lowerBound...uid
            } else if out.last?.contains(uid) != true {
                out.append(uid...uid)
            }
        }
        return out
    }

    /// The parts of `range` not in `present` (ascending, inside `range`).
    static func complement(of present: [UInt32], in range: ClosedRange<UInt32>) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next = UInt64(range.lowerBound)
        for uid in present where UInt64(uid) >= next {
            if UInt64(uid) > next { out.append(UInt32(next)...(uid - 1)) }
            next = UInt64(uid) + 1
        }
        if next <= UInt64(range.upperBound) { out.append(UInt32(next)...range.upperBound) }
        return out
    }
}

extension MailStore {
    /// Messages and distinct bodies of the user (content addressing's saving is `messageBytes - bodyBytes`).
    public func statistics(userID: String) async throws(MailStoreError) -> AccountStatistics {
        try await asyncRead { db in
            let messages = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM messages WHERE user_id = ?",
                                            arguments: [userID])
            let bodies = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM bodies WHERE user_id = ?",
                                          arguments: [userID])
            return AccountStatistics(messages: messages?[0] ?? 0, bodies: bodies?[0] ?? 0,
                                     bodyBytes: bodies?[1] ?? 0, messageBytes: messages?[1] ?? 0)
        }
    }
}
