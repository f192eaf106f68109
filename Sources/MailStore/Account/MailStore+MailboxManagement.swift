import Foundation
import GRDB

/// Creating, deleting, renaming and subscribing the mailboxes of a local account, IMAP's way.
extension MailStore {
    /// Creates the mailbox and its missing parents (IMAP CREATE). Throws `.alreadyExists` when
    /// the mailbox itself exists.
    @discardableResult
    public func createMailbox(userID: String, name: String, delimiter: Character? = "/",
                              subscribed: Bool = true) async throws(MailStoreError) -> LocalMailbox {
        let name = try Self.validMailboxName(name)
        guard !userID.isEmpty else { throw .invalidArgument("empty user id") }
        let mailbox = try await asyncWrite { db in
            if try Self.mailboxRow(db, userID: userID, name: name) != nil {
                throw MailStoreError.alreadyExists("mailbox \(name) of user \(userID)")
            }
            for parent in Self.parentNames(of: name, delimiter: delimiter)
            where try Self.mailboxRow(db, userID: userID, name: parent) == nil {
                _ = try Self.insertMailbox(db, userID: userID, name: parent, delimiter: delimiter, subscribed: subscribed)
            }
            return try LocalMailbox(row: Self.insertMailbox(db, userID: userID, name: name, delimiter: delimiter,
                                                            subscribed: subscribed))
        }
        logger.debug("mailbox created", metadata: ["user": "\(userID)", "mailbox": "\(name)",
                                                  "uidvalidity": "\(mailbox.uidValidity)"])
        return mailbox
    }

    /// Deletes the mailbox, its messages and tombstones (IMAP DELETE); bodies no other message holds
    /// are freed. Children stay. INBOX cannot be deleted.
    public func deleteMailbox(userID: String, name: String) async throws(MailStoreError) {
        let name = Self.canonicalMailboxName(name)
        guard name != "INBOX" else { throw .invalidArgument("INBOX cannot be deleted") }
        try await asyncWrite { db in
            guard let row = try Self.mailboxRow(db, userID: userID, name: name) else {
                throw MailStoreError.notFound("mailbox \(name) of user \(userID)")
            }
            let id: Int64 = try row.decode(forColumn: "id")
            // Explicit, so that the trigger queueing bodies to free runs for each message.
            try db.execute(sql: "DELETE FROM messages WHERE mailbox_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM mailboxes WHERE id = ?", arguments: [id])
        }
        scheduleBodyFreeing()
        logger.debug("mailbox deleted", metadata: ["user": "\(userID)", "mailbox": "\(name)"])
    }

    /// Renames the mailbox and every mailbox below it (IMAP RENAME): their UIDVALIDITYs, UIDs and
    /// messages stay, since the mailboxes are the same. A renamed mailbox whose UIDVALIDITY the
    /// new name already had once gets a fresh one (its UIDs would otherwise be taken for the old
    /// mailbox's). Renaming INBOX is IMAP's special case (RFC 3501 §6.3.5): its messages move to a
    /// new mailbox of that name and INBOX stays, empty, children untouched.
    public func renameMailbox(userID: String, from oldName: String, to newName: String) async throws(MailStoreError) {
        let oldName = Self.canonicalMailboxName(oldName)
        let newName = try Self.validMailboxName(newName)
        guard newName != "INBOX" else { throw .alreadyExists("mailbox INBOX of user \(userID)") }
        if oldName == "INBOX" { return try await renameInbox(userID: userID, to: newName) }
        try await asyncWrite { db in
            guard let row = try Self.mailboxRow(db, userID: userID, name: oldName) else {
                throw MailStoreError.notFound("mailbox \(oldName) of user \(userID)")
            }
            let mailbox = try LocalMailbox(row: row)
            var renames = [(mailbox, newName)]
            if let delimiter = mailbox.delimiter {
                let prefix = Array((oldName + String(delimiter)).utf8)
                guard !newName.utf8.starts(with: prefix) else {
                    throw MailStoreError.invalidArgument("cannot rename \(oldName) into itself")
                }
                let all = try Row.fetchAll(db, sql: "SELECT * FROM mailboxes WHERE user_id = ? ORDER BY name",
                                           arguments: [userID]).map(LocalMailbox.init(row:))
                // Byte prefixes: the delimiter is ASCII, so the cut never splits a character.
                for child in all where child.id != mailbox.id && child.name.utf8.starts(with: prefix) {
                    let rest = String(decoding: child.name.utf8.dropFirst(prefix.count), as: UTF8.self)
                    renames.append((child, newName + String(delimiter) + rest))
                }
            }
            for (_, target) in renames where try Self.mailboxRow(db, userID: userID, name: target) != nil {
                throw MailStoreError.alreadyExists("mailbox \(target) of user \(userID)")
            }
            for (source, target) in renames {
                let used = try Self.usedUIDValidities(db, userID: userID, name: target)
                var validity = Int64(source.uidValidity)
                if used.contains(validity) { validity = Self.freshUIDValidity(avoiding: used) }
                try db.execute(sql: "UPDATE mailboxes SET name = ?, uidvalidity = ? WHERE id = ?",
                               arguments: [target, validity, source.id])
                try Self.rememberUIDValidity(db, userID: userID, name: target, validity)
            }
            // Parents of the new name are created, as CREATE would.
            for parent in Self.parentNames(of: newName, delimiter: mailbox.delimiter)
            where try Self.mailboxRow(db, userID: userID, name: parent) == nil {
                _ = try Self.insertMailbox(db, userID: userID, name: parent, delimiter: mailbox.delimiter)
            }
        }
        logger.debug("mailbox renamed", metadata: ["user": "\(userID)", "from": "\(oldName)", "to": "\(newName)"])
    }

