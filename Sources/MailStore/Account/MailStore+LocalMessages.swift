import Foundation
import GRDB

/// The messages of a local account as an IMAP server keeps them: a modseq bumped by every change,
/// appends and moves in one transaction each (flags: `MailStore+FlagStore`, expunges:
/// `MailStore+Tombstones`). Every call is one transaction on GRDB's queues (see `asyncRead` /
/// `asyncWrite`). UID sets are ascending ranges.
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

    /// Appends the messages to the mailbox in one transaction: increasing UIDs from UIDNEXT, one
    /// new modseq, bodies shared with the user's identical messages. Flags are normalised
    /// (`\Recent` never kept).
    public func append(mailboxID: Int64, _ messages: [AppendedMessage]) async throws(MailStoreError) -> AppendOutcome {
        // Hashed here, before the write lock is taken.
        let pending = messages.map { PendingMessage($0.incoming(into: mailboxID)) }
        return try await asyncWrite { db in
            var insertion = try LocalAppendInsertion(db, mailboxID: mailboxID)
            for item in pending { try insertion.insert(item) }
            return try insertion.finish()
        }
    }

    /// Moves the existing messages among `uids` to another mailbox of the same user in one
    /// transaction: each gets the destination's next UID and new modseq, keeps its flags, date and
    /// body, and leaves a tombstone in the source.
    public func move(mailboxID: Int64, uids: [ClosedRange<UInt32>], to destinationID: Int64) async throws(MailStoreError) -> MoveOutcome {
        try await asyncWrite { db in try Self.moveMessages(db, mailboxID: mailboxID, uids: uids, to: destinationID) }
    }

    /// Up to `length` bytes of a body from `offset` (fewer at its end), read with blob I/O; nil when
    /// the body is gone (its last message was expunged). Body rows never change and their ids are
    /// never reused, so successive reads of one id are parts of one body.
    public func readBody(id: Int64, offset: Int, length: Int) async throws(MailStoreError) -> [UInt8]? {
        try await asyncRead { db in try BodyBlob.read(db, id: id, offset: offset, length: length) }
    }

    /// The Message-ID and Subject of a stored body, from its header (read up to 64 KiB).
    public func headerFields(bodyID: Int64) async throws(MailStoreError) -> MessageHeaderFields {
        try await headerFields(bodyIDs: [bodyID])[bodyID] ?? MessageHeaderFields()
    }

    /// The header fields of several bodies in one read transaction (listings, re-matching);
    /// bodies freed meanwhile are missing from the answer.
    public func headerFields(bodyIDs: [Int64]) async throws(MailStoreError) -> [Int64: MessageHeaderFields] {
        try await asyncRead { db in
            var fields: [Int64: MessageHeaderFields] = [:]
            for id in Set(bodyIDs) {
                guard let prefix = try BodyBlob.read(db, id: id, offset: 0, length: MessageHeaderFields.headerLimit) else { continue }
                fields[id] = MessageHeaderFields(parsing: prefix)
            }
            return fields
        }
    }

    /// How many messages each of the user's mailboxes holds, by mailbox id.
    public func messageCounts(userID: String) async throws(MailStoreError) -> [Int64: Int] {
        try await asyncRead { db in
            var counts: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.id, COUNT(g.id) FROM mailboxes m LEFT JOIN messages g ON g.mailbox_id = m.id
                WHERE m.user_id = ? GROUP BY m.id
                """, arguments: [userID]) {
                counts[row[0]] = row[1]
            }
            return counts
        }
    }

    // MARK: - Inside a transaction

    /// `move`'s body, for callers already in a write transaction (RENAME INBOX).
    static func moveMessages(_ db: Database, mailboxID: Int64, uids: [ClosedRange<UInt32>], to destinationID: Int64) throws -> MoveOutcome {
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

    /// Raises the mailbox's HIGHESTMODSEQ by one and returns it: the modseq of this transaction's changes.
    static func nextModSeq(_ db: Database, mailboxID: Int64) throws -> Int64 {
        try db.execute(sql: "UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = ?", arguments: [mailboxID])
        guard let value = try Int64.fetchOne(db, sql: "SELECT highestmodseq FROM mailboxes WHERE id = ?", arguments: [mailboxID]) else {
            throw MailStoreError.notFound("mailbox \(mailboxID)")
        }
        return value
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

extension MailStore {
    /// Messages and distinct bodies of the user (content addressing's saving is `messageBytes - bodyBytes`).
    public func statistics(userID: String) async throws(MailStoreError) -> AccountStatistics {
        try await asyncRead { db in
            let messages = try Row.fetchOne(db, sql: "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM messages WHERE user_id = ?",
                                            arguments: [userID])
            // A body queued for freeing counts as gone, unless a message took it again meanwhile.
            let bodies = try Row.fetchOne(db, sql: """
                SELECT COUNT(*), COALESCE(SUM(size), 0) FROM bodies b WHERE user_id = ?
                   AND (NOT EXISTS (SELECT 1 FROM orphaned_bodies o WHERE o.body_id = b.id)
                        OR EXISTS (SELECT 1 FROM messages m WHERE m.body_id = b.id))
                """, arguments: [userID])
            return AccountStatistics(messages: messages?[0] ?? 0, bodies: bodies?[0] ?? 0,
                                     bodyBytes: bodies?[1] ?? 0, messageBytes: messages?[1] ?? 0)
        }
    }
}
