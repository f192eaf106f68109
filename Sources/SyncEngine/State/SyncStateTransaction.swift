import Foundation
import GRDB
import IMAPCore

/// The operations on the state database inside one transaction (see ``SyncStateDatabase``).
/// Values are encoded as interimap encodes them: names as BLOBs, HIGHESTMODSEQ as the signed
/// 64-bit integer with the same bits (`sprintf "%lld"`), booleans as 0/1.
public struct SyncStateTransaction {
    let db: Database
    let path: String

    // MARK: mailboxes

    public func mailboxes() throws -> [StoredMailbox] {
        try Row.fetchAll(db, sql: "SELECT idx, mailbox, subscribed FROM mailboxes ORDER BY idx").compactMap(mailbox(from:))
    }

    public func mailbox(named name: StoredMailboxName) throws -> StoredMailbox? {
        try Row.fetchOne(db, sql: "SELECT idx, mailbox, subscribed FROM mailboxes WHERE mailbox = ?",
                         arguments: [Data(name.bytes)]).flatMap(mailbox(from:))
    }

    /// Adds a mailbox (InterIMAP's `db_create_mailbox`) and returns it.
    public func createMailbox(_ name: StoredMailboxName, subscribed: Bool) throws -> StoredMailbox {
        try db.execute(sql: "INSERT INTO mailboxes (mailbox, subscribed) VALUES (?, ?)",
                       arguments: [Data(name.bytes), subscribed])
        return StoredMailbox(id: db.lastInsertedRowID, name: name, isSubscribed: subscribed)
    }

    public func setSubscribed(_ subscribed: Bool, mailbox id: Int64) throws {
        try db.execute(sql: "UPDATE mailboxes SET subscribed = ? WHERE idx = ?", arguments: [subscribed, id])
    }

    /// Renames a mailbox and its children (`--rename`); returns how many rows changed.
    @discardableResult
    public func renameMailbox(_ from: StoredMailboxName, to: StoredMailboxName) throws -> Int {
        try db.execute(sql: "UPDATE mailboxes SET mailbox = ? WHERE mailbox = ?",
                       arguments: [Data(to.bytes), Data(from.bytes)])
        var changed = db.changesCount
        let prefix = Data(from.bytes + [0])
        try db.execute(sql: """
            UPDATE mailboxes SET mailbox = CAST(? || SUBSTR(mailbox, ?) AS BLOB)
             WHERE SUBSTR(mailbox, 1, ?) = ?
            """, arguments: [Data(to.bytes), prefix.count, prefix.count, prefix])
        changed += db.changesCount
        return changed
    }

    /// Forgets a mailbox (`--delete`): its mapping, both states, then the row itself.
    public func deleteMailbox(_ id: Int64) throws {
        for table in ["mapping", "local", "remote", "mailboxes"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE idx = ?", arguments: [id])
        }
    }

    // MARK: local / remote

    /// Both sides' committed state, or nil before the mailbox's first sync.
    public func state(mailbox id: Int64) throws -> PerSide<SideState>? {
        guard let local = try sideState(.local, mailbox: id), let remote = try sideState(.remote, mailbox: id) else {
            return nil
        }
        return PerSide(local: local, remote: remote)
    }

    public func sideState(_ side: Side, mailbox id: Int64) throws -> SideState? {
        try Row.fetchOne(db, sql: "SELECT UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ FROM \(side.table) WHERE idx = ?",
                         arguments: [id]).map { row in
            SideState(uidValidity: UIDValidityValue(truncatingIfNeeded: row[0] as Int64),
                      uidNext: UInt32(truncatingIfNeeded: row[1] as Int64),
                      highestModSeq: ModSeqValue(bitPattern: row[2] as Int64))
        }
    }

    /// The first state of a mailbox: its UIDVALIDITYs, UIDNEXT and HIGHESTMODSEQ 0 (so every
    /// message is new), as interimap inserts it.
    public func insertInitialState(mailbox id: Int64, uidValidity: PerSide<UIDValidityValue>) throws {
        for side in Side.allCases {
            try db.execute(sql: "INSERT INTO \(side.table) (idx, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) VALUES (?, ?, 0, 0)",
                           arguments: [id, Int64(uidValidity[side])])
        }
    }

    /// Commit point: every change up to these HIGHESTMODSEQs is applied on both sides.
    public func commitHighestModSeq(mailbox id: Int64, _ modSeq: PerSide<ModSeqValue>) throws {
        for side in Side.allCases {
            try db.execute(sql: "UPDATE \(side.table) SET HIGHESTMODSEQ = ? WHERE idx = ?",
                           arguments: [Int64(bitPattern: modSeq[side]), id])
        }
    }

    /// Commit point: the mailbox is in sync up to these UIDNEXTs and HIGHESTMODSEQs.
    public func commitSynced(mailbox id: Int64, _ snapshot: PerSide<MailboxSnapshot>) throws {
        for side in Side.allCases {
            try db.execute(sql: "UPDATE \(side.table) SET UIDNEXT = ?, HIGHESTMODSEQ = ? WHERE idx = ?",
                           arguments: [Int64(snapshot[side].uidNext), Int64(bitPattern: snapshot[side].highestModSeq), id])
        }
    }

