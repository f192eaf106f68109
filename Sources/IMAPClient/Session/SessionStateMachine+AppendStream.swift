import IMAPCore
import NIOCore

/// A streamed APPEND / MULTIAPPEND: the caller announces each message's byte count, then writes
/// its body chunk by chunk as it is produced (never holding it whole), then the next message's
/// header or the end. The machine holds the writer for the command from its first byte to its
/// last (nothing may land inside a literal), says when each body may be written
/// (`appendReady`: at once after a LITERAL+ header, after the `+` of a synchronising one), and
/// checks every count: a body that ends short or runs long is padded to the announced size and
/// followed by a token the server must refuse, so the whole command fails and nothing of it is
/// stored (RFC 3502: a failed MULTIAPPEND appends none of its messages). Its tagged answer then
/// reaches the caller as that error, not as the server's BAD.
struct AppendStream: Equatable {
    enum Phase: Equatable {
        /// Not written yet (behind other commands).
        case queued
        /// A synchronising literal header went out: waiting for `+`.
        case awaitingContinuation
        /// The caller may write `remaining` more bytes of the current message.
        case body
        /// The current literal is complete: next header, or the end.
        case betweenMessages
        /// Cancelled while waiting for `+`: pad the whole literal when it comes.
        case cancelling
        /// The last byte went out; waiting for the tagged answer.
        case done
    }

    var phase = Phase.queued
    var synchronising: Bool
    var announced: Int
    var remaining: Int
    /// Set when the machine (or the caller) cancelled: the command's result is this error.
    var cancelled: IMAPClientError?

    var received: Int { announced - remaining }
}

