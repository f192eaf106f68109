import Foundation
import GRDB
import IMAPCore

/// Tables of our own beside InterIMAP's, never inside them (interimap ignores them): what an
/// endpoint that emulates modification sequences — the IMAP endpoint's fallback mode for servers
/// without CONDSTORE/QRESYNC (docs/sync.md, "Servers without CONDSTORE/QRESYNC") — last saw of a
/// mailbox: each message's flags with a synthetic modseq, the UIDs it saw vanish with theirs,
/// and the mailbox's synthetic HIGHESTMODSEQ. Created on first use only, so a database that
/// never needed them keeps InterIMAP's exact schema.
enum FlagSnapshotSchema {
    static let statements = [
        """
        CREATE TABLE IF NOT EXISTS x_snapshot_mailboxes (id INTEGER NOT NULL PRIMARY KEY,
            account TEXT NOT NULL, mailbox BLOB NOT NULL, uidvalidity UNSIGNED INT NOT NULL,
            highestmodseq UNSIGNED BIGINT NOT NULL, UNIQUE (account, mailbox))
        """,
        """
        CREATE TABLE IF NOT EXISTS x_snapshot_flags (mailbox INTEGER NOT NULL
            REFERENCES x_snapshot_mailboxes(id) ON DELETE CASCADE, uid UNSIGNED INT NOT NULL,
            flags TEXT NOT NULL, modseq UNSIGNED BIGINT NOT NULL, PRIMARY KEY (mailbox, uid)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS x_snapshot_vanished (mailbox INTEGER NOT NULL
            REFERENCES x_snapshot_mailboxes(id) ON DELETE CASCADE, uid UNSIGNED INT NOT NULL,
            modseq UNSIGNED BIGINT NOT NULL, PRIMARY KEY (mailbox, uid)) WITHOUT ROWID
        """,
    ]
}

/// One mailbox's emulated counters (``FlagSnapshotTables``).
public struct FlagSnapshotMailbox: Hashable, Sendable {
    public var id: Int64
    public var uidValidity: UIDValidityValue
    public var highestModSeq: ModSeqValue
}

/// A message's flags as last seen, with the synthetic modseq of the change that brought them.
public struct FlagSnapshotEntry: Hashable, Sendable {
    public var flags: FlagList
    public var modSeq: ModSeqValue

    public init(flags: FlagList, modSeq: ModSeqValue) {
        self.flags = flags
        self.modSeq = modSeq
    }
}

/// The snapshot tables of one account ("remote", "local") in a state database. Every call is
/// one transaction on the database's queue (blocking, as the database's other calls).
public struct FlagSnapshotTables: Sendable {
    public let database: SyncStateDatabase
    public let account: String

    public init(database: SyncStateDatabase, account: String) {
        self.database = database
        self.account = account
    }

    private func write<T>(_ body: (Database) throws -> T) throws(SyncStateError) -> T {
        try database.write { tx in
            for statement in FlagSnapshotSchema.statements { try tx.db.execute(sql: statement) }
            return try body(tx.db)
        }
    }

    /// Reads, without creating the tables: nil when they do not exist yet.
    private func read<T>(_ body: (Database) throws -> T) throws(SyncStateError) -> T? {
        try database.read { tx in
            guard try tx.db.tableExists("x_snapshot_mailboxes") else { return nil }
            return try body(tx.db)
        }
    }

