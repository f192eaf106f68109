import GRDB

/// The schema, as an ordered list of named, versioned migrations. A later feature (the sync
/// engine's local↔remote UID mapping, …) appends a migration here; applied ones never change.
/// Each migration also sets `PRAGMA user_version` to its version, so that an older build can tell
/// (and say) that a file comes from a newer one.
enum StoreSchema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        /// Gets the store's secrets for migrations that seal values.
        let body: @Sendable (Database, StoreSecrets) throws -> Void
        var identifier: String { "v\(version)-\(name)" }
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "identities-mailboxes-messages", body: { db, _ in try createInitialSchema(db) }),
        identitySecretsMigration,
        localAccountMigration,
        scheduleMigration,
        bodyFreeingMigration,
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// The page size of a new store (docs/store.md, "Pages"); an existing file keeps its own.
    static let pageSize = 32_768
    /// Each connection's page cache, in this store's pages: 2 MiB, about SQLite's default.
    static let cacheBytes = 2 << 20

    static func migrator(secrets: StoreSecrets) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                try migration.body(db, secrets)
                try db.execute(sql: "PRAGMA user_version = \(migration.version)")
            }
        }
        return migrator
    }

    private static func createInitialSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE identities (
                id TEXT PRIMARY KEY NOT NULL,               -- UUID, upper-case text
                user_id TEXT NOT NULL,
                server TEXT NOT NULL,                       -- host:port
                login TEXT NOT NULL,
                password TEXT,                              -- clear text: protect the file (0600)
                auth_mechanisms TEXT NOT NULL,              -- JSON array, preference order
                tls TEXT NOT NULL,                          -- JSON RemoteIdentity.TLSSettings
                mailboxes TEXT NOT NULL,                    -- JSON array of remote mailbox names
                status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
                last_check REAL,                            -- epoch seconds
                error_count INTEGER NOT NULL DEFAULT 0,
                first_error_at REAL,
                last_error_at REAL,
                last_error TEXT,
                created_at REAL NOT NULL
            );
            CREATE INDEX identities_user ON identities(user_id);
            CREATE INDEX identities_status ON identities(status);

            CREATE TABLE mailboxes (
                id INTEGER PRIMARY KEY,
                user_id TEXT NOT NULL,
                name TEXT NOT NULL,                         -- decoded Unicode, NFC
                delimiter TEXT,
                uidvalidity INTEGER NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
                uidnext INTEGER NOT NULL DEFAULT 1 CHECK (uidnext BETWEEN 1 AND 4294967295),
                highestmodseq INTEGER NOT NULL DEFAULT 0,
                subscribed INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                UNIQUE (user_id, name)
            );

            CREATE TABLE messages (
                id INTEGER PRIMARY KEY,
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,                      -- the mailbox's user, for the origin key
                uid INTEGER NOT NULL,                       -- our local UID
                flags TEXT NOT NULL DEFAULT '',             -- normalised, space-separated
                modseq INTEGER NOT NULL,
                internal_date INTEGER NOT NULL,             -- epoch seconds
                internal_date_offset INTEGER NOT NULL DEFAULT 0, -- UTC offset, minutes
                size INTEGER NOT NULL,
                raw BLOB NOT NULL,                          -- RFC 5322 bytes as fetched
                sha256 TEXT NOT NULL,                       -- lower-case hex of raw
                origin_account TEXT,                        -- login@host:port
                origin_identity TEXT,                       -- identities.id, kept if it is deleted
                origin_mailbox TEXT,
                origin_uidvalidity INTEGER,
                origin_uid INTEGER,
                fetched_at REAL NOT NULL,
                UNIQUE (mailbox_id, uid)
            );
            CREATE UNIQUE INDEX messages_origin
                ON messages(user_id, origin_account, origin_mailbox, origin_uidvalidity, origin_uid);
            CREATE INDEX messages_mailbox_modseq ON messages(mailbox_id, modseq);
            CREATE INDEX messages_user_sha256 ON messages(user_id, sha256);
            """)
    }
}
