import NIOConcurrencyHelpers
import NIOCore

/// The session's unsolicited data, in order: one consumer at a time (``IMAPSession/mailboxEvents()``).
///
/// The rule: events are kept only while someone is subscribed (before that, and after the
/// consumer leaves, they are dropped; the selected mailbox's state is always maintained). A
/// subscriber that falls more than ``highWatermark`` events behind stops socket reads (all
/// commands on the connection wait) until it has caught up to ``lowWatermark``: memory stays
/// bounded, and a subscriber must keep consuming.
public struct MailboxEventStream: AsyncSequence, Sendable {
    public typealias Element = MailboxEvent
    typealias Producer = NIOThrowingAsyncSequenceProducer<MailboxEvent, any Error,
        NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, StreamDemand>
    typealias Source = Producer.Source

    public static let lowWatermark = 256
    public static let highWatermark = 1024

    let producer: Producer
    let counter: NIOLockedValueBox<Int>

    /// How many events were handed to this stream so far (read or not). Read it after a
    /// command's result: every event the server sent before that result is counted, so a
    /// consumer that has taken this many has seen them all (a barrier, e.g. after NOOP).
    public var eventsDelivered: Int { counter.withLockedValue { $0 } }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator
        public mutating func next() async throws -> MailboxEvent? { try await base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: producer.makeAsyncIterator()) }
}
