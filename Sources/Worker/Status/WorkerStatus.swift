import Foundation

/// What a `status` request is answered with.
public struct WorkerStatus: Sendable, Equatable, Codable {
    public struct Transport: Sendable, Equatable, Codable {
        public var name: String
        /// `starting`, `running`, `stopping`, `stopped`, `failed`.
        public var state: String
        public var detail: String?

        public init(name: String, state: String, detail: String? = nil) {
            self.name = name
            self.state = state
            self.detail = detail
        }
    }

    public struct RunningJob: Sendable, Equatable, Codable {
        public var orderID: String
        public var order: String
        public var identity: String?
        public var startedAt: Date
        public var progress: JobProgress?

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", order, identity, startedAt = "started_at", progress
        }
    }

    public struct Counts: Sendable, Equatable, Codable {
        public var completed = 0
        public var failed = 0
        public var rejected = 0
        public init() {}
    }

    /// The built-in scheduler (docs/worker.md, "Scheduler and push").
    public struct Scheduler: Sendable, Equatable, Codable {
        /// 0: no scheduled syncs (push syncs still run).
        public var intervalSeconds: Int
        public var maxInFlight: Int
        public var runningScheduled = 0
        public var runningPush = 0
        /// Identities with new mail whose sync has not started yet.
        public var pushPending = 0
        /// Runs started since the worker started.
        public var scheduledRuns = 0
        public var pushRuns = 0

        public init(intervalSeconds: Int, maxInFlight: Int) {
            self.intervalSeconds = intervalSeconds
            self.maxInFlight = maxInFlight
        }

        enum CodingKeys: String, CodingKey {
            case intervalSeconds = "interval_seconds", maxInFlight = "max_in_flight", runningScheduled = "running_scheduled"
            case runningPush = "running_push", pushPending = "push_pending", scheduledRuns = "scheduled_runs"
            case pushRuns = "push_runs"
        }
    }

    /// The push connections this worker holds.
    public struct Push: Sendable, Equatable, Codable {
        public var maxConnections: Int
        /// Push identities leased to this worker.
        public var held = 0
        /// Connections watching every mailbox with NOTIFY, or INBOX with IDLE.
        public var watchingNotify = 0
        public var watchingIdle = 0
        /// Held identities whose connection is down (waiting to reconnect, or connecting).
        public var reconnecting = 0

        public init(maxConnections: Int) {
            self.maxConnections = maxConnections
        }

        enum CodingKeys: String, CodingKey {
            case maxConnections = "max_connections", held, watchingNotify = "watching_notify"
            case watchingIdle = "watching_idle", reconnecting
        }
    }

    public var worker: String
    public var version: String
    public var startedAt: Date
    public var uptimeSeconds: Double
    public var workers: Int
    public var transports: [Transport]
    public var running: [RunningJob]
    /// Orders taken and waiting for a slot or for their identity's running job.
    public var queueDepth: Int
    /// Most jobs seen running at the same time since the start.
    public var maxConcurrent: Int
    public var counts: Counts
    /// Absent from a worker that runs no scheduler (a pool without one, in tests).
    public var scheduler: Scheduler?
    public var push: Push?

    enum CodingKeys: String, CodingKey {
        case worker, version, startedAt = "started_at", uptimeSeconds = "uptime_seconds", workers, transports
        case running, queueDepth = "queue_depth", maxConcurrent = "max_concurrent", counts, scheduler, push
    }
}
