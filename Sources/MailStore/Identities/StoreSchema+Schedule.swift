import GRDB

extension StoreSchema {
    /// Version 4: the daemon's schedule, one row per identity (docs/store.md, "The schedule").
    /// Every process sharing the store claims due rows in one immediate transaction, so each
    /// identity is synced once per interval whatever the number of workers; `push` is the
    /// identity's own push setting (NULL: the daemon's `push.enabled`), and whoever holds its
    /// IDLE connection leases it (`push_owner`) so that only one worker watches it.
    static let scheduleMigration = Migration(version: 4, name: "identity-schedule", body: { db, _ in
        try db.execute(sql: """
            CREATE TABLE identity_schedule (
                identity_id TEXT PRIMARY KEY NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
                next_due REAL,                              -- epoch seconds; NULL: not scheduled yet (jittered first round)
                owner TEXT,                                 -- the worker running its scheduled sync, until lease_expires_at
                lease_expires_at REAL,
                push INTEGER,                               -- 1 on, 0 off, NULL: the daemon's push.enabled
                push_owner TEXT,                            -- the worker holding its IDLE connection, until push_expires_at
                push_expires_at REAL
            );
            CREATE INDEX identity_schedule_due ON identity_schedule(next_due);
            """)
    })
}
