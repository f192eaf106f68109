import Foundation
import GRDB

/// One identity the schedule handed out: its id and user (enough for a `sync` order).
public struct ScheduledIdentity: Sendable, Hashable {
    public var id: UUID
    public var userID: String

    public init(id: UUID, userID: String) {
        self.id = id
        self.userID = userID
    }
}

/// The daemon's schedule (table `identity_schedule`): which active identity is due for its
/// periodic sync, and which worker holds its push (IDLE) connection. Every decision is taken in
/// one immediate transaction, so that workers sharing the store never hand one identity out twice.
extension MailStore {
    /// Claims up to `limit` active identities whose sync is due, for `owner`: each gets a lease
    /// until `now + leaseSeconds` and its next due time moves to `now + interval`. Identities
    /// never scheduled get a first due time spread over `[now, now + firstRoundSpread)`, so that
    /// a fleet started at once does not sync every identity in the same second. `excluding`:
    /// identities the caller is already syncing (they stay due).
    public func claimDueIdentities(owner: String, limit: Int, interval: TimeInterval, firstRoundSpread: TimeInterval,
                                   leaseSeconds: TimeInterval, excluding: Set<UUID> = [],
                                   now: Date = Date()) throws(MailStoreError) -> [ScheduledIdentity] {
        guard limit > 0 else { return [] }
        let at = now.timeIntervalSince1970
        return try immediateWrite { db in
            try Self.scheduleNewIdentities(db, at: at, spread: firstRoundSpread)
            let excluded = excluding.map(\.uuidString)
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.identity_id, i.user_id FROM identity_schedule s JOIN identities i ON i.id = s.identity_id
                WHERE i.status = 'active' AND s.next_due <= ? AND (s.owner IS NULL OR s.lease_expires_at <= ?)
                  AND s.identity_id NOT IN (SELECT value FROM json_each(?))
                ORDER BY s.next_due LIMIT ?
                """, arguments: [at, at, Self.jsonArray(excluded), limit])
            var claimed: [ScheduledIdentity] = []
            for row in rows {
                let idText: String = row["identity_id"]
                guard let id = UUID(uuidString: idText) else { continue }
                try db.execute(sql: """
                    UPDATE identity_schedule SET owner = ?, lease_expires_at = ?, next_due = ? WHERE identity_id = ?
                    """, arguments: [owner, at + leaseSeconds, at + interval, idText])
                claimed.append(ScheduledIdentity(id: id, userID: row["user_id"]))
            }
            return claimed
        }
    }

    /// Extends `owner`'s lease on a scheduled sync still running; false once it is not `owner`'s.
    @discardableResult
    public func refreshScheduleLease(identityID: UUID, owner: String, leaseSeconds: TimeInterval,
                                     now: Date = Date()) throws(MailStoreError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE identity_schedule SET lease_expires_at = ? WHERE identity_id = ? AND owner = ?",
                           arguments: [now.timeIntervalSince1970 + leaseSeconds, identityID.uuidString, owner])
            return db.changesCount > 0
        }
    }

    /// Ends `owner`'s lease on a scheduled sync. `dueAgain` (a run given back at shutdown) makes
    /// the identity due at once, for another worker to take.
    public func endScheduleLease(identityID: UUID, owner: String, dueAgain: Bool = false,
                                 now: Date = Date()) throws(MailStoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE identity_schedule SET owner = NULL, lease_expires_at = NULL,
                    next_due = CASE WHEN ? THEN ? ELSE next_due END
                WHERE identity_id = ? AND owner = ?
                """, arguments: [dueAgain, now.timeIntervalSince1970, identityID.uuidString, owner])
        }
    }

    /// When the identity's next scheduled sync is due (nil: not scheduled yet).
    public func nextScheduledSync(identityID: UUID) throws(MailStoreError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT next_due FROM identity_schedule WHERE identity_id = ?",
                                arguments: [identityID.uuidString]).map { Date(timeIntervalSince1970: $0) }
        }
    }

    // MARK: - Push

    /// The identity's own push setting: true or false, nil to follow the daemon's `push.enabled`.
    public func setPush(identityID: UUID, _ enabled: Bool?) throws(MailStoreError) {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM identities WHERE id = ?",
                                    arguments: [identityID.uuidString]) == true else {
                throw MailStoreError.notFound("identity \(identityID.uuidString)")
            }
            try db.execute(sql: """
                INSERT INTO identity_schedule (identity_id, push) VALUES (?, ?)
                ON CONFLICT (identity_id) DO UPDATE SET push = excluded.push
                """, arguments: [identityID.uuidString, enabled])
        }
    }

    public func pushSetting(identityID: UUID) throws(MailStoreError) -> Bool? {
        try read { db in
            try Bool?.fetchOne(db, sql: "SELECT push FROM identity_schedule WHERE identity_id = ?",
                               arguments: [identityID.uuidString]) ?? nil
        }
    }

    /// The push identities `owner` watches from now on: those it already holds (their lease is
    /// extended) plus, up to `limit` in all, active push identities nobody holds or whose holder's
    /// lease expired. An identity no longer active or no longer on push is let go (not returned).
    public func claimPushIdentities(owner: String, limit: Int, defaultEnabled: Bool, leaseSeconds: TimeInterval,
                                    now: Date = Date()) throws(MailStoreError) -> [ScheduledIdentity] {
        let at = now.timeIntervalSince1970
        return try immediateWrite { db in
            try Self.scheduleNewIdentities(db, at: at, spread: nil)
            let wanted = "i.status = 'active' AND COALESCE(s.push, ?) = 1"
            // Let go of what this owner should not hold any more.
            try db.execute(sql: """
                UPDATE identity_schedule SET push_owner = NULL, push_expires_at = NULL
                WHERE push_owner = ? AND identity_id NOT IN (
                    SELECT s.identity_id FROM identity_schedule s JOIN identities i ON i.id = s.identity_id WHERE \(wanted))
                """, arguments: [owner, defaultEnabled])
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.identity_id, i.user_id FROM identity_schedule s JOIN identities i ON i.id = s.identity_id
                WHERE \(wanted) AND (s.push_owner = ? OR s.push_owner IS NULL OR s.push_expires_at <= ?)
                ORDER BY s.push_owner = ? DESC, i.created_at, i.id LIMIT ?
                """, arguments: [defaultEnabled, owner, at, owner, max(0, limit)])
            var held: [ScheduledIdentity] = []
            for row in rows {
                let idText: String = row["identity_id"]
                guard let id = UUID(uuidString: idText) else { continue }
                try db.execute(sql: "UPDATE identity_schedule SET push_owner = ?, push_expires_at = ? WHERE identity_id = ?",
                               arguments: [owner, at + leaseSeconds, idText])
                held.append(ScheduledIdentity(id: id, userID: row["user_id"]))
            }
            // Beyond the limit (it was lowered): the rest of this owner's leases go.
            let kept = Self.jsonArray(held.map(\.id.uuidString))
            try db.execute(sql: """
                UPDATE identity_schedule SET push_owner = NULL, push_expires_at = NULL
                WHERE push_owner = ? AND identity_id NOT IN (SELECT value FROM json_each(?))
                """, arguments: [owner, kept])
            return held
        }
    }

    /// Lets go of every push lease of `owner` (shutdown), so that another worker takes them at once.
    public func releasePushIdentities(owner: String) throws(MailStoreError) {
        try write { db in
            try db.execute(sql: "UPDATE identity_schedule SET push_owner = NULL, push_expires_at = NULL WHERE push_owner = ?",
                           arguments: [owner])
        }
    }

    // MARK: - Rows

    /// Gives every identity a schedule row, and every row not yet scheduled its first due time
    /// (spread over `spread` seconds with SQLite's random(), when given).
    private static func scheduleNewIdentities(_ db: Database, at: Double, spread: TimeInterval?) throws {
        try db.execute(sql: """
            INSERT INTO identity_schedule (identity_id)
            SELECT id FROM identities WHERE id NOT IN (SELECT identity_id FROM identity_schedule)
            """)
        guard let spread else { return }
        let milliseconds = max(1, Int64(spread * 1000))
        try db.execute(sql: """
            UPDATE identity_schedule SET next_due = ? + (abs(random()) % ?) / 1000.0 WHERE next_due IS NULL
            """, arguments: [at, milliseconds])
    }
}
