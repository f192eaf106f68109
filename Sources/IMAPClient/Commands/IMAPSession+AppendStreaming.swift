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
    /// APPENDs the messages `messages` yields to `mailbox`, their bodies streamed.
    public func appendStreaming<Messages: AsyncSequence>(_ messages: Messages, to mailbox: MailboxName) async throws
        -> StreamedAppendOutcome where Messages.Element == StreamedAppendMessage {
        var collected: [AppendMessage] = []
        for try await message in messages {
            var buffer = ByteBuffer()
            for try await chunk in message.body { buffer.writeImmutableBuffer(chunk) }
            guard buffer.readableBytes == message.byteCount else {
                throw IMAPClientError.bodySizeMismatch(announced: message.byteCount, received: buffer.readableBytes)
            }
            collected.append(AppendMessage(flags: message.flags, internalDate: message.internalDate, data: buffer))
        }
        guard !collected.isEmpty else { return StreamedAppendOutcome(count: 0) }
        let result = try await append(collected, to: mailbox).value
        return StreamedAppendOutcome(count: collected.count, appendUID: result)
    }
}
