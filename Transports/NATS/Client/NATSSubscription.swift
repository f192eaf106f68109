import NIOCore

/// A subscription: an `AsyncSequence` of the messages received on its subject.
///
/// The sequence ends after `unsubscribe()`, after the `unsubscribe(after:)` count, on `drain()`
/// and when the client closes. Several tasks may iterate it; each message goes to one of them.
public struct NATSSubscription: AsyncSequence, Sendable {
    public typealias Element = NATSMessage

    public let subject: String
    public let queue: String?
    /// The subscription id on the wire.
    public let sid: UInt64
    let buffer: SubscriptionBuffer
    let core: ClientCore

    /// Stops the subscription now; messages already buffered are still delivered.
    public func unsubscribe() async throws {
        try core.unsubscribe(sid: sid, after: nil)
    }

    /// Stops the subscription, first delivering every message the server sent before it saw the
    /// UNSUB (one PING/PONG round trip, at most `timeout`); then the sequence ends.
    public func unsubscribeAfterInFlight(timeout: Duration = NATSClient.defaultFlushTimeout) async {
        await core.unsubscribeAfterInFlight(sid: sid, timeout: timeout)
    }

    /// Ends the subscription once `count` messages in total have been received (the server stops
    /// sending after that many; the count survives reconnects).
    public func unsubscribe(after count: Int) async throws {
        try core.unsubscribe(sid: sid, after: count)
    }

    /// Messages dropped because the consumer was too slow (pending buffer full).
    public var droppedMessages: Int { buffer.droppedCount }
    /// Messages received and not yet taken by the consumer.
    public var pendingMessages: Int { buffer.pendingCount }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(buffer: buffer)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: SubscriptionBuffer
        var batch = CircularBuffer<NATSMessage>()

        /// Runs on the caller's executor (no hop to the global pool between messages).
        public mutating func next(isolation actor: isolated (any Actor)? = #isolation) async -> NATSMessage? {
            if let message = batch.popFirst() { return message }
            switch buffer.take() {
            case .batch(let taken):
                batch = taken
                return batch.popFirst()
            case .finished:
                return nil
            case .mustWait:
                return await buffer.wait()
            }
        }

        public mutating func next() async -> NATSMessage? {
            await next(isolation: nil)
        }

        /// The next message if one is already buffered; never waits.
        public mutating func nextIfAvailable() -> NATSMessage? {
            if let message = batch.popFirst() { return message }
            if case .batch(let taken) = buffer.take() {
                batch = taken
                return batch.popFirst()
            }
            return nil
        }
    }
}
