import IMAPCore
import NIOCore

/// A message on its way from one endpoint to the other: its metadata, then its bytes as a
/// stream of chunks whose total is known before the first chunk (an IMAP literal's `{size}`,
/// a stored file's length), so an APPEND literal can be announced before the body is read.
///
/// The body is single-pass and never held whole: the IMAP endpoint yields FETCH literal chunks
/// as they arrive and the receiving endpoint writes each chunk out before asking for the next.
public struct OutgoingMessage: Sendable {
    /// The message on the source side (its UID there, flags, INTERNALDATE, size).
    public var summary: MessageSummary
    public var body: MessageBody

    public init(summary: MessageSummary, body: MessageBody) {
        self.summary = summary
        self.body = body
    }
}

/// The bytes of one message, in chunks. Exactly ``byteCount`` bytes, or the sequence throws
/// ``MailboxEndpointError/bodySizeMismatch(uid:announced:received:)``-style errors from its
/// producer: a receiver must not commit a message that came short.
public struct MessageBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public let byteCount: Int
    private let chunks: AsyncThrowingStream<ByteBuffer, any Error>

    public init(byteCount: Int, chunks: AsyncThrowingStream<ByteBuffer, any Error>) {
        self.byteCount = byteCount
        self.chunks = chunks
    }

    /// A body already in memory (tests, small messages from the store).
    public init(bytes: ByteBuffer) {
        self.byteCount = bytes.readableBytes
        self.chunks = AsyncThrowingStream { continuation in
            continuation.yield(bytes)
            continuation.finish()
        }
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator {
        chunks.makeAsyncIterator()
    }
}

/// The messages of a ``MailboxEndpoint/fetchMessages(_:)`` in UID order. Each message's body
/// must be consumed (or dropped) before the next message is requested: over IMAP they are one
/// FETCH response stream.
public typealias OutgoingMessageStream = AsyncThrowingStream<OutgoingMessage, any Error>

/// Messages handed to one ``MailboxEndpoint/append(_:)`` call: one MULTIAPPEND command on an
/// IMAP endpoint, one transaction on the store. The engine closes batches at the limits of
/// ``AppendBatchLimits`` (128 messages or 8 MiB) and sends one message per batch
/// to an endpoint without ``EndpointCapabilities/multiappend``.
public struct AppendBatch: Sendable {
    public var messages: AsyncThrowingStream<OutgoingMessage, any Error>
    /// How many messages the batch was planned with. A message expunged between the size
    /// FETCH and the body FETCH is simply missing from the stream, so fewer may come: the
    /// appended ones are those the stream yielded (their ``OutgoingMessage/summary`` UIDs),
    /// and a batch that yields none appends nothing and returns no UIDs.
    public var count: Int

    public init(count: Int, messages: AsyncThrowingStream<OutgoingMessage, any Error>) {
        self.count = count
        self.messages = messages
    }
}

/// Where the engine cuts a stream of new messages into append batches.
public struct AppendBatchLimits: Hashable, Sendable {
    public var maxMessages: Int
    public var maxBytes: Int

    public init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    /// MULTIAPPEND batches: 128 messages (InterIMAP 0.5.7's count) or 8 MiB, whichever comes first.
    /// InterIMAP stops at 1 MiB (it holds the batch in memory; we stream it): each MULTIAPPEND is
    /// one transaction on the target (Dovecot: an index commit and fdatasync, a uidlist rewrite),
    /// and 8 MiB cut the local Dovecot's CPU of a 10,000-message first sync by about 1 s (sync.md).
    public static let multiappend = AppendBatchLimits(maxMessages: 128, maxBytes: 8 << 20)
    public static let single = AppendBatchLimits(maxMessages: 1, maxBytes: .max)
}