    /// After re-matching a mailbox whose UIDVALIDITY changed on `side`: the new UIDVALIDITY,
    /// with UIDNEXT and HIGHESTMODSEQ back to 0 on that side.
    public func resetSide(_ side: Side, mailbox id: Int64, uidValidity: UIDValidityValue) throws {
        try db.execute(sql: "UPDATE \(side.table) SET UIDVALIDITY = ?, UIDNEXT = 0, HIGHESTMODSEQ = 0 WHERE idx = ?",
                       arguments: [Int64(uidValidity), id])
    }

    // MARK: mapping

    /// Read before every mailbox's SELECT (its resync point comes from it): through a cursor,
    /// whose one row is reused, since a `Row` per pair cost a microsecond each.
    public func mapping(mailbox id: Int64) throws -> UIDMapping {
        var pairs: [UIDPair] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT lUID, rUID FROM mapping WHERE idx = ?", arguments: [id])
        while let row = try rows.next() {
            if let pair = pair(from: row) { pairs.append(pair) }
        }
        return UIDMapping(pairs)
    }

    public func mappingCount(mailbox id: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mapping WHERE idx = ?", arguments: [id]) ?? 0
    }

    /// The counterpart on `side.other` of `uid` on `side`.
    public func counterpart(of uid: UID, on side: Side, mailbox id: Int64) throws -> UID? {
        let (known, wanted) = side == .local ? ("lUID", "rUID") : ("rUID", "lUID")
        return try Int64.fetchOne(db, sql: "SELECT \(wanted) FROM mapping WHERE idx = ? AND \(known) = ?",
                                  arguments: [id, Int64(uid.rawValue)]).flatMap(Self.uid)
    }

    /// Records appended pairs (one transaction per append batch, as interimap commits).
    public func insertMappings(mailbox id: Int64, _ pairs: [UIDPair]) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO mapping (idx, lUID, rUID) VALUES (?, ?, ?)")
        for pair in pairs {
            try statement.execute(arguments: [id, Int64(pair.local.rawValue), Int64(pair.remote.rawValue)])
        }
    }

    /// Deletes the pairs whose UID on `side` is in `uids`; returns how many went. Only after the
    /// messages are expunged on both sides.
    @discardableResult
    public func deleteMappings(mailbox id: Int64, side: Side, uids: UIDSet) throws -> Int {
        let column = side == .local ? "lUID" : "rUID"
        var deleted = 0
        for range in uids.normalized().ranges {
            try db.execute(sql: "DELETE FROM mapping WHERE idx = ? AND \(column) BETWEEN ? AND ?",
                           arguments: [id, Int64(range.lowerBound.rawValue), Int64(range.upperBound.rawValue)])
            deleted += db.changesCount
        }
        return deleted
    }

    /// The `count` highest UIDs of `side`, for QRESYNC's sequence match data.
    public func highestMappedUIDs(mailbox id: Int64, side: Side, limit: Int) throws -> [UID] {
        let column = side == .local ? "lUID" : "rUID"
        return try Int64.fetchAll(db, sql: "SELECT \(column) FROM mapping WHERE idx = ? ORDER BY \(column) DESC LIMIT ?",
                                  arguments: [id, limit]).compactMap(Self.uid)
    }

    // MARK: interrupted runs

    /// Mailboxes with pairs at or above a committed UIDNEXT: a run stopped after appending
    /// and before committing (InterIMAP's "Resuming interrupted sync").
    public func interruptedMailboxes() throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT m.idx FROM mapping m
              JOIN local l ON m.idx = l.idx JOIN remote r ON m.idx = r.idx
             WHERE m.lUID >= l.UIDNEXT OR m.rUID >= r.UIDNEXT
             GROUP BY m.idx ORDER BY m.idx
            """)
    }

    /// The pairs at or above a committed UIDNEXT in one mailbox.
    public func pairsAboveCommittedUIDNext(mailbox id: Int64) throws -> [UIDPair] {
        try Row.fetchAll(db, sql: """
            SELECT m.lUID, m.rUID FROM mapping m
              JOIN local l ON m.idx = l.idx JOIN remote r ON m.idx = r.idx
             WHERE (m.lUID >= l.UIDNEXT OR m.rUID >= r.UIDNEXT) AND m.idx = ?
             ORDER BY m.lUID
            """, arguments: [id]).compactMap(pair(from:))
    }

    // MARK: decoding

    private func mailbox(from row: Row) -> StoredMailbox? {
        // interimap binds names as BLOBs; a file written by hand may hold TEXT: read both.
        let bytes: [UInt8]
        switch (row["mailbox"] as DatabaseValue).storage {
        case .blob(let data): bytes = Array(data)
        case .string(let text): bytes = Array(text.utf8)
        default: return nil
        }
        guard let name = StoredMailboxName(bytes: bytes) else { return nil }
        return StoredMailbox(id: row["idx"], name: name, isSubscribed: row["subscribed"] as Bool? ?? false)
    }

    private func pair(from row: Row) -> UIDPair? {
        guard let local = Self.uid(row[0]), let remote = Self.uid(row[1]) else { return nil }
        return UIDPair(local: local, remote: remote)
    }

    private static func uid(_ value: Int64) -> UID? {
        UInt32(exactly: value).flatMap(UID.init(rawValue:))
    }
}

extension Side {
    /// The state table of this side.
    var table: String { rawValue }
}
