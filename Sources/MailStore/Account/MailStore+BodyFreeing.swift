import GRDB

extension MailStore {
    /// Frees, in one transaction, the bodies queued in `orphaned_bodies` that still have no
    /// message (one appended since with the same content keeps its body), and empties the queue.
    /// Returns how many bodies went. The store runs it by itself after every deletion; a caller
    /// needs it only to wait for that.
    @discardableResult
    public func freeOrphanedBodies() async throws(MailStoreError) -> Int {
        try await asyncWrite { db in try Self.freeOrphanedBodies(db) }
    }

    /// Queues the freeing on the writer behind the writes already waiting, without waiting for
    /// it: the deleting caller's next steps (a sync's flag stores, its next mailbox) do not pay
    /// for it. `close()` runs what is queued before it closes.
    func scheduleBodyFreeing() {
        let (logger, path) = (self.logger, self.path)
        pool.asyncWrite({ db in try Self.freeOrphanedBodies(db) }, completion: { _, result in
            // The queue stays for the next deletion or the next open: nothing is lost.
            if case .failure(let error) = result {
                logger.warning("mail store: freeing deleted bodies failed", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        })
    }

    /// At open: a process that died between a deletion and its freeing left the queue.
    func freeBodiesLeftQueued() throws(MailStoreError) {
        if try read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM orphaned_bodies)") ?? false }) {
            scheduleBodyFreeing()
        }
    }

    static func freeOrphanedBodies(_ db: Database) throws -> Int {
        try db.execute(sql: """
            DELETE FROM bodies WHERE id IN (SELECT body_id FROM orphaned_bodies)
               AND NOT EXISTS (SELECT 1 FROM messages WHERE body_id = bodies.id)
            """)
        let freed = db.changesCount
        try db.execute(sql: "DELETE FROM orphaned_bodies")
        return freed
    }
}
