import IMAPCore
import NIOCore

/// A running IDLE (RFC 2177). Every event it receives goes to the session's event stream and
/// (the first 1000) to its result.
public struct IdleHandle: Sendable {
    let done: Pending<[MailboxEvent]>
    let started: EventLoopFuture<Void>
    let stop: @Sendable () -> Void

    /// Ends IDLE (DONE is written by the session's one writer); safe to call at any time, twice.
    public func end() { stop() }

    /// Waits until the server accepted IDLE.
    public func waitUntilIdling() async throws { try await started.get() }

    /// The events received while idling; returns once the server answered DONE.
    public var value: [MailboxEvent] {
        get async throws { try await done.value }
    }
}

extension IMAPSession {
    /// Starts IDLE. It ends when ``IdleHandle/end()`` is called, when `deadline` passes, or (with
    /// `endOnFirstEvent`) at the first change in the selected mailbox. Servers drop idle clients
    /// after 30 minutes: keep `deadline` under 29 minutes.
    public func idle(deadline: Duration? = nil, endOnFirstEvent: Bool = false) -> IdleHandle {
        let (done, started, end) = submitIdle(endOnEvent: endOnFirstEvent)
        if let deadline {
            let timer = channel.eventLoop.scheduleTask(in: deadline.timeAmount) { end() }
            done.whenComplete { _ in timer.cancel() }
        }
        let events = Pending(outcome: done) { outcome in try outcome.checked("IDLE").idleEvents }
        return IdleHandle(done: events, started: started, stop: end)
    }

    /// IDLE until the first change or `timeout`; returns true if something changed.
    public func idle(timeout: Duration) async throws -> Bool {
        try await !idle(deadline: timeout, endOnFirstEvent: true).value.isEmpty
    }
}