extension SessionStateMachine {
    /// Padding for a cancelled literal, shared (never copied) between writes.
    static let appendPadding = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 * 1024)

    /// Submits `tag APPEND mailbox` with the first message's header.
    mutating func submitStreamedAppend(to mailbox: MailboxName, first: AppendLiteralHeader,
                                       now: NIODeadline) -> (tag: String, actions: [SessionAction]) {
        let tag = "A\(nextTagNumber())"
        if case .closed(let error) = state { return (tag, [.fail(tag: tag, error)]) }
        let encoder = CommandEncoder(literalPlus: capabilities.contains(.literalPlus),
                                     literalMinus: capabilities.contains(.literalMinus))
        guard var start = encoder.streamedAppendStart(tag: tag, mailbox: mailbox) else {
            return (tag, [.fail(tag: tag, .configuration("the mailbox name \(mailbox) is too long for a streamed APPEND"))])
        }
        var (header, synchronising) = encoder.streamedAppendMessage(first)
        start.writeBuffer(&header)
        if commands.isEmpty { lastProgress = now }
        commands.append(InFlight(tag: tag, role: .appendStream))
        appendStreams[tag] = AppendStream(synchronising: synchronising, announced: first.byteCount, remaining: first.byteCount)
        let writes = pipeline.submit(tag: tag, chunks: [[start]], kind: .streaming(awaitsContinuation: synchronising),
                                     trace: traced(WireTrace.text(of: start)))
        return (tag, writeAction(writes) + advanceAppendStreams())
    }

    /// Streams whose first bytes just went out may start their first body.
    mutating func advanceAppendStreams() -> [SessionAction] {
        var actions: [SessionAction] = []
        for (tag, stream) in appendStreams where stream.phase == .queued && pipeline.inFlight.contains(tag) {
            appendStreams[tag]?.phase = stream.synchronising ? .awaitingContinuation : .body
            if !stream.synchronising { actions.append(.appendReady(tag: tag)) }
        }
        return actions
    }

    /// The `+` for a streamed APPEND's synchronising literal.
    mutating func appendContinuation(tag: String) -> [SessionAction] {
        guard let stream = appendStreams[tag] else { return close(.protocolError("continuation request for a finished APPEND")) }
        pipeline.continuationHandled(tag: tag)
        switch stream.phase {
        case .awaitingContinuation:
            appendStreams[tag]?.phase = .body
            return [.appendReady(tag: tag)]
        case .cancelling:
            return padAndCancel(tag)
        case .queued, .body, .betweenMessages, .done:
            return close(.protocolError("unexpected continuation request during APPEND"))
        }
    }

    /// A chunk of the current message's body. More than announced cancels the command.
    mutating func appendChunk(tag: String, _ bytes: ByteBuffer, now: NIODeadline) -> [SessionAction] {
        guard var stream = appendStreams[tag], stream.phase == .body else { return [] }
        lastProgress = now
        guard bytes.readableBytes <= stream.remaining else {
            var fitting = bytes
            let head = fitting.readSlice(length: stream.remaining) ?? ByteBuffer()
            let received = stream.received + bytes.readableBytes
            stream.remaining = 0
            appendStreams[tag] = stream
            return writeAction([head]) + cancelAppend(tag: tag, .bodySizeMismatch(announced: stream.announced, received: received))
        }
        stream.remaining -= bytes.readableBytes
        appendStreams[tag] = stream
        return writeAction([bytes])
    }

    /// The current message's body ended. Short of the announced size cancels the command.
    mutating func appendBodyEnd(tag: String) -> [SessionAction] {
        guard let stream = appendStreams[tag], stream.phase == .body else { return [] }
        guard stream.remaining == 0 else {
            return cancelAppend(tag: tag, .bodySizeMismatch(announced: stream.announced, received: stream.received))
        }
        appendStreams[tag]?.phase = .betweenMessages
        return writeAction([], trace: traced(WireTrace.elided(stream.announced)))
    }

    /// The next message of a MULTIAPPEND.
    mutating func appendNext(tag: String, _ header: AppendLiteralHeader, now: NIODeadline) -> [SessionAction] {
        guard var stream = appendStreams[tag], stream.phase == .betweenMessages else { return [] }
        let encoder = CommandEncoder(literalPlus: capabilities.contains(.literalPlus),
                                     literalMinus: capabilities.contains(.literalMinus))
        let (bytes, synchronising) = encoder.streamedAppendMessage(header)
        lastProgress = now
        stream.synchronising = synchronising
        stream.announced = header.byteCount
        stream.remaining = header.byteCount
        stream.phase = synchronising ? .awaitingContinuation : .body
        appendStreams[tag] = stream
        if synchronising { pipeline.expectContinuation(tag: tag) }
        return writeAction([bytes], trace: traced(WireTrace.text(of: bytes))) + (synchronising ? [] : [.appendReady(tag: tag)])
    }

    /// The last message went out: end the command, release the writer.
    mutating func appendFinish(tag: String) -> [SessionAction] {
        guard appendStreams[tag]?.phase == .betweenMessages else { return [] }
        appendStreams[tag]?.phase = .done
        return writeAction([CommandEncoder.streamedAppendEnd()] + pipeline.release(tag: tag))
    }

    /// Cancels the command so that the server stores nothing of it: a queued command is simply
    /// withdrawn; a started one gets its literal padded and a token the server refuses.
    mutating func cancelAppend(tag: String, _ error: IMAPClientError) -> [SessionAction] {
        guard let stream = appendStreams[tag] else { return [] }
        if stream.cancelled == nil { appendStreams[tag]?.cancelled = error }
        switch stream.phase {
        case .queued:
            guard pipeline.withdraw(tag: tag) else { return [] }
            appendStreams[tag] = nil
            commands.removeAll { $0.tag == tag }
            return [.fail(tag: tag, error)]
        case .awaitingContinuation:
            appendStreams[tag]?.phase = .cancelling
            return []
        case .body, .betweenMessages:
            return padAndCancel(tag)
        case .cancelling, .done:
            return []
        }
    }

    private mutating func padAndCancel(_ tag: String) -> [SessionAction] {
        guard let stream = appendStreams[tag] else { return [] }
        var buffers: [ByteBuffer] = []
        var remaining = stream.phase == .betweenMessages ? 0 : stream.remaining
        while remaining > 0 {
            let size = min(remaining, Self.appendPadding.readableBytes)
            buffers.append(Self.appendPadding.getSlice(at: Self.appendPadding.readerIndex, length: size) ?? ByteBuffer())
            remaining -= size
        }
        let cancel = CommandEncoder.streamedAppendCancel()
        buffers.append(cancel)
        appendStreams[tag]?.remaining = 0
        appendStreams[tag]?.phase = .done
        // The body so far and its padding show as the literal's size, as a complete body would.
        let trace = traced((stream.phase == .betweenMessages ? "" : WireTrace.elided(stream.announced)) + WireTrace.text(of: cancel))
        return writeAction(buffers + pipeline.release(tag: tag), trace: trace)
    }

    /// The tagged answer of a streamed APPEND: the caller's cancellation wins over the server's BAD.
    mutating func appendCompleted(tag: String, _ response: TaggedResponse) -> SessionAction {
        let stream = appendStreams.removeValue(forKey: tag)
        if let error = stream?.cancelled { return .fail(tag: tag, error) }
        return .complete(tag: tag, response)
    }
}
