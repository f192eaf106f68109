import Foundation
import GRDB

extension StoreSchema {
    /// Version 2: identities keep every connection setting, are unique per (user, login,
    /// normalised server), seal their secrets (AES-256-GCM, see `StoreSecrets`), track why they
    /// went inactive, and carry a sync lock. The table is rebuilt; clear passwords of version 1
    /// are sealed on the way and their pages overwritten (secure_delete), and the store
    /// checkpoints the log afterwards (`MailStore.migrate`), so the clear text leaves the files.
    static let identitySecretsMigration = Migration(version: 2, name: "identity-settings-sealed-secrets-lock",
                                                    body: rebuildIdentitiesSealingSecrets)

    static let identitiesTableV2 = """
        CREATE TABLE identities (
            id TEXT PRIMARY KEY NOT NULL,               -- UUID, upper-case text
            user_id TEXT NOT NULL,
            server TEXT NOT NULL,                       -- normalised host:port ('' for a tunnel without one)
            login TEXT NOT NULL,
            server_key TEXT NOT NULL,                   -- server, or tunnel:COMMAND; unique with user and login
            sealed_password BLOB,                       -- SealedSecret: version, nonce, ciphertext, tag
            sealed_oauth_token BLOB,
            password_command TEXT,
            oauth_token_command TEXT,
            auth_mechanisms TEXT NOT NULL,              -- JSON array, preference order
            tls TEXT NOT NULL,                          -- JSON RemoteIdentity.TLSSettings
            proxy TEXT,
            compress INTEGER NOT NULL DEFAULT 0,
            mailboxes TEXT NOT NULL,                    -- JSON array of remote mailbox names
            status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
            inactive_reason TEXT,
            last_check REAL,                            -- epoch seconds
            error_count INTEGER NOT NULL DEFAULT 0,
            first_error_at REAL,
            last_error_at REAL,
            last_error TEXT,
            sync_owner TEXT,                            -- sync lock: owner and expiry
            sync_expires_at REAL,
            created_at REAL NOT NULL,
            UNIQUE (user_id, login, server_key)
        );
        CREATE INDEX identities_user ON identities(user_id);
        CREATE INDEX identities_status ON identities(status);
        """

    private static func rebuildIdentitiesSealingSecrets(_ db: Database, _ secrets: StoreSecrets) throws {
        // Freed and rewritten cells are zeroed, so no clear password stays in a page.
        try db.execute(sql: "PRAGMA secure_delete = ON")
        defer { try? db.execute(sql: "PRAGMA secure_delete = FAST") }  // the store's own mode
        let old = try Row.fetchAll(db, sql: "SELECT * FROM identities ORDER BY created_at, id")
        try db.execute(sql: "ALTER TABLE identities RENAME TO identities_v1")
        try db.execute(sql: "DROP INDEX IF EXISTS identities_user")
        try db.execute(sql: "DROP INDEX IF EXISTS identities_status")
        try db.execute(sql: identitiesTableV2)
        var owners: [String: String] = [:]  // user, login, key → the identity that has it
        for row in old {
            let idText: String = try row.decode(forColumn: "id")
            guard let id = UUID(uuidString: idText) else { throw corruptRow("identity id \(idText) is not a UUID") }
            let tlsText: String = try row.decode(forColumn: "tls")
            let tls = (try? JSONDecoder().decode(RemoteIdentity.TLSSettings.self, from: Data(tlsText.utf8)))
                ?? RemoteIdentity.TLSSettings()
            let rawServer: String = try row.decode(forColumn: "server")
            let server = (try? NormalizedServer.normalize(rawServer, connection: tls.connection)) ?? rawServer.lowercased()
            let userID: String = try row.decode(forColumn: "user_id")
            let login: String = try row.decode(forColumn: "login")
            var key = NormalizedServer.uniquenessKey(server: server, connection: tls.connection,
                                                     tunnelCommand: tls.tunnelCommand)
            var status: String = try row.decode(forColumn: "status")
            var reason: String?
            // Two old rows for one account (they were told apart by the spelling of the server):
            // the later one stays, inactive, with a key of its own.
            let owner = "\(userID)\u{0}\(login)\u{0}\(key)"
            if let first = owners[owner] {
                key += "#\(idText)"
                status = "inactive"
                reason = "duplicate of identity \(first)"
            } else {
                owners[owner] = idText
            }
            let password: String? = try row.decode(forColumn: "password")
            let sealed = try password.map { try secrets.seal($0, for: id) }
            try db.execute(sql: """
                INSERT INTO identities (id, user_id, server, login, server_key, sealed_password, auth_mechanisms, tls,
                    mailboxes, status, inactive_reason, last_check, error_count, first_error_at, last_error_at,
                    last_error, created_at)
                SELECT id, user_id, ?, login, ?, ?, auth_mechanisms, tls, mailboxes, ?, ?, last_check, error_count,
                    first_error_at, last_error_at, last_error, created_at FROM identities_v1 WHERE id = ?
                """, arguments: [server, key, sealed.map { Data($0) }, status, reason, idText])
        }
        try db.execute(sql: "DROP TABLE identities_v1")
    }
}
