import Foundation
import Synchronization

/// What the scheduler and the push connections are doing, for `status`: written by
/// `BackgroundSyncs`, `PushSupervisor` and the `PushWatcher`s, read by the pool's `status()`.
public final class BackgroundStatus: Sendable {
    private struct State {
        var scheduler: WorkerStatus.Scheduler
        var push: WorkerStatus.Push
        var watching: [UUID: PushMode] = [:]
    }

    private let state: Mutex<State>

    public init(intervalSeconds: Int, maxInFlight: Int, maxPushConnections: Int) {
        state = Mutex(State(scheduler: WorkerStatus.Scheduler(intervalSeconds: intervalSeconds, maxInFlight: maxInFlight),
                            push: WorkerStatus.Push(maxConnections: maxPushConnections)))
    }

    public var scheduler: WorkerStatus.Scheduler { state.withLock { $0.scheduler } }

    public var push: WorkerStatus.Push {
        state.withLock { state in
            var push = state.push
            push.watchingNotify = state.watching.values.count { $0 == .notify }
            push.watchingIdle = state.watching.values.count { $0 == .idle }
            push.reconnecting = max(0, push.held - push.watchingNotify - push.watchingIdle)
            return push
        }
    }

    /// The scheduler's state after each change: what runs, what waits, and the runs started.
    func scheduler(_ syncs: BackgroundSyncState, started: [BackgroundSyncState.Start] = []) {
        state.withLock { state in
            state.scheduler.runningScheduled = syncs.inFlight.values.count { $0 == .schedule }
            state.scheduler.runningPush = syncs.inFlight.values.count { $0 == .push }
            state.scheduler.pushPending = syncs.pendingPushCount
            state.scheduler.scheduledRuns += started.count { $0.trigger == .schedule }
            state.scheduler.pushRuns += started.count { $0.trigger == .push }
        }
    }

    /// The push identities this worker holds a lease on now.
    func pushHeld(_ identities: Set<UUID>) {
        state.withLock { state in
            state.push.held = identities.count
            state.watching = state.watching.filter { identities.contains($0.key) }
        }
    }

    /// A push connection is watching (`mode`), or is down (nil) until it reconnects.
    func pushWatching(_ identity: UUID, _ mode: PushMode?) {
        state.withLock { $0.watching[identity] = mode }
    }
}
