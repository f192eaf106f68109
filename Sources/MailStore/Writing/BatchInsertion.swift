import Foundation
import GRDB
import GRDBSQLite
import OpenSSLKit

/// A message with the values computed before it is inserted: its digest and its flags column.
struct PendingMessage: Sendable {
    let message: IncomingMessage
    let sha256: String
    let flags: String

    init(_ message: IncomingMessage) {
        self.message = message
        var hasher = SHA256()
        message.body.forEachChunk { hasher.update($0) }
        sha256 = hex(hasher.finalize())
        flags = MessageFlags.encode(message.flags)
    }
}

/// Inserts messages inside one write transaction: each new message gets its mailbox's UIDNEXT as UID
/// and the transaction's modseq (the mailbox's HIGHESTMODSEQ + 1); a message whose origin is already
/// stored for the mailbox's user is skipped and consumes no UID. `finish()` writes the counters back.
///
/// Bodies are content-addressed: a body whose SHA-256 the user already has is not written again,
/// the message only points at it (`bodies`, one row per user and hash).
///
/// A small body is bound straight from the message's own storage (`SQLITE_STATIC`, held for the
/// step); a big one, or one in several chunks, is inserted as a `zeroblob` and written into the row's
/// pages with incremental blob I/O. Either way no copy of the body is made on our side.
struct BatchInsertion {
    /// Bodies up to this size are bound to the insert; bigger ones are written into a zeroblob.
    static let boundBodyLimit = 32 << 10
    private let db: Database
    private let statement: Statement
    private let findBody: Statement
    private let insertBody: Statement
    private let fetchedAt = Date().timeIntervalSince1970
    private var mailboxes: [Int64: MailboxCounters] = [:]
    private(set) var inserted = 0
    private(set) var skipped = 0
    /// Bodies already stored that new messages now share.
    private(set) var sharedBodies = 0

    init(_ db: Database) throws {
        self.db = db
        statement = try db.cachedStatement(sql: """
            INSERT INTO messages (mailbox_id, user_id, uid, flags, modseq, internal_date, internal_date_offset,
                size, body_id, origin_account, origin_identity, origin_mailbox, origin_uidvalidity, origin_uid,
                fetched_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """)
        findBody = try db.cachedStatement(sql: "SELECT id FROM bodies WHERE user_id = ? AND sha256 = ?")
        insertBody = try db.cachedStatement(sql: "INSERT INTO bodies (user_id, sha256, size, raw) VALUES (?, ?, ?, ?)")
    }

    /// Inserts the message; returns the UID it got, nil when its origin was already stored.
    @discardableResult
    mutating func insert(_ item: PendingMessage) throws -> UInt32? {
        let message = item.message
        var counters = try mailboxes[message.mailboxID] ?? MailboxCounters.load(db, mailboxID: message.mailboxID)
        guard counters.uidNext < Int64(UInt32.max) else {
            throw MailStoreError.io("mailbox \(message.mailboxID) has used every UID")
        }
        let (bodyID, newBody) = try storeBody(item, userID: counters.userID)
        let stmt = statement.sqliteStatement
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        let origin = message.origin
        try bind(stmt, 1, message.mailboxID)
        try bind(stmt, 2, counters.userID)
        try bind(stmt, 3, counters.uidNext)
        try bind(stmt, 4, item.flags)
        try bind(stmt, 5, counters.highestModSeq + 1)
        try bind(stmt, 6, message.internalDate.epoch)
        try bind(stmt, 7, Int64(message.internalDate.utcOffsetMinutes))
        try bind(stmt, 8, Int64(message.body.count))
        try bind(stmt, 9, bodyID)
        try bind(stmt, 10, origin?.account)
        try bind(stmt, 11, origin?.identityID?.uuidString)
        try bind(stmt, 12, origin?.mailbox)
        if let origin {
            try bind(stmt, 13, Int64(origin.uidValidity))
            try bind(stmt, 14, Int64(origin.uid))
        } else {
            try check(sqlite3_bind_null(stmt, 13))
            try check(sqlite3_bind_null(stmt, 14))
        }
        try check(sqlite3_bind_double(stmt, 15, fetchedAt))
        let added = try step(stmt)
        var uid: UInt32?
        if added {
            uid = UInt32(truncatingIfNeeded: counters.uidNext)
            counters.uidNext += 1
            counters.changed = true
            inserted += 1
            if !newBody { sharedBodies += 1 }
        } else {
            skipped += 1
            // The body was written for this message only: it must not outlive the skip.
            if newBody { try db.execute(sql: "DELETE FROM bodies WHERE id = ?", arguments: [bodyID]) }
        }
        mailboxes[message.mailboxID] = counters
        return uid
    }

