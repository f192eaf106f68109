import NIOCore

/// The subscription table and message dispatch, including the muxed request inbox.
extension ClientCore {
    func subscribe(subject: String, queue: String?,
                   handler: (@Sendable (NATSMessage) -> Void)?) throws(NATSError) -> NATSSubscription {
        guard isValidSubject(subject) else { throw .invalidSubject(subject) }
        if let queue, !isValidSubject(queue) { throw .invalidSubject(queue) }
        let buffer = SubscriptionBuffer(messagesLimit: options.pendingMessagesLimit, bytesLimit: options.pendingBytesLimit)
        let sink: Sink = handler.map { .handler($0, buffer) } ?? .buffer(buffer)
        let sid: UInt64? = state.withLockedValue { s in
            guard s.mode != .closed else { return nil }
            defer { s.nextSID += 1 }
            s.subscriptions[s.nextSID] = SubscriptionRecord(subject: subject, queue: queue, sink: sink)
            return s.nextSID
        }
        guard let sid else { throw .connectionClosed }
        appendCommand { $0.writeSub(subject: subject, queue: queue, sid: sid) }
        return NATSSubscription(subject: subject, queue: queue, sid: sid, buffer: buffer, core: self)
    }

    /// `after: nil` ends the subscription now; otherwise once `after` messages in total arrived.
    func unsubscribe(sid: UInt64, after: Int?) throws(NATSError) {
        enum Outcome { case unknown, limited(Int), ended(Sink) }
        let outcome: Outcome = state.withLockedValue { s in
            guard var record = s.subscriptions[sid] else { return .unknown }
            if let after, after > record.delivered {
                record.max = after
                s.subscriptions[sid] = record
                return .limited(after)
            }
            s.subscriptions.removeValue(forKey: sid)
            return .ended(record.sink)
        }
        switch outcome {
        case .unknown:
            if isClosed { throw .connectionClosed }
        case .limited(let max):
            appendCommand { $0.writeUnsub(sid: sid, max: max) }
        case .ended(let sink):
            appendCommand { $0.writeUnsub(sid: sid, max: nil) }
            sink.buffer?.finish()
        }
    }

    /// Sends UNSUB and keeps delivering what the server sent before it processed the UNSUB: the
    /// subscription ends only after a PING/PONG round trip (the server answers in order), so no
    /// message already on its way is dropped unseen.
    nonisolated(nonsending) func unsubscribeAfterInFlight(sid: UInt64, timeout: Duration) async {
        appendCommand { $0.writeUnsub(sid: sid, max: nil) }
        try? await flush(timeout: timeout)
        state.withLockedValue { $0.subscriptions.removeValue(forKey: sid) }?.sink.buffer?.finish()
    }

    /// Sends UNSUB for every subscription but keeps them, so that messages already on their
    /// way are still delivered (the first step of `drain`). Returns their buffers.
    func unsubscribeAllForDrain() -> [SubscriptionBuffer] {
        let (sids, buffers) = state.withLockedValue { s in
            var sids: [UInt64] = []
            var buffers: [SubscriptionBuffer] = []
            for (sid, record) in s.subscriptions {
                guard let buffer = record.sink.buffer else { continue }
                sids.append(sid)
                buffers.append(buffer)
            }
            return (sids, buffers)
        }
        appendCommand { out in for sid in sids { out.writeUnsub(sid: sid, max: nil) } }
        return buffers
    }

    /// Removes every subscription and ends their sequences (after the drain flush).
    func finishSubscriptions() {
        let sinks = state.withLockedValue { s in
            defer { s.subscriptions = s.subscriptions.filter { if case .replies = $0.value.sink { true } else { false } } }
            return s.subscriptions.values.map(\.sink)
        }
        for sink in sinks { sink.buffer?.finish() }
    }

    /// The messages of one read (event loop): one lock for the table, one per subscription buffer.
    func deliver(_ batch: [InboundMessage], generation: UInt64) {
        let targets: [(sink: Sink, reachedMax: Bool)?]? = state.withLockedValue { s in
            guard s.generation == generation else { return nil }
            return batch.map { inbound in
                guard var record = s.subscriptions[inbound.sid] else { return nil }
                record.delivered += 1
                if let max = record.max, record.delivered >= max {
                    s.subscriptions.removeValue(forKey: inbound.sid)
                    return (record.sink, true)
                }
                s.subscriptions[inbound.sid] = record
                return (record.sink, false)
            }
        }
        guard let targets else { return }
        var run: (buffer: SubscriptionBuffer, sid: UInt64, subject: String, messages: [NATSMessage], sizes: [Int])?
        func flushRun() {
            guard let current = run else { return }
            run = nil
            if current.buffer.enqueue(contentsOf: current.messages, sizes: current.sizes) {
                logger.warning("nats: slow consumer, dropping messages", metadata: ["subject": "\(current.subject)"])
                eventsContinuation.yield(.slowConsumer(subject: current.subject, sid: current.sid))
            }
        }
        for (inbound, target) in zip(batch, targets) {
            guard let target else { continue }
            let message: NATSMessage
            do {
                message = try NATSMessage(inbound)
            } catch {
                // Any publisher can send a broken header block (the server passes it on): that
                // is no reason to drop our connection. The message goes on without headers.
                logger.warning("nats: malformed header block, message delivered without headers",
                               metadata: ["subject": "\(inbound.subject)", "error": "\(error.reason)"])
                message = NATSMessage(subject: inbound.subject, replyTo: inbound.replyTo, payload: inbound.payload)
            }
            switch target.sink {
            case .buffer(let buffer):
                if let current = run, current.buffer !== buffer { flushRun() }
                if run == nil { run = (buffer, inbound.sid, inbound.subject, [], []) }
                run?.messages.append(message)
                run?.sizes.append(inbound.size)
                if target.reachedMax {
                    flushRun()
                    buffer.finish()
                }
            case .handler(let handler, let buffer):
                flushRun()
                handler(message)
                if target.reachedMax { buffer.finish() }
            case .replies:
                flushRun()
                resolveRequest(message, subject: inbound.subject)
            }
        }
        flushRun()
    }