    /// Every mailbox of the account with its counters, by wire name.
    public func mailboxes() throws(SyncStateError) -> [[UInt8]: FlagSnapshotMailbox] {
        try read { db in
            var result: [[UInt8]: FlagSnapshotMailbox] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, mailbox, uidvalidity, highestmodseq FROM x_snapshot_mailboxes WHERE account = ?",
                                        arguments: [account]) {
                let name: Data = row[1]
                result[Array(name)] = Self.mailbox(row)
            }
            return result
        } ?? [:]
    }

    /// The mailbox's record, its flags and its vanished UIDs; nil when never seen.
    public func load(mailbox name: [UInt8]) throws(SyncStateError)
        -> (FlagSnapshotMailbox, [UID: FlagSnapshotEntry], [UID: ModSeqValue])? {
        try read { db -> (FlagSnapshotMailbox, [UID: FlagSnapshotEntry], [UID: ModSeqValue])? in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, mailbox, uidvalidity, highestmodseq FROM x_snapshot_mailboxes WHERE account = ? AND mailbox = ?",
                                             arguments: [account, Data(name)]) else { return nil }
            let mailbox = Self.mailbox(row)
            var flags: [UID: FlagSnapshotEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT uid, flags, modseq FROM x_snapshot_flags WHERE mailbox = ?", arguments: [mailbox.id]) {
                guard let uid = Self.uid(row[0]) else { continue }
                let text: String = row[1]
                flags[uid] = FlagSnapshotEntry(flags: FlagList(text.split(separator: " ").map { MessageFlag(String($0)) }),
                                               modSeq: ModSeqValue(bitPattern: row[2]))
            }
            var vanished: [UID: ModSeqValue] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT uid, modseq FROM x_snapshot_vanished WHERE mailbox = ?", arguments: [mailbox.id]) {
                if let uid = Self.uid(row[0]) { vanished[uid] = ModSeqValue(bitPattern: row[1]) }
            }
            return (mailbox, flags, vanished)
        } ?? nil
    }

    /// Starts a mailbox afresh (none of its old rows kept: another UIDVALIDITY, or none before).
    public func reset(mailbox name: [UInt8], uidValidity: UIDValidityValue,
                      highestModSeq: ModSeqValue) throws(SyncStateError) -> FlagSnapshotMailbox {
        try write { db in
            try db.execute(sql: "DELETE FROM x_snapshot_mailboxes WHERE account = ? AND mailbox = ?", arguments: [account, Data(name)])
            try db.execute(sql: "INSERT INTO x_snapshot_mailboxes (account, mailbox, uidvalidity, highestmodseq) VALUES (?, ?, ?, ?)",
                           arguments: [account, Data(name), Int64(uidValidity), Int64(bitPattern: highestModSeq)])
            return FlagSnapshotMailbox(id: db.lastInsertedRowID, uidValidity: uidValidity, highestModSeq: highestModSeq)
        }
    }

    /// One change of a mailbox's snapshot, applied in one transaction with its new counter.
    public struct Update: Sendable {
        public var flags: [(UID, FlagSnapshotEntry)] = []
        public var vanished: [UID] = []
        public var vanishedModSeq: ModSeqValue = 0
        /// Vanished records at or below it are dropped: every run from now on starts above it.
        public var pruneThrough: ModSeqValue?
        public init() {}
        public var isEmpty: Bool { flags.isEmpty && vanished.isEmpty && pruneThrough == nil }
    }

    public func apply(_ update: Update, mailbox: FlagSnapshotMailbox) throws(SyncStateError) {
        try write { db in
            try db.execute(sql: "UPDATE x_snapshot_mailboxes SET highestmodseq = ? WHERE id = ?",
                           arguments: [Int64(bitPattern: mailbox.highestModSeq), mailbox.id])
            if let prune = update.pruneThrough {
                try db.execute(sql: "DELETE FROM x_snapshot_vanished WHERE mailbox = ? AND modseq <= ?",
                               arguments: [mailbox.id, Int64(bitPattern: prune)])
            }
            let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO x_snapshot_flags (mailbox, uid, flags, modseq) VALUES (?, ?, ?, ?)")
            for (uid, entry) in update.flags {
                try upsert.execute(arguments: [mailbox.id, Int64(uid.rawValue), entry.flags.imapString, Int64(bitPattern: entry.modSeq)])
            }
            let forget = try db.cachedStatement(sql: "DELETE FROM x_snapshot_flags WHERE mailbox = ? AND uid = ?")
            let record = try db.cachedStatement(sql: "INSERT OR REPLACE INTO x_snapshot_vanished (mailbox, uid, modseq) VALUES (?, ?, ?)")
            for uid in update.vanished {
                try forget.execute(arguments: [mailbox.id, Int64(uid.rawValue)])
                try record.execute(arguments: [mailbox.id, Int64(uid.rawValue), Int64(bitPattern: update.vanishedModSeq)])
            }
        }
    }

    /// Forgets a mailbox (deleted on the server).
    public func delete(mailbox name: [UInt8]) throws(SyncStateError) {
        guard try read({ _ in true }) == true else { return }
        try write { db in
            try db.execute(sql: "DELETE FROM x_snapshot_mailboxes WHERE account = ? AND mailbox = ?", arguments: [account, Data(name)])
        }
    }

    /// Follows a RENAME (which keeps UIDs and UIDVALIDITY): the rows go with the name.
    public func rename(mailbox from: [UInt8], to: [UInt8]) throws(SyncStateError) {
        guard try read({ _ in true }) == true else { return }
        try write { db in
            try db.execute(sql: "DELETE FROM x_snapshot_mailboxes WHERE account = ? AND mailbox = ?", arguments: [account, Data(to)])
            try db.execute(sql: "UPDATE x_snapshot_mailboxes SET mailbox = ? WHERE account = ? AND mailbox = ?",
                           arguments: [Data(to), account, Data(from)])
        }
    }

    private static func mailbox(_ row: Row) -> FlagSnapshotMailbox {
        FlagSnapshotMailbox(id: row[0], uidValidity: UIDValidityValue(truncatingIfNeeded: row[2] as Int64),
                            highestModSeq: ModSeqValue(bitPattern: row[3] as Int64))
    }

    private static func uid(_ value: Int64) -> UID? {
        UInt32(exactly: value).flatMap(UID.init(rawValue:))
    }
}
