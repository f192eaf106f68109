import IMAPCore
import NIOConcurrencyHelpers
import NIOCore
import OpenSSLKit

/// Executes the ``SessionStateMachine``'s actions on the channel, and nothing else: bytes in go
/// through the ``ResponseParser`` into the machine; the machine's writes go out (this handler is
/// the channel's one writer, DONE included); its deliveries go to the commands' sinks and to the
/// mailbox event stream. Socket reads stop while a consumer (a FETCH stream or the event stream)
/// is over its high watermark. Lives on the channel's event loop only.
final class IMAPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Installs TLS or compression in front of this handler; returns the TLS handshake.
    typealias StreamUpgrade = (StreamChange, ChannelPipeline.SynchronousOperations) throws -> EventLoopFuture<TLSHandshakeCompleted>?

    /// Writes are issued in slices so that each completion counts as progress (see the deadlines).
    static let writeSlice = 64 * 1024
    static let tickInterval = TimeAmount.milliseconds(250)

    private var machine: SessionStateMachine
    private var parser: ResponseParser
    private var pending = ByteBuffer()
    private var context: ChannelHandlerContext?
    private var sinks: [String: CommandSink] = [:]
    /// Stream key (chosen by the session before the tag exists) → tag.
    private var streamTags: [String: String] = [:]
    private var events: MailboxEventStream.Source?
    /// The current subscription's key (an earlier subscriber leaving must not end this one).
    private var eventsKey = ""
    /// Counts the events yielded to the current subscription (``MailboxEventStream/eventsDelivered``).
    private var eventsCounter: NIOLockedValueBox<Int>?
    private let greeting: EventLoopPromise<Bool>
    private let upgrade: StreamUpgrade
    private let snapshot: NIOLockedValueBox<SessionSnapshot>
    private let closeReason: @Sendable () -> IMAPClientError?
    /// Keys of the consumers that asked reads to stop.
    private var pausers: Set<String> = []
    private var readRequested = false
    private var timer: RepeatedTask?
    private(set) var closedError: IMAPClientError?
    /// The last write issued (a streamed APPEND chunk's caller waits for it: one chunk in memory).
    private var lastWrite: EventLoopFuture<Void>?
    private let wireTrace: IMAPWireTrace?
    /// The server's side of the trace (the client's comes from the machine's `.trace` actions).
    private var inboundTrace = InboundTraceScanner()

    init(timeouts: SessionStateMachine.Timeouts, parserLimits: ResponseParser.Limits, wireTrace: IMAPWireTrace? = nil,
         greeting: EventLoopPromise<Bool>, snapshot: NIOLockedValueBox<SessionSnapshot>,
         closeReason: @escaping @Sendable () -> IMAPClientError?, upgrade: @escaping StreamUpgrade) {
        self.machine = SessionStateMachine(timeouts: timeouts, now: .now(), trace: wireTrace?.mode)
        self.wireTrace = wireTrace
        self.parser = ResponseParser(limits: parserLimits)
        self.greeting = greeting
        self.snapshot = snapshot
        self.closeReason = closeReason
        self.upgrade = upgrade
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.tickInterval, delay: Self.tickInterval) { _ in
            bound.value.perform(bound.value.machine.tick(now: .now()))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        // A channel that never became active (connect refused) ends here: fail what waits.
        perform(machine.channelClosed(closeReason() ?? .connectionClosed("the connection was closed")))
        events?.finish()
        events = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        guard !machine.isClosed else { return }
        if let wireTrace {
            for line in inboundTrace.feed(chunk) { wireTrace.sink(.server, line) }
        }
        if pending.readableBytes == 0 {
            pending = chunk
        } else {
            pending.discardReadBytes()
            pending.writeBuffer(&chunk)
        }
        while !machine.isClosed {
            let event: ResponseEvent?
            do {
                event = try parser.next(&pending)
            } catch {
                perform(machine.close(.protocolError("\(error)")))
                return
            }
            guard let event else { return }
            perform(machine.received(event, now: .now()))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        perform(machine.channelClosed(closeReason()))
        // After an orderly LOGOUT nothing failed, but the event stream ends too.
        events?.finish()
        events = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let mapped: IMAPClientError = switch error {
        case let e as IMAPClientError: e
        case let e as TLSError: .tls(e)
        default: closeReason() ?? .connectionClosed("\(error)")
        }
        perform(machine.channelClosed(mapped))
        context.close(promise: nil)
    }

    /// Reads are held back while a consumer is over its high watermark.
    func read(context: ChannelHandlerContext) {
        if pausers.isEmpty {
            context.read()
        } else {
            readRequested = true
        }
    }

    // MARK: - Calls from the session (always on the event loop)

    func submit(_ command: Command, role: CommandRole, sink: CommandSink, streamKey: String? = nil) {
        let (tag, actions) = machine.submit(command, role: role, now: .now())
        sinks[tag] = sink
        if let streamKey { streamTags[streamKey] = tag }
        perform(actions)
    }

    // MARK: - Streamed APPEND (the machine decides; this only routes by key and reports writes)

    func submitStreamedAppend(to mailbox: MailboxName, first: AppendLiteralHeader, sink: CommandSink, key: String) {
        let (tag, actions) = machine.submitStreamedAppend(to: mailbox, first: first, now: .now())
        sinks[tag] = sink
        streamTags[key] = tag
        perform(actions)
    }

    func awaitAppendReady(key: String, _ promise: EventLoopPromise<Void>) {
        guard let tag = streamTags[key], let sink = sinks[tag] else {
            promise.fail(closedError ?? IMAPClientError.protocolError("the APPEND already ended"))
            return
        }
        sink.awaitAppendReady(promise)
    }

    /// `promise` completes when the chunk reached the socket.
    func appendChunk(key: String, _ bytes: ByteBuffer, _ promise: EventLoopPromise<Void>) {
        guard let tag = streamTags[key], machine.appendStreams[tag] != nil else {
            promise.fail(closedError ?? IMAPClientError.protocolError("the APPEND already ended"))
            return
        }
        lastWrite = nil
        perform(machine.appendChunk(tag: tag, bytes, now: .now()))
        if let lastWrite { lastWrite.cascade(to: promise) } else { promise.succeed() }
    }

    func appendStep(key: String, _ step: AppendStep) {
        guard let tag = streamTags[key] else { return }
        switch step {
        case .bodyEnd: perform(machine.appendBodyEnd(tag: tag))
        case .next(let header): perform(machine.appendNext(tag: tag, header, now: .now()))
        case .finish: perform(machine.appendFinish(tag: tag))
        case .cancel(let error): perform(machine.cancelAppend(tag: tag, error))
        }
    }

    func endIdle(key: String) {
        guard let tag = streamTags[key] else { return }
        perform(machine.endIdle(tag: tag, now: .now()))
    }

    func subscribe(_ source: MailboxEventStream.Source, key: String, counter: NIOLockedValueBox<Int>) {
        events?.finish()
        resumeReads(for: eventsKey)
        events = source
        eventsKey = key
        eventsCounter = counter
        if let closedError { source.finish(closedError) }
    }

    var hasNothingInFlight: Bool { machine.isIdle }

    func resumeReads(for key: String) {
        guard pausers.remove(key) != nil, pausers.isEmpty else { return }
        machine.readsPaused(false, now: .now())
        if readRequested, let context {
            readRequested = false
            context.read()
        }
    }

    func consumerTerminated(_ key: String) {
        if key == eventsKey {
            events = nil
        } else if let tag = streamTags.removeValue(forKey: key) {
            // The rest of this FETCH is drained and discarded: the next command sees only its own data.
            sinks[tag]?.consumerTerminated()
        }
        resumeReads(for: key)
    }

    // MARK: - Actions

    private func perform(_ actions: [SessionAction]) {
        for action in actions { perform(action) }
    }

    private func perform(_ action: SessionAction) {
        switch action {
        case .trace(let lines):
            for line in lines { wireTrace?.sink(.client, line) }
        case .write(let buffers):
            write(buffers)
        case .greeted(let preauthenticated):
            greeting.succeed(preauthenticated)
        case .deliver(let tag, let response):
            sinks[tag]?.deliver(response)
        case .fetch(let tag, let part):
            if sinks[tag]?.receive(part) == false, let key = streamTags.first(where: { $0.value == tag })?.key {
                pause(for: key)
            }
        case .unsolicited(let event):
            guard let events else { break }
            eventsCounter?.withLockedValue { $0 += 1 }
            if events.yield(event) == .stopProducing { pause(for: eventsKey) }
        case .idleEvent(let tag, let event):
            sinks[tag]?.idleEvent(event)
        case .appendReady(let tag):
            sinks[tag]?.appendReady()
        case .idleStarted(let tag):
            sinks[tag]?.idleStarted?.succeed()
            sinks[tag]?.idleStarted = nil
        case .switchStream(let change, let tag):
            switchStream(change, tag: tag)
        case .complete(let tag, let response):
            let sink = finish(tag)
            sink?.eventsDelivered = eventsCounter?.withLockedValue { $0 } ?? 0
            sink?.complete(response)
        case .fail(let tag, let error):
            finish(tag)?.fail(error)
        case .authenticationDetail(let tag, let detail):
            sinks[tag]?.authenticationDetail = detail
        case .sessionChanged(let state):
            snapshot.withLockedValue { $0 = state }
        case .close(let error):
            closedError = error
            greeting.fail(error)
            let all = sinks.values
            sinks = [:]
            streamTags = [:]
            for sink in all { sink.fail(error) }
            events?.finish(error)
            events = nil
            timer?.cancel()
            context?.close(promise: nil)
        }
    }

    private func finish(_ tag: String) -> CommandSink? {
        if let key = streamTags.first(where: { $0.value == tag })?.key {
            streamTags[key] = nil
            resumeReads(for: key)
        }
        return sinks.removeValue(forKey: tag)
    }

    private func pause(for key: String) {
        if pausers.isEmpty { machine.readsPaused(true, now: .now()) }
        pausers.insert(key)
    }

    private func switchStream(_ change: StreamChange, tag: String) {
        // Bytes after the OK and before the switch would be injected plaintext (CVE-2011-0411 class).
        guard pending.readableBytes == 0, let context else {
            perform(machine.close(.protocolError(change == .tls
                ? "the server sent data after STARTTLS's OK, before the TLS handshake"
                : "the server sent uncompressed data after COMPRESS's OK")))
            return
        }
        do {
            sinks[tag]?.handshake = try upgrade(change, context.pipeline.syncOperations)
        } catch {
            perform(machine.close(.configuration("cannot switch the stream: \(error)")))
        }
    }

    private func write(_ buffers: [ByteBuffer]) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        var slices: [ByteBuffer] = []
        for var buffer in buffers {
            while buffer.readableBytes > Self.writeSlice, let slice = buffer.readSlice(length: Self.writeSlice) {
                slices.append(slice)
            }
            slices.append(buffer)
        }
        for (index, slice) in slices.enumerated() {
            let finished = index == slices.count - 1
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenSuccess {
                bound.value.machine.writeProgressed(finished: finished, now: .now())
            }
            context.write(wrapOutboundOut(slice), promise: promise)
            if finished { lastWrite = promise.futureResult }
        }
        context.flush()
    }
}
