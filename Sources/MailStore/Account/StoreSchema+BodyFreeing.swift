import GRDB

extension StoreSchema {
    /// Version 5: a body whose last message goes is queued in `orphaned_bodies` instead of being
    /// deleted by the deleting statement (docs/store.md, "Deleting"). Freeing a body touches its
    /// own pages, its overflow chain and its hash index: inside an expunge that was most of the
    /// transaction, on a sync's critical path. The store frees the queue in a transaction of its
    /// own right after (`MailStore.freeOrphanedBodies`), and again at open if a process died
    /// before it did. A body reused by a new message in between stays.
    static let bodyFreeingMigration = Migration(version: 5, name: "deferred-body-freeing", body: { db, _ in
        try db.execute(sql: """
            CREATE TABLE orphaned_bodies (body_id INTEGER PRIMARY KEY);
            DROP TRIGGER messages_free_body;
            CREATE TRIGGER messages_orphan_body AFTER DELETE ON messages
                WHEN NOT EXISTS (SELECT 1 FROM messages WHERE body_id = OLD.body_id)
                BEGIN INSERT OR IGNORE INTO orphaned_bodies (body_id) VALUES (OLD.body_id); END;
            """)
    })
}
