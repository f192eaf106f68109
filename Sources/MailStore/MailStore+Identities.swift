import Credentials
import Foundation
import GRDB

/// Remote identities: the accounts mail is pulled from.
extension MailStore {
    /// Stores a new identity. Throws `.alreadyExists` when its id is taken.
    @discardableResult
    public func addIdentity(_ identity: RemoteIdentity) throws(MailStoreError) -> RemoteIdentity {
        let columns = try IdentityColumns(identity)
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identities WHERE id = ?", arguments: [columns.id]) == true {
                throw MailStoreError.alreadyExists("identity \(columns.id)")
            }
            try db.execute(sql: """
                INSERT INTO identities (id, user_id, server, login, password, auth_mechanisms, tls, mailboxes, status,
                    last_check, error_count, first_error_at, last_error_at, last_error, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StatementArguments([columns.id] + columns.configuration + [
                    identity.lastCheck?.timeIntervalSince1970, identity.errorCount,
                    identity.firstErrorAt?.timeIntervalSince1970, identity.lastErrorAt?.timeIntervalSince1970,
                    identity.lastError, Date().timeIntervalSince1970,
                ]))
        }
        logger.info("identity added", metadata: ["identity": "\(identity)"])
        return identity
    }

    public func identity(id: UUID) throws(MailStoreError) -> RemoteIdentity? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identities WHERE id = ?", arguments: [id.uuidString])
                .map(RemoteIdentity.init(row:))
        }
    }

    /// The user's identities, oldest first.
    public func identities(userID: String) throws(MailStoreError) -> [RemoteIdentity] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identities WHERE user_id = ? ORDER BY created_at, id",
                             arguments: [userID]).map(RemoteIdentity.init(row:))
        }
    }

    /// Every active identity of every user, by user then age.
    public func allActiveIdentities() throws(MailStoreError) -> [RemoteIdentity] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identities WHERE status = 'active' ORDER BY user_id, created_at, id")
                .map(RemoteIdentity.init(row:))
        }
    }

    /// Replaces the identity's configuration (user, server, login, password, mechanisms, TLS,
    /// mailboxes, status). The check history (last check, error counters) is left as stored: it is
    /// only changed by `recordCheckSucceeded`/`recordCheckFailed`, so a stale copy cannot undo it.
    public func updateIdentity(_ identity: RemoteIdentity) throws(MailStoreError) {
        let columns = try IdentityColumns(identity)
        try write { db in
            try db.execute(sql: """
                UPDATE identities SET user_id = ?, server = ?, login = ?, password = ?, auth_mechanisms = ?,
                    tls = ?, mailboxes = ?, status = ? WHERE id = ?
                """, arguments: StatementArguments(columns.configuration + [columns.id]))
            if db.changesCount == 0 { throw MailStoreError.notFound("identity \(columns.id)") }
        }
    }

    public func setStatus(id: UUID, status: RemoteIdentity.Status) throws(MailStoreError) {
        try updateOne(id, sql: "UPDATE identities SET status = ? WHERE id = ?", [status.rawValue])
        logger.info("identity status changed", metadata: ["identity": "\(id)", "status": "\(status.rawValue)"])
    }

    /// A check ran fine: records its time and clears the error counters.
    public func recordCheckSucceeded(id: UUID, at date: Date = Date()) throws(MailStoreError) {
        try updateOne(id, sql: """
            UPDATE identities SET last_check = ?, error_count = 0, first_error_at = NULL, last_error_at = NULL,
                last_error = NULL WHERE id = ?
            """, [date.timeIntervalSince1970])
    }

    /// A check failed: counts it, keeps the time of the first error of the run of failures.
    /// `error` must not hold a password (use the errors' descriptions, which redact them).
    public func recordCheckFailed(id: UUID, at date: Date = Date(), error: String) throws(MailStoreError) {
        try updateOne(id, sql: """
            UPDATE identities SET last_check = ?1, error_count = error_count + 1,
                first_error_at = COALESCE(first_error_at, ?1), last_error_at = ?1, last_error = ?2 WHERE id = ?3
            """, [date.timeIntervalSince1970, error])
    }

    /// Deletes the identity; its messages stay (their origin keeps the account key).
    /// Returns false when there was no such identity.
    @discardableResult
    public func deleteIdentity(id: UUID) throws(MailStoreError) -> Bool {
        let deleted = try write { db in
            try db.execute(sql: "DELETE FROM identities WHERE id = ?", arguments: [id.uuidString])
            return db.changesCount > 0
        }
        if deleted { logger.info("identity deleted", metadata: ["identity": "\(id)"]) }
        return deleted
    }

    private func updateOne(_ id: UUID, sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws(MailStoreError) {
        try write { db in
            try db.execute(sql: sql, arguments: StatementArguments(arguments + [id.uuidString]))
            if db.changesCount == 0 { throw MailStoreError.notFound("identity \(id.uuidString)") }
        }
    }
}

/// The configuration columns of an identity, in table order after `id`.
private struct IdentityColumns {
    let id: String
    let configuration: [(any DatabaseValueConvertible)?]

    init(_ identity: RemoteIdentity) throws(MailStoreError) {
        id = identity.id.uuidString
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) throws(MailStoreError) -> String {
            do {
                return String(decoding: try encoder.encode(value), as: UTF8.self)
            } catch {
                throw .invalidArgument("identity \(identity.id): cannot encode settings: \(error)")
            }
        }
        configuration = [
            identity.userID, identity.server, identity.login, identity.password?.value,
            try json(identity.authMechanisms), try json(identity.tls), try json(identity.mailboxes),
            identity.status.rawValue,
        ]
    }
}

extension RemoteIdentity {
    /// Decodes a row of `identities`; a value of the wrong type throws (SQLITE_CORRUPT), never traps.
    init(row: Row) throws {
        let idText: String = try row.decode(forColumn: "id")
        guard let id = UUID(uuidString: idText) else { throw corruptRow("identity id \(idText) is not a UUID") }
        let decoder = JSONDecoder()
        func json<T: Decodable>(_ column: String, _ type: T.Type) throws -> T {
            let text: String = try row.decode(forColumn: column)
            do {
                return try decoder.decode(T.self, from: Data(text.utf8))
            } catch {
                throw corruptRow("identity \(idText): bad \(column) JSON")
            }
        }
        func date(_ column: String) throws -> Date? {
            try row.decode(Double?.self, forColumn: column).map(Date.init(timeIntervalSince1970:))
        }
        let statusText: String = try row.decode(forColumn: "status")
        guard let status = Status(rawValue: statusText) else { throw corruptRow("identity \(idText): bad status") }
        let userID: String = try row.decode(forColumn: "user_id")
        let server: String = try row.decode(forColumn: "server")
        let login: String = try row.decode(forColumn: "login")
        let password: String? = try row.decode(forColumn: "password")
        let authMechanisms = try json("auth_mechanisms", [String].self)
        let tls = try json("tls", TLSSettings.self)
        let mailboxes = try json("mailboxes", [String].self)
        let errorCount: Int = try row.decode(forColumn: "error_count")
        let lastError: String? = try row.decode(forColumn: "last_error")
        self.init(id: id, userID: userID, server: server, login: login, password: password.map { Secret($0) },
                  authMechanisms: authMechanisms, tls: tls, mailboxes: mailboxes, status: status,
                  lastCheck: try date("last_check"), errorCount: errorCount, firstErrorAt: try date("first_error_at"),
                  lastErrorAt: try date("last_error_at"), lastError: lastError)
    }
}

/// An error for a row whose content cannot be what the schema says; mapped to `.corrupt(path, …)`.
func corruptRow(_ reason: String) -> DatabaseError {
    DatabaseError(resultCode: .SQLITE_CORRUPT, message: reason)
}
