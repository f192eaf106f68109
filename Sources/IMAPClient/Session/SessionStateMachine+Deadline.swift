import NIOCore

/// Deadlines in both directions. While the session has work outstanding (the greeting, a
/// command not yet answered, or a write not yet completed), it must make *progress*: a parsed
/// event or a completed write at least once per timeout (`commandTimeout`; the connect timeout for
/// the greeting). Bodies stream as parsed chunks, so a large FETCH progresses as long as bytes
/// flow; a response line (≤ 64 KiB) or a held literal (≤ 1 MiB) must arrive whole within one
/// timeout, which bounds a server that trickles a byte now and then. Writes are issued in
/// slices, each completion counting, so a slow but live APPEND progresses while one to a server
/// that stopped reading times out. An IDLE that the server accepted is not outstanding (silence
/// is what it waits for), and neither is anything while a slow consumer holds reads back.
extension SessionStateMachine {
    mutating func tick(now: NIODeadline) -> [SessionAction] {
        let timeout: TimeAmount
        switch state {
        case .closed: return []
        case .awaitingGreeting: timeout = timeouts.greeting
        case .ready: timeout = timeouts.command
        }
        guard hasOutstandingWork, !readsPausedByConsumer, now - lastProgress > timeout else { return [] }
        let seconds = timeout.nanoseconds / 1_000_000_000
        return close(.timeout(pendingWrites > 0
            ? "the server did not accept our data for \(seconds) s"
            : "no progress from the server for \(seconds) s"))
    }

    /// One slice of a write reached the socket; `finished` when the whole action did.
    mutating func writeProgressed(finished: Bool, now: NIODeadline) {
        lastProgress = now
        if finished, pendingWrites > 0 { pendingWrites -= 1 }
    }

    /// A consumer's backpressure stopped (or resumed) socket reads.
    mutating func readsPaused(_ paused: Bool, now: NIODeadline) {
        readsPausedByConsumer = paused
        if !paused { lastProgress = now }
    }

    var hasOutstandingWork: Bool {
        if case .awaitingGreeting = state { return true }
        if pendingWrites > 0 { return true }
        return commands.contains { entry in
            if case .idle = entry.role, entry.idle == .idling { return false }
            return true
        }
    }
}
