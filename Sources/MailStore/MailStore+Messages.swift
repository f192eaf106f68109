import Foundation
import GRDB

/// Reading the stored messages.
extension MailStore {
    /// The origin UIDs already stored for the user from this remote mailbox and UIDVALIDITY,
    /// so that a rerun fetches only what it lacks. Reads the origin index only, no message.
    public func storedOriginUIDs(userID: String, account: String, mailbox: String,
                                 uidValidity: UInt32) throws(MailStoreError) -> Set<UInt32> {
        try read { db in
            let cursor = try Int64.fetchCursor(db.cachedStatement(sql: """
                SELECT origin_uid FROM messages
                WHERE user_id = ? AND origin_account = ? AND origin_mailbox = ? AND origin_uidvalidity = ?
                """), arguments: [userID, account, mailbox, Int64(uidValidity)])
            var uids = Set<UInt32>()
            while let uid = try cursor.next() {
                guard let uid = UInt32(exactly: uid) else { throw corruptRow("origin UID \(uid)") }
                uids.insert(uid)
            }
            return uids
        }
    }

    public func messageCount(mailboxID: Int64) throws(MailStoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE mailbox_id = ?", arguments: [mailboxID]) ?? 0
        }
    }

    /// Calls `body` with each message of the mailbox in UID order, reading rows one at a time
    /// (one message in memory at once). Errors thrown by `body` stop the walk and are rethrown as is;
    /// store errors are `MailStoreError`s. The walk sees one snapshot: writes made meanwhile are not seen.
    public func forEachMessage(mailboxID: Int64, _ body: (StoredMessage) throws -> Void) throws {
        var bodyError: (any Error)?
        try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT m.*, b.sha256 AS sha256, b.raw AS raw FROM messages m JOIN bodies b ON b.id = m.body_id
                WHERE m.mailbox_id = ? ORDER BY m.uid
                """, arguments: [mailboxID])
            while let row = try rows.next() {
                let message = try StoredMessage(row: row)
                do {
                    try body(message)
                } catch {
                    bodyError = error
                    return
                }
            }
        } as Void
        if let bodyError { throw bodyError }
    }
}

extension StoredMessage {
    init(row: Row) throws {
        let id: Int64 = try row.decode(forColumn: "id")
        func uint32(_ column: String) throws -> UInt32? {
            guard let value = try row.decode(Int64?.self, forColumn: column) else { return nil }
            guard let exact = UInt32(exactly: value) else { throw corruptRow("message \(id): \(column) \(value)") }
            return exact
        }
        guard let uid = try uint32("uid") else { throw corruptRow("message \(id) without UID") }
        var origin: MessageOrigin?
        if let account = try row.decode(String?.self, forColumn: "origin_account"),
           let mailbox = try row.decode(String?.self, forColumn: "origin_mailbox"),
           let uidValidity = try uint32("origin_uidvalidity"), let originUID = try uint32("origin_uid") {
            let identity = try row.decode(String?.self, forColumn: "origin_identity").flatMap(UUID.init(uuidString:))
            origin = MessageOrigin(account: account, identityID: identity, mailbox: mailbox,
                                   uidValidity: uidValidity, uid: originUID)
        }
        let raw: [UInt8] = try row.withUnsafeData(named: "raw") { data in data.map { [UInt8]($0) } ?? [] }
        let fetchedAt: Double = try row.decode(forColumn: "fetched_at")
        self.init(id: id, mailboxID: try row.decode(forColumn: "mailbox_id"), uid: uid,
                  flags: MessageFlags.decode(try row.decode(forColumn: "flags")),
                  modSeq: try row.decode(forColumn: "modseq"),
                  internalDate: (try row.decode(forColumn: "internal_date"), try row.decode(forColumn: "internal_date_offset")),
                  size: try row.decode(forColumn: "size"), raw: raw, sha256: try row.decode(forColumn: "sha256"),
                  bodyID: try row.decode(forColumn: "body_id"),
                  origin: origin, fetchedAt: Date(timeIntervalSince1970: fetchedAt))
    }
}
