import Foundation
import GRDB

/// The per-identity sync lock (see `SyncLock`), kept in the identity's row so that every process
/// sharing the store file sees it.
extension MailStore {
    /// Takes the lock for `owner` until `now + duration`, or extends `owner`'s own. Throws
    /// `.syncLockHeld` while another owner's lock has not expired; an expired one is taken over,
    /// and so is one whose holder process is gone from this host (``SyncLockHolder``: a killed run).
    @discardableResult
    public func acquireSyncLock(identityID: UUID, owner: String, duration: TimeInterval,
                                now: Date = Date()) throws(MailStoreError) -> SyncLock {
        let decision = try withSyncLock(identityID) { current in
            let decision = SyncLock.acquire(current, owner: owner, now: now, duration: duration) {
                SyncLockHolder(owner: $0)?.isGoneOnThisHost ?? false
            }
            if case .granted(let lock) = decision { return (decision, .some(lock)) }
            return (decision, nil)
        }
        switch decision {
        case .granted(let lock):
            return lock
        case .heldBy(let other):
            throw .syncLockHeld(identity: identityID.uuidString, owner: other.owner, until: other.expiresAt.ISO8601Format())
        }
    }

    /// Extends `owner`'s lock; false when the owner no longer holds it (it expired and was taken over).
    public func refreshSyncLock(identityID: UUID, owner: String, duration: TimeInterval,
                                now: Date = Date()) throws(MailStoreError) -> Bool {
        try withSyncLock(identityID) { current in
            let lock = SyncLock.refresh(current, owner: owner, now: now, duration: duration)
            return (lock != nil, lock.map { .some($0) })
        }
    }

    /// Drops `owner`'s lock; false when it did not hold it.
    @discardableResult
    public func releaseSyncLock(identityID: UUID, owner: String) throws(MailStoreError) -> Bool {
        try withSyncLock(identityID) { current in
            SyncLock.release(current, owner: owner) ? (true, .some(nil)) : (false, nil)
        }
    }

    /// Runs `decide` on the stored lock in one immediate transaction; its second result, when
    /// not nil, is the lock to store (`.some(nil)` clears it).
    private func withSyncLock<T>(_ id: UUID, _ decide: (SyncLock?) -> (T, SyncLock??)) throws(MailStoreError) -> T {
        try immediateWrite { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT sync_owner, sync_expires_at FROM identities WHERE id = ?",
                                             arguments: [id.uuidString]) else {
                throw MailStoreError.notFound("identity \(id.uuidString)")
            }
            let (result, change) = decide(try SyncLock.decode(row))
            if let change {
                try db.execute(sql: "UPDATE identities SET sync_owner = ?, sync_expires_at = ? WHERE id = ?",
                               arguments: [change?.owner, change?.expiresAt.timeIntervalSince1970, id.uuidString])
            }
            return result
        }
    }
}

extension SyncLock {
    /// The lock in a row of `identities`; nil when none is held.
    static func decode(_ row: Row) throws -> SyncLock? {
        let owner: String? = try row.decode(forColumn: "sync_owner")
        let expires: Double? = try row.decode(forColumn: "sync_expires_at")
        guard let owner, let expires else { return nil }
        return SyncLock(owner: owner, expiresAt: Date(timeIntervalSince1970: expires))
    }
}
