import Foundation

/// The events of a scheduled or push-triggered sync: there is no reply destination, so every
/// event goes to the events destinations; settling it tells the scheduler the identity is free.
struct BackgroundReplier: OrderReplier {
    let syncs: BackgroundSyncs
    let identity: UUID
    let trigger: BackgroundSyncState.Trigger
    let events: EventsDestination

    func publish(_ event: WorkerEvent) async { await events.publish(event) }

    func finish(_ event: WorkerEvent) async {
        await events.publish(event)
        await syncs.finished(identity, trigger: trigger, givenBack: false)
    }

    func reject(_ event: WorkerEvent) async { await finish(event) }

    /// Keeps the schedule lease while the job runs (the pool calls this every 10 s).
    func keepAlive() async { await syncs.stillRunning(identity, trigger: trigger) }

    /// Shutdown: the identity is due again at once, for another worker.
    func release() async { await syncs.finished(identity, trigger: trigger, givenBack: true) }
}
