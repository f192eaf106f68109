import Credentials
import Foundation
import GRDB

/// Remote identities: the accounts mail is pulled from.
extension MailStore {
    /// Stores a new identity, its server normalised (`NormalizedServer`) and its secrets sealed.
    /// Throws `.alreadyExists` when its id is taken or the user already has an identity for this
    /// login on this server; returns the identity as stored.
    @discardableResult
    public func addIdentity(_ identity: RemoteIdentity) throws(MailStoreError) -> RemoteIdentity {
        var identity = identity
        let columns = try IdentityColumns(&identity, secrets: secrets)
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identities WHERE id = ?", arguments: [columns.id]) == true {
                throw MailStoreError.alreadyExists("identity \(columns.id)")
            }
            try columns.checkUnique(db, identity)
            try db.execute(sql: """
                INSERT INTO identities (\(IdentityColumns.names.joined(separator: ", ")), status, inactive_reason,
                    last_check, error_count, first_error_at, last_error_at, last_error, created_at, id)
                VALUES (\(Array(repeating: "?", count: IdentityColumns.names.count + 9).joined(separator: ", ")))
                """, arguments: StatementArguments(columns.configuration + [
                    identity.status.rawValue, identity.inactiveReason,
                    identity.lastCheck?.timeIntervalSince1970, identity.errorCount,
                    identity.firstErrorAt?.timeIntervalSince1970, identity.lastErrorAt?.timeIntervalSince1970,
                    identity.lastError, Date().timeIntervalSince1970, columns.id,
                ]))
        }
        logger.info("identity added", metadata: ["identity": "\(identity)"])
        return identity
    }

    public func identity(id: UUID) throws(MailStoreError) -> RemoteIdentity? {
        let secrets = self.secrets
        return try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identities WHERE id = ?", arguments: [id.uuidString])
                .map { try RemoteIdentity(row: $0, secrets: secrets) }
        }
    }

    /// The user's identities, oldest first.
    public func identities(userID: String) throws(MailStoreError) -> [RemoteIdentity] {
        let secrets = self.secrets
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identities WHERE user_id = ? ORDER BY created_at, id",
                             arguments: [userID]).map { try RemoteIdentity(row: $0, secrets: secrets) }
        }
    }

    /// Every active identity of every user, by user then age.
    public func allActiveIdentities() throws(MailStoreError) -> [RemoteIdentity] {
        let secrets = self.secrets
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identities WHERE status = 'active' ORDER BY user_id, created_at, id")
                .map { try RemoteIdentity(row: $0, secrets: secrets) }
        }
    }

    /// Replaces the identity's configuration (user, server, login, secrets, mechanisms, TLS,
    /// proxy, compression, mailboxes, status). The check history (last check, error counters) and
    /// the sync lock are left as stored: only `recordCheck…` and the lock calls change them, so a
    /// stale copy cannot undo them.
    public func updateIdentity(_ identity: RemoteIdentity) throws(MailStoreError) {
        var identity = identity
        let columns = try IdentityColumns(&identity, secrets: secrets)
        try write { db in
            try columns.checkUnique(db, identity)
            try db.execute(sql: """
                UPDATE identities SET \(IdentityColumns.names.map { "\($0) = ?" }.joined(separator: ", ")),
                    status = ?, inactive_reason = ? WHERE id = ?
                """, arguments: StatementArguments(columns.configuration
                    + [identity.status.rawValue, identity.inactiveReason, columns.id]))
            if db.changesCount == 0 { throw MailStoreError.notFound("identity \(columns.id)") }
        }
    }

    /// Sets the status; `reason` says why an identity is inactive (cleared when it becomes active).
    public func setStatus(id: UUID, status: RemoteIdentity.Status, reason: String? = nil) throws(MailStoreError) {
        try updateOne(id, sql: "UPDATE identities SET status = ?, inactive_reason = ? WHERE id = ?",
                      [status.rawValue, status == .active ? nil : reason])
        logger.info("identity status changed", metadata: ["identity": "\(id)", "status": "\(status.rawValue)"])
    }

    /// A check ran fine: records its time, clears the error counters, and re-activates an identity
    /// that failures had made inactive.
    @discardableResult
    public func recordCheckSucceeded(id: UUID, at date: Date = Date()) throws(MailStoreError) -> IdentityHealth {
        try updateHealth(id) { $0.recordSuccess(at: date) }
    }

    /// A check failed: counts it, keeps the time of the first error of the run of failures, and
    /// makes the identity inactive once that run has lasted `deactivateAfter` (see `IdentityHealth`).
    /// `error` must not hold a secret (use the errors' descriptions, which redact them).
    @discardableResult
    public func recordCheckFailed(id: UUID, at date: Date = Date(), error: String,
                                  deactivateAfter: TimeInterval = IdentityHealth.defaultDeactivateAfter)
        throws(MailStoreError) -> IdentityHealth
    {
        let health = try updateHealth(id) { $0.recordFailure(at: date, error: error, deactivateAfter: deactivateAfter) }
        if health.deactivatedByFailures, let reason = health.inactiveReason {
            logger.warning("identity inactive: failing for too long", metadata: ["identity": "\(id)", "reason": "\(reason)"])
        }
        return health
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

    private func updateHealth(_ id: UUID, _ change: (inout IdentityHealth) -> Void) throws(MailStoreError) -> IdentityHealth {
        try immediateWrite { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT status, inactive_reason, last_check, error_count, first_error_at, last_error_at, last_error
                FROM identities WHERE id = ?
                """, arguments: [id.uuidString]) else {
                throw MailStoreError.notFound("identity \(id.uuidString)")
            }
            var health = try IdentityHealth(row: row)
            change(&health)
            try db.execute(sql: """
                UPDATE identities SET status = ?, inactive_reason = ?, last_check = ?, error_count = ?,
                    first_error_at = ?, last_error_at = ?, last_error = ? WHERE id = ?
                """, arguments: [health.status.rawValue, health.inactiveReason, health.lastCheck?.timeIntervalSince1970,
                                 health.errorCount, health.firstErrorAt?.timeIntervalSince1970,
                                 health.lastErrorAt?.timeIntervalSince1970, health.lastError, id.uuidString])
            return health
        }
    }

    private func updateOne(_ id: UUID, sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws(MailStoreError) {
        try write { db in
            try db.execute(sql: sql, arguments: StatementArguments(arguments + [id.uuidString]))
            if db.changesCount == 0 { throw MailStoreError.notFound("identity \(id.uuidString)") }
        }
    }

    /// A write transaction that takes SQLite's write lock when it begins, so that what it reads
    /// cannot be changed by another process before it writes.
    func immediateWrite<T>(_ body: (Database) throws -> T) throws(MailStoreError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw MailStoreError.io("transaction ended without a result") }
                return result
            }
        } catch {
            throw MailStoreError(error, path: path)
        }
    }
}

/// The configuration columns of an identity, secrets sealed.
private struct IdentityColumns {
    static let names = ["user_id", "server", "login", "server_key", "sealed_password", "sealed_oauth_token",
                        "password_command", "oauth_token_command", "auth_mechanisms", "tls", "proxy", "compress",
                        "mailboxes"]
    let id: String
    let serverKey: String
    let configuration: [(any DatabaseValueConvertible)?]

    /// Normalises `identity.server` in place.
    init(_ identity: inout RemoteIdentity, secrets: StoreSecrets) throws(MailStoreError) {
        id = identity.id.uuidString
        identity.server = try NormalizedServer.normalize(identity.server, connection: identity.tls.connection)
        serverKey = NormalizedServer.uniquenessKey(server: identity.server, connection: identity.tls.connection,
                                                   tunnelCommand: identity.tls.tunnelCommand)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let identityID = identity.id
        func json(_ value: some Encodable) throws(MailStoreError) -> String {
            do {
                return String(decoding: try encoder.encode(value), as: UTF8.self)
            } catch {
                throw .invalidArgument("identity \(identityID): cannot encode settings: \(error)")
            }
        }
        func sealed(_ secret: Secret?) throws(MailStoreError) -> Data? {
            guard let secret else { return nil }
            return Data(try secrets.seal(secret.value, for: identityID))
        }
        configuration = [
            identity.userID, identity.server, identity.login, serverKey,
            try sealed(identity.password), try sealed(identity.oauthToken),
            identity.passwordCommand, identity.oauthTokenCommand,
            try json(identity.authMechanisms), try json(identity.tls), identity.proxy, identity.compress,
            try json(identity.mailboxes),
        ]
    }

    /// One identity per user, login and server.
    func checkUnique(_ db: Database, _ identity: RemoteIdentity) throws {
        if let other = try String.fetchOne(db, sql: """
            SELECT id FROM identities WHERE user_id = ? AND login = ? AND server_key = ? AND id != ?
            """, arguments: [identity.userID, identity.login, serverKey, id]) {
            throw MailStoreError.alreadyExists(
                "identity \(other) for \(identity.login)@\(serverKey) of user \(identity.userID)")
        }
    }
}

extension IdentityHealth {
    init(row: Row) throws {
        let statusText: String = try row.decode(forColumn: "status")
        guard let status = RemoteIdentity.Status(rawValue: statusText) else { throw corruptRow("bad identity status") }
        func date(_ column: String) throws -> Date? {
            try row.decode(Double?.self, forColumn: column).map(Date.init(timeIntervalSince1970:))
        }
        self.init(status: status, inactiveReason: try row.decode(forColumn: "inactive_reason"),
                  lastCheck: try date("last_check"), errorCount: try row.decode(forColumn: "error_count"),
                  firstErrorAt: try date("first_error_at"), lastErrorAt: try date("last_error_at"),
                  lastError: try row.decode(forColumn: "last_error"))
    }
}

extension RemoteIdentity {
    /// Decodes a row of `identities`, opening its secrets; a value of the wrong type throws
    /// (SQLITE_CORRUPT), never traps.
    init(row: Row, secrets: StoreSecrets) throws {
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
        func secret(_ column: String) throws -> Secret? {
            let sealed: Data? = try row.decode(forColumn: column)
            guard let sealed else { return nil }
            return Secret(try secrets.unseal([UInt8](sealed), for: id))
        }
        self.init(id: id, userID: try row.decode(forColumn: "user_id"), server: try row.decode(forColumn: "server"),
                  login: try row.decode(forColumn: "login"), password: try secret("sealed_password"),
                  oauthToken: try secret("sealed_oauth_token"),
                  passwordCommand: try row.decode(forColumn: "password_command"),
                  oauthTokenCommand: try row.decode(forColumn: "oauth_token_command"),
                  authMechanisms: try json("auth_mechanisms", [String].self), tls: try json("tls", TLSSettings.self),
                  proxy: try row.decode(forColumn: "proxy"), compress: try row.decode(forColumn: "compress"),
                  mailboxes: try json("mailboxes", [String].self),
                  syncLock: try SyncLock.decode(row))
        health = try IdentityHealth(row: row)
    }
}

/// An error for a row whose content cannot be what the schema says; mapped to `.corrupt(path, …)`.
func corruptRow(_ reason: String) -> DatabaseError {
    DatabaseError(resultCode: .SQLITE_CORRUPT, message: reason)
}
