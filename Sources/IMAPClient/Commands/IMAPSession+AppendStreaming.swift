import IMAPCore
import NIOCore

/// One message of a streamed APPEND: its byte count is known before the first chunk (so the
/// literal can be announced), its bytes come from `body` as they are produced.
public struct StreamedAppendMessage: Sendable {
    public var flags: [MessageFlag]
    public var internalDate: InternalDate?
    /// Exactly this many bytes must come from `body`; otherwise the APPEND is cancelled.
    public var byteCount: Int
    public var body: any AsyncSequence<ByteBuffer, any Error> & Sendable

    public init(flags: [MessageFlag] = [], internalDate: InternalDate? = nil, byteCount: Int,
                body: any AsyncSequence<ByteBuffer, any Error> & Sendable) {
        self.flags = flags
        self.internalDate = internalDate
        self.byteCount = byteCount
        self.body = body
    }
}

/// What a streamed APPEND stored.
public struct StreamedAppendOutcome: Sendable, Hashable {
    /// Messages appended (those the sequence yielded).
    public var count: Int
    /// APPENDUID (RFC 4315) for all of them, when the server reported it.
    public var appendUID: AppendResult?
}

extension IMAPSession {
    /// APPENDs the messages `messages` yields to `mailbox`, each body streamed chunk by chunk
    /// into a literal announced with its ``StreamedAppendMessage/byteCount``: at most one chunk
    /// is held (the next is read once the previous one reached the socket). One MULTIAPPEND
    /// command for all of them where advertised (RFC 3502), else one APPEND each; LITERAL+ where
    /// advertised, else synchronising literals. A body that ends short or runs long, or throws,
    /// makes its command fail without storing anything of it (`bodySizeMismatch`, or the body's
    /// error); the session stays usable. A sequence that yields nothing sends nothing.
    public func appendStreaming<Messages: AsyncSequence>(_ messages: Messages, to mailbox: MailboxName) async throws
        -> StreamedAppendOutcome where Messages.Element == StreamedAppendMessage {
        var iterator = messages.makeAsyncIterator()
        guard var message = try await iterator.next() else { return StreamedAppendOutcome(count: 0) }
        let multiappend = hasCapability(.multiappend)
        var finished: [Pending<ResponseCode?>] = []
        var command = startStreamedAppend(to: mailbox, first: message.header)
        var count = 0
        while true {
            do {
                try await command.ready()
                try await command.send(message.body, announced: message.byteCount)
            } catch {
                throw await command.cancel(error)
            }
            count += 1
            let next: StreamedAppendMessage?
            do {
                next = try await iterator.next()
            } catch {
                throw await command.cancel(error)
            }
            guard let next else {
                command.step(.finish)
                finished.append(command.result)
                break
            }
            if multiappend {
                command.step(.next(next.header))
            } else {
                command.step(.finish)
                finished.append(command.result)
                command = startStreamedAppend(to: mailbox, first: next.header)
            }
            message = next
        }
        var validity: UIDValidity?
        var ranges: [ClosedRange<UID>] = []
        var complete = true
        for result in finished {
            if case .appendUID(let v, let uids)? = try await result.value {
                validity = v
                ranges += uids.ranges
            } else {
                complete = false
            }
        }
        guard complete, let validity, let uids = UIDSet(ranges: ranges) else { return StreamedAppendOutcome(count: count) }
        return StreamedAppendOutcome(count: count, appendUID: AppendResult(uidValidity: validity, uids: uids))
    }

    private func startStreamedAppend(to mailbox: MailboxName, first: AppendLiteralHeader) -> StreamedAppendCommand {
        let key = nextStreamKey("P")
        let promise = channel.eventLoop.makePromise(of: CommandOutcome.self)
        let handler = handler
        noteSubmission()
        channel.eventLoop.execute {
            handler.value.submitStreamedAppend(to: mailbox, first: first, sink: CommandSink(promise: promise), key: key)
        }
        let result = Pending<ResponseCode?>(outcome: promise.futureResult) { outcome in
            try outcome.checked("APPEND \(mailbox)").response.code
        }
        return StreamedAppendCommand(key: key, handler: handler, result: result)
    }
}

/// The caller's side of one streamed APPEND command on the event loop.
private struct StreamedAppendCommand {
    let key: String
    let handler: NIOLoopBound<IMAPChannelHandler>
    let result: Pending<ResponseCode?>

    /// Waits until the current message's body may be written (throws if the command ended).
    func ready() async throws {
        let promise = handler.eventLoop.makePromise(of: Void.self)
        handler.eventLoop.execute { [handler, key] in handler.value.awaitAppendReady(key: key, promise) }
        try await promise.futureResult.get()
    }

    /// Writes the body, one chunk at a time, each once the previous one reached the socket.
    func send(_ body: any AsyncSequence<ByteBuffer, any Error> & Sendable, announced: Int) async throws {
        var received = 0
        for try await chunk in body {
            received += chunk.readableBytes
            guard received <= announced else { throw IMAPClientError.bodySizeMismatch(announced: announced, received: received) }
            guard chunk.readableBytes > 0 else { continue }
            let promise = handler.eventLoop.makePromise(of: Void.self)
            handler.eventLoop.execute { [handler, key] in handler.value.appendChunk(key: key, chunk, promise) }
            try await promise.futureResult.get()
        }
        guard received == announced else { throw IMAPClientError.bodySizeMismatch(announced: announced, received: received) }
        step(.bodyEnd)
    }

    func step(_ step: AppendStep) {
        handler.eventLoop.execute { [handler, key] in handler.value.appendStep(key: key, step) }
    }

    /// Makes the command fail on the server (nothing stored), waits for its answer, and returns
    /// the error to throw: the session's own when it broke, else the cause.
    func cancel(_ cause: any Error) async -> any Error {
        let reason = cause as? IMAPClientError ?? .configuration("the APPEND body failed: \(cause)")
        step(.cancel(reason))
        do {
            _ = try await result.value
        } catch let error as IMAPClientError {
            switch error {
            case .connectionClosed, .timeout, .protocolError, .bye, .tls: return error
            default: break
            }
        } catch {}
        return cause
    }
}

extension StreamedAppendMessage {
    var header: AppendLiteralHeader {
        AppendLiteralHeader(flags: flags.filter { $0 != .recent }, internalDate: internalDate, byteCount: byteCount)
    }
}