    private func resolveRequest(_ message: NATSMessage, subject: String) {
        let token = String(subject.utf8.dropFirst(replyPrefix.utf8.count)) ?? ""
        guard let request = state.withLockedValue({ $0.requests.removeValue(forKey: token) }) else { return }
        if message.isNoResponders {
            request.fail(NATSError.noResponders)
        } else {
            request.promise.succeed(message)
        }
    }

    /// Request/reply over the one muxed inbox subscription `_INBOX.<random>.*`.
    nonisolated(nonsending) func request(subject: String, headerBlock: [UInt8]?, payload: ByteBuffer,
                 timeout: Duration) async throws -> NATSMessage {
        guard isValidSubject(subject) else { throw NATSError.invalidSubject(subject) }
        let promise = eventLoop.makePromise(of: NATSMessage.self)
        let prefix = replyPrefix
        let registered: (token: String, newSID: UInt64?)? = state.withLockedValue { s in
            guard s.mode != .closed else { return nil }
            var newSID: UInt64?
            if s.repliesSID == nil {
                let sid = s.nextSID
                s.nextSID += 1
                s.repliesSID = sid
                s.subscriptions[sid] = SubscriptionRecord(subject: prefix + "*", queue: nil, sink: .replies)
                newSID = sid
            }
            s.nextRequestToken += 1
            let token = String(s.nextRequestToken, radix: 36)
            s.requests[token] = PendingRequest(promise: promise, deadline: .now() + TimeAmount(timeout))
            return (token, newSID)
        }
        guard let registered else {
            promise.fail(NATSError.connectionClosed)
            throw NATSError.connectionClosed
        }
        if let sid = registered.newSID {
            appendCommand { $0.writeSub(subject: prefix + "*", queue: nil, sid: sid) }
        }
        let token = registered.token
        let outcome: Result<AppendOutcome, NATSError> = payload.withUnsafeReadableBytes { bytes in
            do throws(NATSError) {
                return .success(try appendPublish(subject: subject, replyTo: prefix + token, headerBlock: headerBlock, payload: bytes))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let appended):
            // One trip to the event loop writes the request at once (no coalescing delay) and
            // makes sure a timeout sweep covers it; on the loop already, no trip at all.
            let (flushNow, mustWait): (Bool, Bool) = switch appended {
            case .appended(let scheduleFlush, let wait): (scheduleFlush, wait)
            case .buffered: (false, false)
            }
            let deadline = NIODeadline.now() + TimeAmount(timeout)
            if eventLoop.inEventLoop {
                armRequest(deadline: deadline, flush: flushNow)
            } else {
                eventLoop.execute { self.armRequest(deadline: deadline, flush: flushNow) }
            }
            if mustWait { await waitForOutboundRoom() }
        case .failure(let error):
            state.withLockedValue { _ = $0.requests.removeValue(forKey: token) }
            promise.fail(error)
            throw error
        }
        return try await awaitReply(promise, token: token, isolation: #isolation)
    }

    /// On the event loop: writes what is waiting (the request) and arms the timeout sweep if none
    /// is armed for this deadline or earlier.
    private func armRequest(deadline: NIODeadline, flush: Bool) {
        if flush { flushOutbound() }
        scheduleTimeoutSweep(at: deadline)
    }

    /// The operation closure captures the isolated parameter so that it runs on the caller's
    /// executor (SE-0420): the reply resumes the caller without a hop through the global pool.
    private func awaitReply(_ promise: EventLoopPromise<NATSMessage>, token: String,
                            isolation: isolated (any Actor)?) async throws -> NATSMessage {
        try await withTaskCancellationHandler(operation: {
            _ = isolation
            return try await promise.futureResult.value()
        }, onCancel: {
            self.state.withLockedValue { $0.requests.removeValue(forKey: token) }?.fail(CancellationError())
        }, isolation: isolation)
    }
}