    /// The id of the user's body with this hash, written first when the user has none.
    private func storeBody(_ item: PendingMessage, userID: String) throws -> (id: Int64, new: Bool) {
        let find = findBody.sqliteStatement
        sqlite3_reset(find)
        sqlite3_clear_bindings(find)
        try bind(find, 1, userID)
        try bind(find, 2, item.sha256)
        let found = sqlite3_step(find)
        defer { sqlite3_reset(find) }
        if found == SQLITE_ROW { return (sqlite3_column_int64(find, 0), false) }
        guard found == SQLITE_DONE else { throw error(found) }

        let body = item.message.body
        let stmt = insertBody.sqliteStatement
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        try bind(stmt, 1, userID)
        try bind(stmt, 2, item.sha256)
        try bind(stmt, 3, Int64(body.count))
        // A big body goes in through blob I/O even when contiguous: binding it makes SQLite build the
        // whole record (one more copy, and a buffer the size of the largest message) before the insert.
        let bindAndStep = { (bytes: UnsafeRawBufferPointer) throws -> Bool in
            // SQLITE_STATIC: SQLite reads the caller's bytes during the step and copies them into its pages.
            if let base = bytes.baseAddress {
                try check(sqlite3_bind_blob64(stmt, 4, base, sqlite3_uint64(bytes.count), nil))
            } else {
                try check(sqlite3_bind_zeroblob(stmt, 4, 0))
            }
            defer { sqlite3_clear_bindings(stmt) }
            return try step(stmt)
        }
        // A small body split over two network buffers is gathered (a copy of a few kB costs less
        // than opening a blob handle, which compiles a statement).
        if body.count <= Self.boundBodyLimit,
           try body.withContiguousBytes(bindAndStep) ?? body.bytes.withUnsafeBytes(bindAndStep) {
            return (db.lastInsertedRowID, true)
        }
        try check(sqlite3_bind_zeroblob64(stmt, 4, sqlite3_uint64(body.count)))
        guard try step(stmt) else { throw MailStoreError.io("body row not inserted") }
        let rowID = db.lastInsertedRowID
        try writeChunks(body, rowID: rowID)
        return (rowID, true)
    }

    /// Writes the touched mailboxes' UIDNEXT and HIGHESTMODSEQ; returns each one's new modseq.
    @discardableResult
    func finish() throws -> [Int64: Int64] {
        let update = try db.cachedStatement(sql: "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?")
        var modSeqs: [Int64: Int64] = [:]
        for (id, counters) in mailboxes where counters.changed {
            try update.execute(arguments: [counters.uidNext, counters.highestModSeq + 1, id])
            modSeqs[id] = counters.highestModSeq + 1
        }
        return modSeqs
    }

    /// Steps the insert; true when a row was added (false: the origin was already stored).
    private func step(_ stmt: SQLiteStatement) throws -> Bool {
        let code = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        guard code == SQLITE_DONE else { throw error(code) }
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    private func writeChunks(_ body: MessageBytes, rowID: Int64) throws {
        var blob: OpaquePointer?
        try check(sqlite3_blob_open(db.sqliteConnection, "main", "bodies", "raw", rowID, 1, &blob))
        defer { sqlite3_blob_close(blob) }
        var offset: Int32 = 0
        try body.forEachChunk { chunk in
            try check(sqlite3_blob_write(blob, chunk.baseAddress, Int32(chunk.count), offset))
            offset += Int32(chunk.count)
        }
    }

    private func bind(_ stmt: SQLiteStatement, _ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(stmt, index, value))
    }

    /// Text is copied (SQLITE_TRANSIENT): these columns are small.
    private func bind(_ stmt: SQLiteStatement, _ index: Int32, _ value: String?) throws {
        guard let value else { return try check(sqlite3_bind_null(stmt, index)) }
        try check(sqlite3_bind_text(stmt, index, value, -1, sqliteTransient))
    }

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }
}

private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

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
