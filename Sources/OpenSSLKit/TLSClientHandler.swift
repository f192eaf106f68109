import NIOCore

/// TLS client over OpenSSL as a NIO channel handler: ciphertext below, plaintext above.
///
/// - The handshake starts in `channelActive`, or at once when the handler is added to a channel
///   that is already active (STARTTLS: add it after the server's go-ahead).
/// - Writes before the handshake completes are kept and sent once it has, in order. Writes are
///   encrypted at `flush`, small ones coalesced into one record, large ones in 64 KiB slices.
/// - Success: `TLSHandshakeCompleted` is fired as a user inbound event and `handshakeFuture`
///   succeeds. Failure: a `TLSError` is fired with `fireErrorCaught`, `handshakeFuture` fails with
///   it, and the channel is closed.
/// - The peer's close_notify is passed on as `ChannelEvent.inputClosed`; unless the channel allows
///   remote half-closure, we answer with our close_notify and close. Closing the channel sends our
///   close_notify first. A TCP close without close_notify after the handshake is passed on as is
///   (IMAP and NATS delimit their own messages); during the handshake it is `.unexpectedEOF`.
public final class TLSClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Plaintext is read from OpenSSL in buffers of at most this size.
    static let readChunk = 64 * 1024
    /// Ciphertext is handed to the channel whenever this much is waiting (bounds memory on big writes).
    static let writeChunk = 64 * 1024
    /// Writes smaller than this are copied together so that they share TLS records.
    static let coalesceBelow = 4 * 1024
    /// Upper bound of one coalesced plaintext chunk (one TLS record).
    static let coalescedChunk = 16 * 1024

    private enum State {
        /// Added, channel not active yet.
        case idle
        case handshaking
        case active
        /// The peer sent close_notify; we may still write (half-closure).
        case inputClosed
        /// We sent close_notify (close or half-close of output).
        case outputClosed
        case closed
    }

    private struct PendingWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    private let tlsContext: TLSContext
    private let serverName: String?
    private let sessionKey: String?
    private var connection: TLSConnection?
    /// The handshake passed every check and nothing failed since: the session may be resumed.
    private var resumable = false
    private var state = State.idle
    private var handshakePromise: EventLoopPromise<TLSHandshakeCompleted>?
    private var pendingWrites = CircularBuffer<PendingWrite>()
    /// How many entries at the head of `pendingWrites` have been flushed.
    private var flushedCount = 0
    /// Plaintext OpenSSL asked to retry after a read, with the promises of the writes it holds.
    private var stalledChunk: (data: ByteBuffer, promises: [EventLoopPromise<Void>])?
    private var closeRequested = false

    /// `serverName` is sent as SNI and checked against the certificate (an IP literal is checked
    /// against the IP SANs and not sent). With nil, only the chain is verified.
    ///
    /// With a `sessionKey` (say, the server's address and name), the context keeps the session
    /// when the connection ends and the next connection with the same key offers it: the server
    /// may resume it instead of a full handshake. Use one key per server identity checked.
    public init(context: TLSContext, serverName: String?, sessionKey: String? = nil) {
        self.tlsContext = context
        self.serverName = serverName
        self.sessionKey = sessionKey
    }

    /// Succeeds after the handshake and every check; fails with the `TLSError`. Available once the
    /// handler has been added to a pipeline.
    public var handshakeFuture: EventLoopFuture<TLSHandshakeCompleted> {
        guard let promise = handshakePromise else {
            preconditionFailure("TLSClientHandler.handshakeFuture is available once the handler is in a pipeline")
        }
        return promise.futureResult
    }

    // MARK: - Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        handshakePromise = context.eventLoop.makePromise()
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        failPending(with: ChannelError.ioOnClosedChannel)
        handshakePromise?.fail(ChannelError.ioOnClosedChannel)
        state = .closed
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if case .idle = state { startHandshake(context: context) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let wasHandshaking: Bool = switch state {
        case .idle, .handshaking: true
        default: false
        }
        state = .closed
        keepSession()
        failPending(with: ChannelError.ioOnClosedChannel)
        if wasHandshaking {
            if closeRequested {
                handshakePromise?.fail(ChannelError.ioOnClosedChannel)
            } else {
                handshakePromise?.fail(TLSError.unexpectedEOF)
                context.fireErrorCaught(TLSError.unexpectedEOF)
            }
        }
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        state = .handshaking
        do {
            connection = try TLSConnection(context: tlsContext, serverName: serverName, sessionKey: sessionKey)
        } catch {
            fail(context: context, error: error)
            return
        }
        advanceHandshake(context: context)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        guard let connection else { return }
        switch connection.handshake() {
        case .needsMoreData:
            sendOutput(context: context, promise: nil, flush: true)
        case .failed(let error):
            sendOutput(context: context, promise: nil, flush: true)  // the alert, if any
            fail(context: context, error: error)
        case .complete(let completed):
            sendOutput(context: context, promise: nil, flush: true)
            state = .active
            resumable = true
            handshakePromise?.succeed(completed)
            context.fireUserInboundEventTriggered(completed)
            guard case .active = state else { return }
            encryptFlushed(context: context)
            // Application data may have arrived with the last handshake flight.
            readPlaintext(context: context)
        }
    }

    /// Fails the handshake (or the connection), tells the pipeline, and closes.
    private func fail(context: ChannelHandlerContext, error: TLSError) {
        if case .closed = state { return }
        state = .closed
        resumable = false
        connection?.forgetSession()
        failPending(with: error)
        handshakePromise?.fail(error)  // no effect once succeeded
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    /// At the end of a sound connection (our close, the peer's close_notify, the channel going
    /// inactive): the context keeps the session, with the tickets received, for the next one.
    private func keepSession() {
        if resumable { connection?.saveSession() }
    }

    private func failPending(with error: any Error) {
        if let stalled = stalledChunk {
            stalledChunk = nil
            stalled.promises.forEach { $0.fail(error) }
        }
        while let write = pendingWrites.popFirst() { write.promise?.fail(error) }
        flushedCount = 0
    }

    // MARK: - Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard let connection else { return }
        switch state {
        case .handshaking:
            connection.receive(bytes)
            advanceHandshake(context: context)
        case .active, .outputClosed:
            connection.receive(bytes)
            readPlaintext(context: context)
        case .idle, .inputClosed, .closed:
            break  // nothing can follow close_notify; nothing comes before activation
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            switch state {
            case .idle, .handshaking:
                fail(context: context, error: .unexpectedEOF)
                return
            case .inputClosed:
                return  // already announced when close_notify arrived
            case .active, .outputClosed, .closed:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Decrypts everything buffered, in chunks of at most `readChunk`, and passes it on.
    private func readPlaintext(context: ChannelHandlerContext) {
        guard let connection else { return }
        readLoop: while true {
            switch state {
            case .active, .outputClosed: break
            default: break readLoop  // a handler above closed the channel while reading
            }
            let capacity = min(Self.readChunk, max(connection.bufferedInput, 1024))
            var buffer = context.channel.allocator.buffer(capacity: capacity)
            let outcome = connection.read(into: &buffer)
            if buffer.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(buffer)) }
            switch outcome {
            case .bufferFull:
                continue
            case .needsMoreData:
                break readLoop
            case .closeNotify:
                receivedCloseNotify(context: context)
                return
            case .failed(let error):
                fail(context: context, error: error)
                return
            }
        }
        // Reading may have produced output (key update answers); it may also unblock a write.
        if stalledChunk != nil { encryptFlushed(context: context) }
        if connection.pendingOutput > 0 { sendOutput(context: context, promise: nil, flush: true) }
    }

    private func receivedCloseNotify(context: ChannelHandlerContext) {
        let outputAlreadyClosed: Bool = if case .outputClosed = state { true } else { false }
        state = .inputClosed
        let halfClosureAllowed = (try? context.channel.syncOptions?.getOption(.allowRemoteHalfClosure)) ?? false
        keepSession()
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        guard case .inputClosed = state else { return }
        if outputAlreadyClosed || !halfClosureAllowed {
            connection?.shutdown()
            sendOutput(context: context, promise: nil, flush: true)
            state = .closed
            context.close(promise: nil)
        }
    }

    // MARK: - Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch state {
        case .idle, .handshaking, .active, .inputClosed:
            pendingWrites.append(PendingWrite(data: unwrapOutboundIn(data), promise: promise))
        case .outputClosed, .closed:
            promise?.fail(ChannelError.outputClosed)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        flushedCount = pendingWrites.count
        switch state {
        case .active, .inputClosed: encryptFlushed(context: context)
        case .idle, .handshaking, .outputClosed, .closed: break
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch (mode, state) {
        case (.input, _):
            context.close(mode: mode, promise: promise)
        case (_, .active), (_, .inputClosed):
            // Flushed writes go out before close_notify; unflushed ones are dropped with the channel.
            encryptFlushed(context: context)
            keepSession()
            connection?.shutdown()
            sendOutput(context: context, promise: nil, flush: true)
            if mode == .output, case .active = state {
                state = .outputClosed
            } else {
                state = .closed
            }
            context.close(mode: mode, promise: promise)
        case (_, .idle), (_, .handshaking):
            closeRequested = true
            context.close(mode: mode, promise: promise)
        case (_, .outputClosed), (_, .closed):
            context.close(mode: mode, promise: promise)
        }
    }

    /// Encrypts the flushed writes (coalescing small ones), hands the ciphertext to the channel in
    /// `writeChunk` pieces and flushes. The promises complete with the channel write of the last piece.
    private func encryptFlushed(context: ChannelHandlerContext) {
        guard let connection else { return }
        var done: [EventLoopPromise<Void>] = []
        // Ciphertext taken from OpenSSL but not yet written: the last piece carries the promises.
        var held: ByteBuffer?
        func finish(_ promises: [EventLoopPromise<Void>]) {
            let promise = combine(promises, on: context.eventLoop)
            if let output = connection.takeOutput(allocator: context.channel.allocator) {
                if let previous = held { context.write(wrapOutboundOut(previous), promise: nil) }
                held = output
            }
            if let last = held {
                context.write(wrapOutboundOut(last), promise: promise)
                context.flush()
            } else {
                promise?.succeed()  // empty writes
            }
        }
        while let (chunk, promises) = stalledChunk ?? nextChunk(allocator: context.channel.allocator) {
            stalledChunk = nil
            let outcome = chunk.withUnsafeReadableBytes { connection.write($0) }
            switch outcome {
            case .written:
                done += promises
                if connection.pendingOutput >= Self.writeChunk {
                    if let previous = held { context.write(wrapOutboundOut(previous), promise: nil) }
                    held = connection.takeOutput(allocator: context.channel.allocator)
                }
            case .needsRead:
                stalledChunk = (chunk, promises)
                finish(done)
                return
            case .failed(let error):
                done.forEach { $0.fail(error) }
                promises.forEach { $0.fail(error) }
                fail(context: context, error: error)
                return
            }
        }
        finish(done)
    }

    /// The next plaintext to encrypt from the flushed writes, with the promises of the writes it
    /// finishes: a slice of a large write (no copy) or several small writes copied together.
    private func nextChunk(allocator: ByteBufferAllocator) -> (ByteBuffer, [EventLoopPromise<Void>])? {
        guard flushedCount > 0, var head = pendingWrites.first else { return nil }
        if head.data.readableBytes >= Self.coalesceBelow {
            let length = min(head.data.readableBytes, Self.writeChunk)
            // readSlice cannot fail: length <= readableBytes.
            let slice = head.data.readSlice(length: length) ?? ByteBuffer()
            if head.data.readableBytes == 0 {
                pendingWrites.removeFirst()
                flushedCount -= 1
                return (slice, head.promise.map { [$0] } ?? [])
            }
            pendingWrites[pendingWrites.startIndex] = head
            return (slice, [])
        }
        var chunk = allocator.buffer(capacity: Self.coalescedChunk)
        var promises: [EventLoopPromise<Void>] = []
        while flushedCount > 0, let next = pendingWrites.first, next.data.readableBytes < Self.coalesceBelow,
              chunk.readableBytes + next.data.readableBytes <= Self.coalescedChunk {
            var data = next.data
            chunk.writeBuffer(&data)
            if let promise = next.promise { promises.append(promise) }
            pendingWrites.removeFirst()
            flushedCount -= 1
        }
        return (chunk, promises)
    }

    private func combine(_ promises: [EventLoopPromise<Void>], on eventLoop: any EventLoop) -> EventLoopPromise<Void>? {
        switch promises.count {
        case 0: return nil
        case 1: return promises[0]
        default:
            let combined = eventLoop.makePromise(of: Void.self)
            for promise in promises { combined.futureResult.cascade(to: promise) }
            return combined
        }
    }

    /// Hands all ciphertext waiting in the output BIO to the channel.
    private func sendOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?, flush: Bool) {
        if let output = connection?.takeOutput(allocator: context.channel.allocator) {
            context.write(wrapOutboundOut(output), promise: promise)
        } else {
            promise?.succeed()
        }
        if flush { context.flush() }
    }
}

@available(*, unavailable)
extension TLSClientHandler: Sendable {}
