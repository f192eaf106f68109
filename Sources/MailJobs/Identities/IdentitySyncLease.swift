import Foundation
import MailStore
import Synchronization

/// Holds an identity's sync lock while a job works on it: takes it (or throws
/// `MailStoreError.syncLockHeld`), refreshes it at a third of its duration, and releases it at
/// `end()`. A process that dies simply stops refreshing; its lock expires and can be taken over.
public final class IdentitySyncLease: Sendable {
    public let owner: String
    private let store: MailStore
    private let identityID: UUID
    private let refresher = Mutex<Task<Void, Never>?>(nil)

    /// The holder (host, pid, its start time, boot id: a killed run's lock is taken over at once
    /// on this host) plus a random part, so two leases of one process differ.
    public static func makeOwner() -> String {
        let tag = UUID().uuidString.prefix(8).lowercased()
        return SyncLockHolder.current(tag: tag)?.owner ?? "\(ProcessInfo.processInfo.hostName) pid \(getpid()) \(tag)"
    }

    public init(store: MailStore, identityID: UUID, duration: TimeInterval,
                owner: String = IdentitySyncLease.makeOwner()) throws(MailStoreError) {
        self.owner = owner
        self.store = store
        self.identityID = identityID
        try store.acquireSyncLock(identityID: identityID, owner: owner, duration: duration)
        let task = Task { [store, owner] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(duration / 3)) } catch { return }
                // A refresh that fails leaves the lock to expire; the job's own outcome decides.
                guard (try? store.refreshSyncLock(identityID: identityID, owner: owner, duration: duration)) == true else {
                    return
                }
            }
        }
        refresher.withLock { $0 = task }
    }

    /// Stops refreshing and releases the lock (if it is still ours), off the cooperative pool.
    /// Waits for the refresher to end: it holds the store, and a process that exits right after
    /// (imapctl) would otherwise never close it, leaving its log and shared-memory files behind.
    public func end() async {
        let task = refresher.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        let (store, identityID, owner) = (self.store, self.identityID, self.owner)
        _ = try? await offThePool { try store.releaseSyncLock(identityID: identityID, owner: owner) }
    }

    deinit { refresher.withLock { $0?.cancel() } }
}
