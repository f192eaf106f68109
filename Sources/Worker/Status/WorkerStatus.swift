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

    enum CodingKeys: String, CodingKey {
        case worker, version, startedAt = "started_at", uptimeSeconds = "uptime_seconds", workers, transports
        case running, queueDepth = "queue_depth", maxConcurrent = "max_concurrent", counts
    }
}