    private func renameInbox(userID: String, to newName: String) async throws(MailStoreError) {
        try await asyncWrite { db in
            guard let inbox = try Self.mailboxRow(db, userID: userID, name: "INBOX").map(LocalMailbox.init(row:)) else {
                throw MailStoreError.notFound("mailbox INBOX of user \(userID)")
            }
            if try Self.mailboxRow(db, userID: userID, name: newName) != nil {
                throw MailStoreError.alreadyExists("mailbox \(newName) of user \(userID)")
            }
            for parent in Self.parentNames(of: newName, delimiter: inbox.delimiter)
            where try Self.mailboxRow(db, userID: userID, name: parent) == nil {
                _ = try Self.insertMailbox(db, userID: userID, name: parent, delimiter: inbox.delimiter)
            }
            let target = try LocalMailbox(row: Self.insertMailbox(db, userID: userID, name: newName, delimiter: inbox.delimiter))
            _ = try Self.moveMessages(db, mailboxID: inbox.id, uids: [1...UInt32.max], to: target.id)
        }
        logger.debug("INBOX renamed: messages moved", metadata: ["user": "\(userID)", "to": "\(newName)"])
    }

    public func setSubscribed(_ subscribed: Bool, userID: String, name: String) async throws(MailStoreError) {
        let name = Self.canonicalMailboxName(name)
        try await asyncWrite { db in
            try db.execute(sql: "UPDATE mailboxes SET subscribed = ? WHERE user_id = ? AND name = ?",
                           arguments: [subscribed, userID, name])
            if db.changesCount == 0 { throw MailStoreError.notFound("mailbox \(name) of user \(userID)") }
        }
    }

    /// The user's mailboxes sorted by name, read without blocking the caller's thread.
    public func listMailboxes(userID: String) async throws(MailStoreError) -> [LocalMailbox] {
        try await asyncRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM mailboxes WHERE user_id = ? ORDER BY name", arguments: [userID])
                .map(LocalMailbox.init(row:))
        }
    }

    /// The user's mailbox `name`, or nil, read without blocking the caller's thread.
    public func findMailbox(userID: String, name: String) async throws(MailStoreError) -> LocalMailbox? {
        let name = Self.canonicalMailboxName(name)
        return try await asyncRead { db in try Self.mailboxRow(db, userID: userID, name: name).map(LocalMailbox.init(row:)) }
    }

    public func findMailbox(id: Int64) async throws(MailStoreError) -> LocalMailbox? {
        try await asyncRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id]).map(LocalMailbox.init(row:))
        }
    }

    // MARK: - Inside a transaction

    static func mailboxRow(_ db: Database, userID: String, name: String) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE user_id = ? AND name = ?", arguments: [userID, name])
    }

    /// Inserts a mailbox with a UIDVALIDITY that name never had, HIGHESTMODSEQ 1, and returns its row.
    static func insertMailbox(_ db: Database, userID: String, name: String, delimiter: Character?,
                              subscribed: Bool = true) throws -> Row {
        let validity = freshUIDValidity(avoiding: try usedUIDValidities(db, userID: userID, name: name))
        try db.execute(sql: """
            INSERT INTO mailboxes (user_id, name, delimiter, uidvalidity, uidnext, highestmodseq, subscribed, created_at)
            VALUES (?, ?, ?, ?, 1, 1, ?, ?)
            """, arguments: [userID, name, delimiter.map(String.init), validity, subscribed, Date().timeIntervalSince1970])
        let id = db.lastInsertedRowID
        try rememberUIDValidity(db, userID: userID, name: name, validity)
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM mailboxes WHERE id = ?", arguments: [id]) else {
            throw corruptRow("mailbox vanished after insert")
        }
        return row
    }

    private static func usedUIDValidities(_ db: Database, userID: String, name: String) throws -> Set<Int64> {
        Set(try Int64.fetchAll(db, sql: "SELECT uidvalidity FROM mailbox_uidvalidities WHERE user_id = ? AND name = ?",
                               arguments: [userID, name]))
    }

    private static func rememberUIDValidity(_ db: Database, userID: String, name: String, _ validity: Int64) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO mailbox_uidvalidities (user_id, name, uidvalidity) VALUES (?, ?, ?)",
                       arguments: [userID, name, validity])
    }

    /// Random and non-zero (RFC 3501 only asks for "never reused for this name"; random values
    /// also keep two stores' mailboxes apart).
    private static func freshUIDValidity(avoiding used: Set<Int64>) -> Int64 {
        while true {
            let candidate = Int64(UInt32.random(in: 1...UInt32.max))
            if !used.contains(candidate) { return candidate }
        }
    }

    /// "a/b/c" → ["a", "a/b"].
    static func parentNames(of name: String, delimiter: Character?) -> [String] {
        guard let delimiter else { return [] }
        let parts = name.split(separator: delimiter, omittingEmptySubsequences: false)
        guard parts.count > 1 else { return [] }
        return (1..<parts.count).map { parts[0..<$0].joined(separator: String(delimiter)) }.filter { !$0.isEmpty }
    }
}
