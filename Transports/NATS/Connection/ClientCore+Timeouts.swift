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
            func keep(_ other: NIODeadline) {
                if next.map({ other < $0 }) ?? true { next = other }
            }
            var requests: [PendingRequest] = []
            for (token, request) in s.requests {
                if request.deadline <= now {
                    requests.append(request)
                    s.requests.removeValue(forKey: token)
                } else {
                    keep(request.deadline)
                }
            }
            var flushes: [PendingFlush] = []
            for (id, flush) in s.flushPromises {
                if flush.deadline <= now {
                    flushes.append(flush)
                    s.flushPromises.removeValue(forKey: id)
                } else {
                    keep(flush.deadline)
                }
            }
            return (requests, flushes, next)
        }
        for request in requests { request.fail(NATSError.timeout) }
        for flush in flushes { flush.promise.fail(NATSError.timeout) }
        if let next { scheduleTimeoutSweep(at: next) }
    }
}
