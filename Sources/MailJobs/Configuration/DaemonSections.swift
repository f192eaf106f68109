/// The daemon's sections of the configuration file (imapctl reads only the bus sections, to reach workers). Defaults are
/// Caliopen's, so that a Caliopen stack talks to imapworker unchanged (docs/configuration.md).
extension WorkerConfiguration {
    public struct WorkerSection: Sendable, Equatable {
        public init() {}
        /// The worker's name in events, status and the Redis consumer group; empty: `imapworker-HOST-PID`.
        public var id = ""
        /// A job (all its attempts) is stopped after this long and fails with `timeout`.
        public var jobTimeoutSeconds = 3600
        /// After SIGTERM/SIGINT, running jobs get this long to finish before they are cancelled.
        public var shutdownGraceSeconds = 30
        /// Orders larger than this are rejected unread.
        public var maxOrderBytes = 65536
        /// Runs waiting for a slot or for their identity's running job; beyond it orders get `busy`.
        public var queueLimit = 1000
        /// Shortest interval between two `progress` events of one job.
        public var progressIntervalSeconds = 1
        public var retry = RetrySection()
    }

    /// Retries of transient failures (connection refused, timeout, BYE) inside one job.
    public struct RetrySection: Sendable, Equatable {
        public init() {}
        /// Attempts in all, the first one included.
        public var maxAttempts = 3
        public var initialBackoffMilliseconds = 500
        public var maxBackoffMilliseconds = 30000
    }

    public struct NATSSection: Sendable, Equatable {
        public init() {}
        /// Empty: no NATS transport. `nats://[user:pass@]host:port`, several separated by commas.
        public var url = ""
        public var ordersSubject = "outboundIMAP"
        public var queueGroup = "IMAPworkers"
        public var eventsSubject = "imapworker.events"
        /// Every worker answers status requests here (request/reply, no queue group, no worker slot).
        public var statusSubject = "imapworker.status"
        /// Orders that may wait for a worker slot; one more is answered `busy` by the transport.
        public var queueLimit = 16
    }

    /// Caliopen's idpoller: the worker asks for work with `need_job` requests.
    public struct PollerSection: Sendable, Equatable {
        public init() {}
        public var enabled = false
        public var subject = "imapJobs"
        public var intervalSeconds = 10
    }

    public struct RedisSection: Sendable, Equatable {
        public init() {}
        /// Empty: no Redis transport. `redis://[[user]:password@]host[:port][/db]` or `unix://…`.
        public var url = ""
        public var stream = "imapworker:orders"
        public var group = "IMAPworkers"
        /// Empty: the worker id.
        public var consumer = ""
        public var eventsStream = "imapworker:events"
        public var deadLetterStream = "imapworker:orders:dead"
        /// Status requests: entries with a `reply_to` field, answered by every worker.
        public var statusStream = "imapworker:status"
        /// Where a new consumer group starts: `$` (orders added from now on) or `0` (the whole stream).
        public var groupStartID = "$"
        public var claimIdleSeconds = 60
        public var maxDeliveries = 5
    }

    /// Per-message change events (`message.new`), for indexers and notifiers downstream.
    public struct MessageEventsSection: Sendable, Equatable {
        public init() {}
        /// Off by default: one event per stored message is a lot of traffic for who does not read them.
        public var enabled = false
        /// Published here on NATS (when `nats.url` is set).
        public var natsSubject = "imapworker.messages"
        /// Appended here on Redis (when `redis.url` is set), field `event`.
        public var redisStream = "imapworker:messages"
    }

    /// The built-in scheduler: every active stored identity is synced every `pollIntervalSeconds`.
    public struct SchedulerSection: Sendable, Equatable {
        public init() {}
        /// Caliopen's 15 minutes; 0: no scheduled syncs (only orders and push).
        public var pollIntervalSeconds = 900
        /// Scheduled and push-triggered syncs running at once, so that bus orders always find a worker.
        public var maxInFlight = 2
    }

    /// Push: identities on push keep an IDLE connection on INBOX and are synced when new mail arrives.
    public struct PushSection: Sendable, Equatable {
        public init() {}
        /// For identities without a push setting of their own (`imapctl addremote --push`/`--no-push`).
        public var enabled = false
        /// IDLE connections held by one worker; more push identities wait for another worker.
        public var maxConnections = 100
    }

    /// Prometheus `/metrics` and `/health` over HTTP.
    public struct MetricsSection: Sendable, Equatable {
        public init() {}
        /// 0: no HTTP endpoint.
        public var port = 0
        public var host = "127.0.0.1"
    }
}

/// Bus URLs may carry a password (`redis://:pw@host`, `nats://user:pw@host`): the sections print
/// them without their user info, so logging a configuration never leaks one.
extension WorkerConfiguration.NATSSection: CustomStringConvertible {
    public var description: String {
        "NATSSection(url: \(redactedURLs(url)), orders: \(ordersSubject), group: \(queueGroup), events: \(eventsSubject), status: \(statusSubject))"
    }
}

extension WorkerConfiguration.RedisSection: CustomStringConvertible {
    public var description: String {
        "RedisSection(url: \(redactedURLs(url)), stream: \(stream), group: \(group), events: \(eventsStream))"
    }
}

/// `scheme://user:pass@host` → `scheme://<redacted>@host`, for each comma-separated URL.
func redactedURLs(_ text: String) -> String {
    text.split(separator: ",", omittingEmptySubsequences: false).map { part -> String in
        guard let scheme = part.range(of: "://"), let at = part.lastIndex(of: "@"), at > scheme.upperBound else {
            return String(part)
        }
        return part[..<scheme.upperBound] + "<redacted>" + part[at...]
    }.joined(separator: ",")
}
