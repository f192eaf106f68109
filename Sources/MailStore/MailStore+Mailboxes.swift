import Foundation
import GRDB

/// The users' local accounts: their mailboxes on our side.
extension MailStore {
    /// The user's mailbox `name`, created (with a fresh random UIDVALIDITY) when missing.
    /// Names are compared in their canonical form (`canonicalMailboxName`): "é" precomposed or not is
    /// one mailbox, and so are "INBOX" and "inbox".
    public func ensureMailbox(userID: String, name: String, delimiter: Character? = "/") throws(MailStoreError) -> LocalMailbox {
        let name = try Self.validMailboxName(name)
        guard !userID.isEmpty else { throw .invalidArgument("empty user id") }
        let (mailbox, created) = try write { db in
            if let existing = try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE user_id = ? AND name = ?",
                                               arguments: [userID, name]) {
                return (try LocalMailbox(row: existing), false)
            }
            let row = try Self.insertMailbox(db, userID: userID, name: name, delimiter: delimiter)
            return (try LocalMailbox(row: row), true)
        }
        if created {
            logger.debug("mailbox created", metadata: ["user": "\(userID)", "mailbox": "\(name)",
                                                      "uidvalidity": "\(mailbox.uidValidity)"])
        }
        return mailbox
    }

    /// The user's mailbox `name`, or nil.
    public func mailbox(userID: String, name: String) throws(MailStoreError) -> LocalMailbox? {
        let name = Self.canonicalMailboxName(name)
        return try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE user_id = ? AND name = ?", arguments: [userID, name])
                .map(LocalMailbox.init(row:))
        }
    }

    public func mailbox(id: Int64) throws(MailStoreError) -> LocalMailbox? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id]).map(LocalMailbox.init(row:))
        }
    }

    /// The user's mailboxes sorted by name.
    public func mailboxes(userID: String) throws(MailStoreError) -> [LocalMailbox] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM mailboxes WHERE user_id = ? ORDER BY name", arguments: [userID])
                .map(LocalMailbox.init(row:))
        }
    }

    /// Every user that has a mailbox or an identity, sorted.
    public func userIDs() throws(MailStoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT user_id FROM mailboxes UNION SELECT user_id FROM identities ORDER BY 1")
        }
    }

    /// The form a mailbox name is stored and compared in: NFC, and "INBOX" in upper case, since
    /// RFC 3501 makes that one name case-insensitive. Also the key for a message's origin mailbox.
    public static func canonicalMailboxName(_ name: String) -> String {
        let name = name.precomposedStringWithCanonicalMapping
        let isInbox = name.utf8.elementsEqual("inbox".utf8) { $0 | 0x20 == $1 }  // ASCII case only
        return isInbox ? "INBOX" : name
    }

    static func validMailboxName(_ name: String) throws(MailStoreError) -> String {
        let name = canonicalMailboxName(name)
        guard !name.isEmpty else { throw .invalidArgument("empty mailbox name") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidArgument("mailbox name with a control character")
        }
        return name
    }
}

extension LocalMailbox {
    init(row: Row) throws {
        let uidValidity: Int64 = try row.decode(forColumn: "uidvalidity")
        let uidNext: Int64 = try row.decode(forColumn: "uidnext")
        guard let validity = UInt32(exactly: uidValidity), validity != 0,
              let next = UInt32(exactly: uidNext), next != 0 else {
            throw corruptRow("mailbox with UIDVALIDITY \(uidValidity), UIDNEXT \(uidNext)")
        }
        let delimiter: String? = try row.decode(forColumn: "delimiter")
        self.init(id: try row.decode(forColumn: "id"), userID: try row.decode(forColumn: "user_id"),
                  name: try row.decode(forColumn: "name"), delimiter: delimiter?.first, uidValidity: validity,
                  uidNext: next, highestModSeq: try row.decode(forColumn: "highestmodseq"),
                  subscribed: try row.decode(forColumn: "subscribed"))
    }
}
