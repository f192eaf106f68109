import Foundation
import Logging
import MailJobs
import MailStore

/// Holds the IDLE connections of this worker's push identities: every `refresh` it renews its
/// push leases in the store and takes free push identities up to `push.max_connections`
/// (`MailStore.claimPushIdentities`: one worker per identity among those sharing the store),
/// starts a `PushWatcher` for each new one and stops those it no longer holds.
struct PushSupervisor: Sendable {
    let store: MailStore
    let owner: String
    let configuration: WorkerConfiguration
    let syncs: BackgroundSyncs
    let logger: Logger
    var refresh: Duration = .seconds(15)
    /// A worker that stops refreshing (killed) loses its identities to another after this long.
    var leaseSeconds: TimeInterval = 60

    func run() async {
        let limit = configuration.push.maxConnections
        guard limit > 0 else { return }
        // Unstructured so that one can be stopped alone; all are cancelled and awaited below.
        var watchers: [UUID: Task<Void, Never>] = [:]
        repeat {
            let held: [ScheduledIdentity]
            do {
                let (store, owner, enabled, lease) = (self.store, self.owner, configuration.push.enabled, leaseSeconds)
                held = try await offThePool {
                    try store.claimPushIdentities(owner: owner, limit: limit, defaultEnabled: enabled, leaseSeconds: lease)
                }
            } catch {
                logger.warning("cannot read the push identities", metadata: ["error": "\(error)"])
                continue
            }
            let wanted = Set(held.map(\.id))
            syncs.status.pushHeld(wanted)
            for (id, task) in watchers where !wanted.contains(id) {
                task.cancel()
                watchers[id] = nil
            }
            for identity in held where watchers[identity.id] == nil {
                let watcher = PushWatcher(identity: identity, store: store, configuration: configuration, syncs: syncs,
                                          logger: logger)
                watchers[identity.id] = Task { await watcher.run() }
            }
        } while (try? await Task.sleep(for: refresh)) != nil
        for task in watchers.values { task.cancel() }
        for task in watchers.values { await task.value }
        syncs.status.pushHeld([])
        let (store, owner) = (self.store, self.owner)
        _ = try? await offThePool { try store.releasePushIdentities(owner: owner) }
    }
}
