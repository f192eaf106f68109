import NIOCore

/// Write coalescing: commands are appended to `outbound` under the lock; the first append of a
/// tick schedules one `flushOutbound` on the event loop, which hands the whole buffer to the
/// channel in one write. A publish is a memory append, not a syscall.
extension ClientCore {
    enum AppendOutcome {
        case appended(scheduleFlush: Bool, mustWait: Bool)
        case buffered
    }

    /// Appends a publish. Throws if it is too large, the client is closed, or the reconnect
    /// buffer is full.
    @inline(__always)
    func appendPublish(subject: String, replyTo: String?, headerBlock: [UInt8]?,
                       payload: UnsafeRawBufferPointer) throws(NATSError) -> AppendOutcome {
        let size = payload.count + (headerBlock?.count ?? 0)
        let limit = options.maxOutboundBytes
        let reconnectLimit = options.reconnectBufferSize
        let outcome: Result<AppendOutcome, NATSError> = state.withLockedValue { s in
            guard size <= s.maxPayload else { return .failure(.maxPayloadExceeded(size: size, max: s.maxPayload)) }
            switch s.mode {
            case .live:
                if let headerBlock {
                    s.outbound.writeHPub(subject: subject, replyTo: replyTo, headerBlock: headerBlock, payload: payload)
                } else {
                    s.outbound.writePub(subject: subject, replyTo: replyTo, payload: payload)
                }
                let schedule = !s.flushScheduled
                s.flushScheduled = true
                return .success(.appended(scheduleFlush: schedule, mustWait: s.outbound.readableBytes > limit))
            case .buffering:
                let needed = size + subject.utf8.count + (replyTo?.utf8.count ?? 0) + 32
                guard s.reconnectBuffer.readableBytes + needed <= reconnectLimit else {
                    return .failure(.reconnectBufferFull(limit: reconnectLimit))
                }
                if let headerBlock {
                    s.reconnectBuffer.writeHPub(subject: subject, replyTo: replyTo, headerBlock: headerBlock, payload: payload)
                } else {
                    s.reconnectBuffer.writePub(subject: subject, replyTo: replyTo, payload: payload)
                }
                return .success(.buffered)
            case .closed:
                return .failure(.connectionClosed)
            }
        }
        return try outcome.get()
    }

    /// Runs after an append: schedules the tick's flush and applies back-pressure.
    @inline(__always)
    nonisolated(nonsending) func afterAppend(_ outcome: AppendOutcome) async {
        guard case .appended(let scheduleFlush, let mustWait) = outcome else { return }
        if scheduleFlush { eventLoop.execute { self.flushOutbound() } }
        if mustWait { await waitForOutboundRoom() }
    }

    /// Appends a command that is not a publish (SUB, UNSUB) if connected; when not connected it
    /// is dropped, because the subscription table is re-sent after the next handshake.
    func appendCommand(_ write: (inout ByteBuffer) -> Void) {
        let schedule = state.withLockedValue { s in
            guard s.mode == .live else { return false }
            write(&s.outbound)
            defer { s.flushScheduled = true }
            return !s.flushScheduled
        }
        if schedule { eventLoop.execute { self.flushOutbound() } }
    }

    /// PING/PONG from the state machine (event loop): after what was published, or straight to
    /// the channel during the handshake.
    func writeControl(_ write: (inout ByteBuffer) -> Void) {
        eventLoop.preconditionInEventLoop()
        let direct: (any Channel)? = state.withLockedValue { s in
            if s.mode == .live {
                write(&s.outbound)
                return nil
            }
            return s.channel
        }
        if let direct {
            var buffer = allocator.buffer(capacity: 8)
            write(&buffer)
            direct.writeAndFlush(buffer, promise: nil)
        } else {
            flushOutbound()
        }
    }

    /// Hands the outbound buffer to the channel (event loop). If the socket is not keeping up
    /// (channel not writable) the bytes stay here until `channelWritabilityChanged`.
    func flushOutbound() {
        let (buffer, channel, waiters): (ByteBuffer?, (any Channel)?, [CheckedContinuation<Void, Never>]) =
            state.withLockedValue { s in
                s.flushScheduled = false
                guard s.mode == .live, let channel = s.channel, s.outbound.readableBytes > 0, channel.isWritable else {
                    return (nil, nil, [])
                }
                let buffer = s.outbound
                s.outboundWrites += 1
                s.outbound = allocator.buffer(capacity: min(max(buffer.readableBytes, 4096), 256 * 1024))
                defer { s.outboundWaiters = [] }
                return (buffer, channel, s.outboundWaiters)
            }
        if let buffer, let channel {
            channel.writeAndFlush(buffer, promise: nil)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Back-pressure: waits until the event loop took the outbound buffer.
    nonisolated(nonsending) func waitForOutboundRoom() async {
        let limit = options.maxOutboundBytes
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { s in
                if s.mode != .live || s.outbound.readableBytes <= limit { return true }
                s.outboundWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    var lossEpoch: UInt64 { state.withLockedValue { $0.lossEpoch } }

    private func armFlush(_ id: UInt64, deadline: NIODeadline) {
        process { $0.flushRequested(id) }
        scheduleTimeoutSweep(at: deadline)
    }

    /// Waits until the server answered a PING sent after everything published so far. Fails with
    /// `.connectionLost` if a connection ended since `lossEpoch` (taken before the publishes it
    /// must confirm; now if nil): a PONG on a later connection proves nothing about them.
    ///
    /// On the event loop the PING is appended at once, so it leaves in the same write as the
    /// publishes before it; the timeout is the shared sweep's (no timer per flush).
    nonisolated(nonsending) func flush(timeout: Duration, since lossEpoch: UInt64? = nil) async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let registered: Result<UInt64, NATSError> = state.withLockedValue { s in
            guard s.mode != .closed else { return .failure(.connectionClosed) }
            let epoch = lossEpoch ?? s.lossEpoch
            guard epoch == s.lossEpoch else { return .failure(.connectionLost) }
            defer { s.nextFlushID += 1 }
            s.flushPromises[s.nextFlushID] = PendingFlush(promise: promise, lossEpoch: epoch, deadline: deadline)
            return .success(s.nextFlushID)
        }
        let id: UInt64
        switch registered {
        case .success(let registeredID):
            id = registeredID
        case .failure(let error):
            promise.fail(error)
            throw error
        }
        if eventLoop.inEventLoop {
            armFlush(id, deadline: deadline)
        } else {
            eventLoop.execute { self.armFlush(id, deadline: deadline) }
        }
        try await promise.futureResult.value()
    }
}
