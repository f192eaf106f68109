import NIOCore

/// Timeouts of requests and flushes: one sweep armed at the earliest deadline, not a timer per
/// request or flush (scheduling and cancelling a timer costs a timerfd syscall or two on every
/// round trip). Event loop only.
extension ClientCore {
    func scheduleTimeoutSweep(at deadline: NIODeadline) {
        let arm = state.withLockedValue { s in
            if let armed = s.timeoutSweepDeadline, armed <= deadline { return false }
            s.timeoutSweepDeadline = deadline
            return true
        }
        guard arm else { return }
        eventLoop.scheduleTask(deadline: deadline) { self.sweepTimeouts(armedFor: deadline) }
    }

    /// Fails the requests and flushes whose deadline passed; re-arms for the earliest one left.
    private func sweepTimeouts(armedFor deadline: NIODeadline) {
        let now = NIODeadline.now()
        let (requests, flushes, next): ([PendingRequest], [PendingFlush], NIODeadline?) = state.withLockedValue { s in
            // A sweep armed earlier replaced this one: that one is in charge.
            guard s.timeoutSweepDeadline == deadline else { return ([], [], nil) }
            s.timeoutSweepDeadline = nil
            var next: NIODeadline?
            let requests = Self.takeExpired(&s.requests, now: now, next: &next) { $0.deadline }
            let flushes = Self.takeExpired(&s.flushPromises, now: now, next: &next) { $0.deadline }
            return (requests, flushes, next)
        }
        for request in requests { request.fail(NATSError.timeout) }
        for flush in flushes { flush.promise.fail(NATSError.timeout) }
        if let next { scheduleTimeoutSweep(at: next) }
    }

    /// Removes the entries of `table` whose deadline passed and returns them; lowers `next` to the
    /// earliest deadline left.
    private static func takeExpired<Key: Hashable, Value>(_ table: inout [Key: Value], now: NIODeadline, next: inout NIODeadline?,
                                                deadline: (Value) -> NIODeadline) -> [Value] {
        var expired: [Value] = []
        for (key, value) in table {
            let due = deadline(value)
            if due <= now {
                expired.append(value)
                table.removeValue(forKey: key)
            } else if next.map({ due < $0 }) ?? true {
                next = due
            }
        }
        return expired
    }
}
