/// Everything a Redis Streams consumer needs; defaults are the documented ones (docs/redis-streams.md).
public struct RedisStreamsConfiguration: Sendable {
    /// How to reach Redis (URL, timeouts, reconnect backoff). The consumer opens two connections
    /// from it: one for reads (XREADGROUP may block), one for writes (XACK, XADD, XCLAIM).
    public var connection: RedisConnectionConfiguration

    /// The stream orders are read from; each entry carries a field `order` with the JSON order.
    public var stream: String = RedisStreamsConfiguration.defaultStream
    /// The consumer group all workers share.
    public var group: String = RedisStreamsConfiguration.defaultGroup
    /// This consumer's name in the group. It must be unique among running workers and should be
    /// stable across restarts (a restarted consumer first re-reads its own pending entries).
    public var consumer: String
    /// Where completion and rejection events go (field `event`), besides an order's own reply stream.
    public var eventsStream: String = RedisStreamsConfiguration.defaultEventsStream
    /// Where entries delivered more than `maxDeliveries` times are moved.
    public var deadLetterStream: String = RedisStreamsConfiguration.defaultDeadLetterStream
    /// Status requests (entries with a `reply_to` field); every worker answers each one.
    public var statusStream: String = RedisStreamsConfiguration.defaultStatusStream
    /// The consumer that released orders are handed to: their idle time is set past `claimIdle`,
    /// so any consumer's next XAUTOCLAIM takes them.
    public var releaseConsumer: String = RedisStreamsConfiguration.defaultReleaseConsumer
    /// XDEL acknowledged orders from `stream` (with the XACK), so that no password of a one-off
    /// order stays in Redis. Turn off only if other consumer groups read the same stream.
    public var deleteAcknowledged = true
    /// `MAXLEN ~` for every XADD to event, reply and dead-letter streams.
    public var eventsMaxLength: Int = 100_000

    /// XREADGROUP BLOCK time; the read socket's timeout is this plus the command timeout.
    public var block: Duration = .seconds(2)
    /// An entry pending this long without its owner refreshing it is reclaimed (XAUTOCLAIM) by
    /// another consumer. Must exceed the longest job unless long jobs call `keepAlive`
    /// more often than this.
    public var claimIdle: Duration = .seconds(60)
    /// How often a consumer looks for idle entries to reclaim.
    public var autoclaimInterval: Duration = .seconds(10)
    /// An entry delivered more than this many times is dead-lettered instead of run again.
    public var maxDeliveries: Int = 5
    /// Start ID when this consumer creates the group (`$`: only orders added from now on).
    public var groupStartID: String = "$"
    /// Start ID when the group has vanished (NOGROUP, e.g. a Redis restart without persistence):
    /// `0` re-reads every entry still in the stream, so no unacknowledged order is lost.
    public var recreateStartID: String = "0"

    public static let defaultStream = "imapworker:orders"
    public static let defaultGroup = "imapworker"
    public static let defaultEventsStream = "imapworker:events"
    public static let defaultDeadLetterStream = "imapworker:orders:dead"
    public static let defaultStatusStream = "imapworker:status"
    public static let defaultReleaseConsumer = "imapworker:released"

    /// The streams the worker itself reads or writes: never a valid `reply_to`.
    public var ownStreams: Set<String> { [stream, eventsStream, deadLetterStream, statusStream] }

    public init(connection: RedisConnectionConfiguration, consumer: String) {
        self.connection = connection
        self.consumer = consumer
    }

    public init(url: String, consumer: String) throws(RedisError) {
        self.init(connection: try RedisConnectionConfiguration(url: url), consumer: consumer)
    }
}
