import Foundation
import Logging
import MailStore

/// The built-in scheduler (docs/worker.md, "Scheduler and push"): claims the identities due for
/// their periodic sync from the store (every worker sharing it claims in one transaction, so each
/// identity is synced once per `scheduler.poll_interval_seconds`) and takes push requests from
/// the push watchers; both become `sync` orders of the identity through the pool, at most
/// `scheduler.max_in_flight` at a time (`BackgroundSyncState` decides, this actor executes).
public actor BackgroundSyncs {
    let store: MailStore
    let owner: String
    /// 0: no scheduled syncs (push requests are still run).
    let interval: TimeInterval
    let leaseSeconds: TimeInterval
    let events: EventsDestination
    let logger: Logger
    /// Where `status` reads what runs and what waits.
    nonisolated let status: BackgroundStatus
    private var state: BackgroundSyncState
    private var pool: WorkerPool?
    private var sleeper: CheckedContinuation<Void, Never>?
    private var sleepTimer: Task<Void, Never>?
    private var woken = false

    public init(store: MailStore, owner: String, interval: TimeInterval, maxInFlight: Int, leaseSeconds: TimeInterval,
                events: EventsDestination, status: BackgroundStatus, logger: Logger) {
        self.store = store
        self.owner = owner
        self.interval = interval
        self.leaseSeconds = leaseSeconds
        self.events = events
        self.logger = logger
        self.status = status
        state = BackgroundSyncState(limit: maxInFlight)
    }

    /// How often the store is asked for due identities when nothing else wakes the scheduler:
    /// a tenth of the interval, between 0.1 and 5 seconds.
    var tick: Duration { .milliseconds(Int(min(max(interval / 10, 0.1), 5) * 1000)) }

    /// Starts syncs until cancelled (shutdown). Runs already handed to the pool finish there.
    public func run(pool: WorkerPool) async {
        self.pool = pool
        if interval > 0 {
            logger.info("scheduler started", metadata: ["interval_seconds": "\(Int(interval))",
                                                         "max_in_flight": "\(state.limit)"])
        }
        await withTaskCancellationHandler {
            while !Task.isCancelled {
                await startWhatMay()
                await nap(tick)
            }
        } onCancel: {
            Task { await self.wake() }
        }
    }

    /// New mail for `identity` (from its push watcher).
    public func pushArrived(_ identity: UUID, userID: String) {
        state.pushArrived(identity, userID: userID)
        status.scheduler(state)
        wake()
    }

    func finished(_ identity: UUID, trigger: BackgroundSyncState.Trigger, givenBack: Bool) async {
        state.finished(identity)
        status.scheduler(state)
        if trigger == .schedule {
            let (store, owner) = (self.store, self.owner)
            do {
                try await offThePool { try store.endScheduleLease(identityID: identity, owner: owner, dueAgain: givenBack) }
            } catch {
                logger.warning("cannot end the schedule lease", metadata: ["identity": "\(identity)", "error": "\(error)"])
            }
        }
        wake()
    }

    func stillRunning(_ identity: UUID, trigger: BackgroundSyncState.Trigger) async {
        guard trigger == .schedule else { return }
        let (store, owner, seconds) = (self.store, self.owner, leaseSeconds)
        _ = try? await offThePool { try store.refreshScheduleLease(identityID: identity, owner: owner, leaseSeconds: seconds) }
    }

    // MARK: - Starting runs

    private func startWhatMay() async {
        guard let pool, !Task.isCancelled else { return }
        var starts = state.startPush()
        if interval > 0 && state.free > 0 {
            let (store, owner, free, interval, lease) = (self.store, self.owner, state.free, self.interval, leaseSeconds)
            let busy = Set(state.inFlight.keys)
            do {
                let due = try await offThePool {
                    try store.claimDueIdentities(owner: owner, limit: free, interval: interval, firstRoundSpread: interval,
                                                 leaseSeconds: lease, excluding: busy)
                }
                let (scheduled, skipped) = state.startScheduled(due.map { ($0.id, $0.userID) })
                starts += scheduled
                for id in skipped {
                    _ = try? await offThePool { try store.endScheduleLease(identityID: id, owner: owner) }
                }
            } catch {
                logger.warning("cannot read the schedule", metadata: ["error": "\(error)"])
            }
        }
        status.scheduler(state, started: starts)
        for start in starts {
            let order = Order(kind: .sync, orderID: "\(start.trigger.rawValue)-\(UUID().uuidString.lowercased())",
                              userID: start.userID, identityID: start.identity)
            let replier = BackgroundReplier(syncs: self, identity: start.identity, trigger: start.trigger, events: events)
            await pool.submit(OrderTicket(order: order, replier: replier, source: start.trigger.rawValue))
        }
    }

    // MARK: - Waiting

    private func nap(_ duration: Duration) async {
        if woken || Task.isCancelled {
            woken = false
            return
        }
        await withCheckedContinuation { continuation in
            sleeper = continuation
            sleepTimer = Task {
                guard (try? await Task.sleep(for: duration)) != nil else { return }  // woken before
                self.wake()
            }
        }
    }

    private func wake() {
        sleepTimer?.cancel()
        sleepTimer = nil
        if let sleeper {
            self.sleeper = nil
            sleeper.resume()
        } else {
            woken = true
        }
    }
}
