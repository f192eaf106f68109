import Foundation

/// Who is syncing an identity, until when. A lock is a lease: its owner refreshes it while it
/// works, and once `expiresAt` has passed anyone may take it over, so that a crashed process
/// (Caliopen's stale `syncing` timestamp) never blocks an identity for good. Sooner on the
/// holder's own host: an owner whose process is gone there is taken over at once
/// (``SyncLockHolder``).
public struct SyncLock: Sendable, Hashable, Codable {
    public var owner: String
    public var expiresAt: Date

    public init(owner: String, expiresAt: Date) {
        self.owner = owner
        self.expiresAt = expiresAt
    }

    public func isExpired(at now: Date) -> Bool { expiresAt <= now }

    /// What acquiring (or refreshing) `current` for `owner` gives.
    public enum Decision: Sendable, Hashable {
        /// The new lock to store: it was free, expired, or already `owner`'s.
        case granted(SyncLock)
        /// Someone else holds it, it has not expired and its holder may still run.
        case heldBy(SyncLock)
    }

    /// `holderIsGone(owner)`: the owner's process certainly no longer runs (then its lock is
    /// free before it expires).
    public static func acquire(_ current: SyncLock?, owner: String, now: Date, duration: TimeInterval,
                               holderIsGone: (String) -> Bool = { _ in false }) -> Decision {
        if let current, current.owner != owner, !current.isExpired(at: now), !holderIsGone(current.owner) {
            return .heldBy(current)
        }
        return .granted(SyncLock(owner: owner, expiresAt: now + duration))
    }

    /// Refreshing only extends the owner's own lock; once another took it over, the owner lost it.
    public static func refresh(_ current: SyncLock?, owner: String, now: Date, duration: TimeInterval) -> SyncLock? {
        guard let current, current.owner == owner else { return nil }
        return SyncLock(owner: owner, expiresAt: now + duration)
    }

    /// Releasing removes only the owner's own lock.
    public static func release(_ current: SyncLock?, owner: String) -> Bool {
        current?.owner == owner
    }
}
