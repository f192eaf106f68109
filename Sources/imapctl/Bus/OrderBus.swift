import Foundation
import MailJobs
import Worker

/// A running worker's bus as imapctl sees it: send one order and wait for its final event, or ask
/// every worker for its status. Built from the configuration the daemon reads (`nats.url`,
/// `redis.url` and their subjects and streams), so that imapctl talks to the workers it shares a
/// configuration file with.
protocol OrderBus: Sendable {
    /// Where orders go, for messages: `NATS subject outboundIMAP`; never a credential.
    var destination: String { get }

    /// Sends `order` and returns its final answer; `progress` sees the order's `accepted` and
    /// `progress` events as they come. Throws `BusFailure.noWorker` when no worker listens and
    /// `.timeout` when no final event came within `timeout`.
    func send(_ order: [UInt8], orderID: String, timeout: Duration,
              progress: @escaping @Sendable (WorkerEvent) -> Void) async throws -> BusAnswer

    /// Every worker's answer to one status request, gathered for `wait`.
    func statuses(wait: Duration) async throws -> [WorkerStatus]

    func close() async
}

/// The one reply an order gets: the worker's final event, or the transport's own refusal
/// (`{"type":"order.rejected","code":"busy"|"shutting_down"|…}`, docs/bus-contract.md).
enum BusAnswer: Sendable {
    case event(WorkerEvent)
    case refused(code: String, reason: String)

    /// Decodes a reply document; a document of neither shape is reported as it is.
    static func decode(_ bytes: [UInt8]) throws -> BusAnswer {
        if let event = try? WorkerEvent.decode(bytes) { return .event(event) }
        let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        if let object, let type = object["type"] as? String, type.hasPrefix("order.") {
            return .refused(code: object["code"] as? String ?? type, reason: object["reason"] as? String ?? type)
        }
        throw BusFailure.unreadable(String(decoding: bytes.prefix(300), as: UTF8.self))
    }
}

enum BusFailure: Error, CustomStringConvertible {
    case notConfigured
    case noWorker(String)
    case timeout(String)
    case unreadable(String)

    var description: String {
        switch self {
        case .notConfigured:
            "no bus configured: set nats.url or redis.url (IMAPWORKER_NATS_URL, IMAPWORKER_REDIS_URL) or run the job here with --local"
        case .noWorker(let text), .timeout(let text): text
        case .unreadable(let text): "the worker's answer is not an event: \(text)"
        }
    }
}

/// The buses the configuration names: NATS when `nats.url` is set, Redis when `redis.url` is.
enum OrderBuses {
    enum Kind: String, CaseIterable, Sendable { case nats, redis }

    static func configured(_ configuration: WorkerConfiguration) -> [Kind] {
        var kinds: [Kind] = []
        if !configuration.nats.url.isEmpty { kinds.append(.nats) }
        if !configuration.redis.url.isEmpty { kinds.append(.redis) }
        return kinds
    }

    /// `chosen`, else the first configured (NATS before Redis).
    static func connect(_ chosen: Kind?, _ configuration: WorkerConfiguration) async throws -> any OrderBus {
        let configured = configured(configuration)
        guard let kind = chosen ?? configured.first else { throw BusFailure.notConfigured }
        guard configured.contains(kind) else {
            throw BusFailure.noWorker("--bus \(kind.rawValue): \(kind.rawValue).url is not set in the configuration")
        }
        return try await connect(kind, configuration)
    }

    static func connect(_ kind: Kind, _ configuration: WorkerConfiguration) async throws -> any OrderBus {
        switch kind {
        case .nats: try await NATSOrderBus.connect(configuration.nats)
        case .redis: try await RedisOrderBus.connect(configuration.redis)
        }
    }
}
