import Foundation

/// Builds the events of one worker, so that every event names it and the order the same way.
public struct EventFactory: Sendable {
    public var worker: String

    public init(worker: String) { self.worker = worker }

    public func event(_ kind: WorkerEvent.Kind, for ticket: OrderTicket, at: Date = Date()) -> WorkerEvent {
        var event = WorkerEvent(event: kind, worker: worker, at: at)
        event.orderID = ticket.order.orderID
        event.order = ticket.order.kind.rawValue
        event.userID = ticket.order.userID
        event.identityID = ticket.order.identityID?.uuidString.lowercased()
        event.receivedAt = ticket.receivedAt
        return event
    }

    public func rejected(_ rejection: OrderRejection, at: Date = Date()) -> WorkerEvent {
        var event = WorkerEvent(event: .rejected, worker: worker, at: at)
        event.orderID = rejection.orderID
        event.order = rejection.kind
        event.userID = rejection.userID
        event.identityID = rejection.identityID
        event.error = JobFailure(.badOrder, rejection.reason)
        return event
    }

    public func failed(_ ticket: OrderTicket, _ failure: JobFailure, at: Date = Date()) -> WorkerEvent {
        var event = self.event(.failed, for: ticket, at: at)
        event.error = failure
        return event
    }

    /// The final event of `ticket`, one of the orders answered by a run.
    public func final(_ ticket: OrderTicket, outcome: JobOutcome, run: [OrderTicket], startedAt: Date,
                      finishedAt: Date = Date()) -> WorkerEvent {
        var event: WorkerEvent
        switch outcome.result {
        case .success(let result):
            event = self.event(.completed, for: ticket, at: finishedAt)
            event.stats = result.stats
            event.createdIdentityID = result.createdIdentityID
            event.mailbox = result.mailbox
            event.uid = result.uid
            event.uidValidity = result.uidValidity
        case .failure(let failure):
            event = self.event(.failed, for: ticket, at: finishedAt)
            event.stats = outcome.stats
            event.error = failure
        }
        event.startedAt = startedAt
        event.finishedAt = finishedAt
        event.durationSeconds = (finishedAt.timeIntervalSince(startedAt) * 1000).rounded() / 1000
        event.attempts = outcome.attempts
        let others = run.map(\.order.orderID).filter { $0 != ticket.order.orderID }
        if !others.isEmpty { event.coalescedWith = others }
        return event
    }
}
