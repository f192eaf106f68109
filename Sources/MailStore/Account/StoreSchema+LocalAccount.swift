import GRDB

extension StoreSchema {
    /// Version 3: the store as a mail account (docs/store.md, "The local account").
    /// - Bodies move to `bodies`, one row per (user, SHA-256), shared by every message holding them
    ///   and deleted with the last one (trigger `messages_free_body`; since version 5 queued, then
    ///   freed, see `bodyFreeingMigration`). Existing duplicates merge.
    /// - `tombstones` keeps (UID, modseq) of each expunge; `mailboxes.tombstones_pruned_modseq` is
    ///   the highest modseq of the tombstones pruned so far: every tombstone above it is present.
    /// - `mailbox_uidvalidities` remembers each UIDVALIDITY a name ever had, so a mailbox created
    ///   again under that name never gets one of them back.
    /// - HIGHESTMODSEQ starts at 1 (0 would read as NOMODSEQ); the first change is modseq 2.
    static let localAccountMigration = Migration(version: 3, name: "local-account-bodies-tombstones",
                                                 body: { db, _ in try migrateToLocalAccount(db) })

    private static func migrateToLocalAccount(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE bodies (
                id INTEGER PRIMARY KEY AUTOINCREMENT,       -- never reused: a stream reading by id stays on one body
                user_id TEXT NOT NULL,
                sha256 TEXT NOT NULL,                       -- lower-case hex of raw
                size INTEGER NOT NULL,
                raw BLOB NOT NULL,                          -- RFC 5322 bytes as fetched or appended
                UNIQUE (user_id, sha256)
            );
            INSERT INTO bodies (user_id, sha256, size, raw)
                SELECT user_id, sha256, size, raw FROM messages
                WHERE id IN (SELECT MIN(id) FROM messages GROUP BY user_id, sha256) ORDER BY id;

            CREATE TABLE messages_v3 (
                id INTEGER PRIMARY KEY,
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,                      -- the mailbox's user, for the origin key
                uid INTEGER NOT NULL,                       -- our local UID
                flags TEXT NOT NULL DEFAULT '',             -- normalised, space-separated, keywords included
                modseq INTEGER NOT NULL,                    -- of the last change to this message
                internal_date INTEGER NOT NULL,             -- epoch seconds
                internal_date_offset INTEGER NOT NULL DEFAULT 0, -- UTC offset, minutes
                size INTEGER NOT NULL,
                body_id INTEGER NOT NULL REFERENCES bodies(id),
                origin_account TEXT,                        -- login@host:port; NULL: appended locally
                origin_identity TEXT,
                origin_mailbox TEXT,
                origin_uidvalidity INTEGER,
                origin_uid INTEGER,
                fetched_at REAL NOT NULL,
                UNIQUE (mailbox_id, uid)
            );
            INSERT INTO messages_v3 (id, mailbox_id, user_id, uid, flags, modseq, internal_date, internal_date_offset,
                size, body_id, origin_account, origin_identity, origin_mailbox, origin_uidvalidity, origin_uid, fetched_at)
                SELECT m.id, m.mailbox_id, m.user_id, m.uid, m.flags, m.modseq, m.internal_date, m.internal_date_offset,
                    m.size, b.id, m.origin_account, m.origin_identity, m.origin_mailbox, m.origin_uidvalidity,
                    m.origin_uid, m.fetched_at
                FROM messages m JOIN bodies b ON b.user_id = m.user_id AND b.sha256 = m.sha256;
            DROP TABLE messages;
            ALTER TABLE messages_v3 RENAME TO messages;
            CREATE UNIQUE INDEX messages_origin
                ON messages(user_id, origin_account, origin_mailbox, origin_uidvalidity, origin_uid);
            CREATE INDEX messages_mailbox_modseq ON messages(mailbox_id, modseq);
            CREATE INDEX messages_body ON messages(body_id);
            CREATE TRIGGER messages_free_body AFTER DELETE ON messages
                WHEN NOT EXISTS (SELECT 1 FROM messages WHERE body_id = OLD.body_id)
                BEGIN DELETE FROM bodies WHERE id = OLD.body_id; END;

            CREATE TABLE tombstones (
                mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                uid INTEGER NOT NULL,
                modseq INTEGER NOT NULL,                    -- of the expunge
                expunged_at REAL NOT NULL,                  -- epoch seconds, for the pruning rule
                PRIMARY KEY (mailbox_id, uid)
            ) WITHOUT ROWID;
            CREATE INDEX tombstones_mailbox_modseq ON tombstones(mailbox_id, modseq);
            -- Before v3 nothing was ever expunged from a mailbox: no tombstone is missing.
            ALTER TABLE mailboxes ADD COLUMN tombstones_pruned_modseq INTEGER NOT NULL DEFAULT 0;
            UPDATE mailboxes SET highestmodseq = 1 WHERE highestmodseq < 1;

            CREATE TABLE mailbox_uidvalidities (
                user_id TEXT NOT NULL,
                name TEXT NOT NULL,
                uidvalidity INTEGER NOT NULL,
                PRIMARY KEY (user_id, name, uidvalidity)
            ) WITHOUT ROWID;
            INSERT INTO mailbox_uidvalidities SELECT user_id, name, uidvalidity FROM mailboxes;
            """)
    }
}
