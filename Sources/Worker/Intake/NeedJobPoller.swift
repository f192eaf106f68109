import Foundation
import Logging
import NATS

/// Caliopen's pull mode: while the worker has a free slot it asks the idpoller for work every
/// `interval` with a `need_job` request; an answer that is an order is run like any other, its
/// events going to the events subject. No answer (no responders, timeout, `{}`) means no work.
public struct NeedJobPoller: Sendable {
    let client: NATSClient
    let subject: String
    let eventsSubject: String
    let interval: Duration
    let logger: Logger

    public init(client: NATSClient, subject: String, eventsSubject: String, interval: Duration, logger: Logger) {
        self.client = client
        self.subject = subject
        self.eventsSubject = eventsSubject
        self.interval = interval
        self.logger = logger
    }

    /// `{"worker":ID,"order":{"order":"need_job"}}`, Caliopen's request document.
    static func request(worker: String) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? Array(encoder.encode(NeedJob(worker: worker, order: .init(order: "need_job"))))) ?? []
    }

    private struct NeedJob: Encodable {
        struct Inner: Encodable { var order: String }
        var worker: String
        var order: Inner
    }

    public func run(pool: WorkerPool) async {
        await pool.setTransport("poller", state: "running")
        let request = Self.request(worker: pool.events.worker)
        while (try? await Task.sleep(for: interval)) != nil {
            guard await pool.freeSlots() > 0 else { break }
            guard let answer = try? await client.request(subject, payload: request, timeout: .seconds(5)) else { continue }
            let payload = answer.bytes
            if payload.isEmpty || Self.isNothingToDo(payload) { continue }
            await pool.submit(payload, source: "poller", replier: PollerReplier(client: client, subject: eventsSubject,
                                                                                 logger: logger))
        }
        await pool.setTransport("poller", state: "stopped")
    }

    static func isNothingToDo(_ payload: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else { return false }
        guard let order = object["order"] as? String else { return object.isEmpty }
        return order.isEmpty || order == "nop" || order == "none"
    }
}

/// Events of a polled order: there is no reply subject and nothing to settle.
struct PollerReplier: OrderReplier {
    let client: NATSClient
    let subject: String
    let logger: Logger

    func publish(_ event: WorkerEvent) async {
        do { try await client.publish(subject, payload: event.encoded()) } catch {
            logger.warning("cannot publish event", metadata: ["error": "\(error)"])
        }
    }

    func finish(_ event: WorkerEvent) async { await publish(event) }
    func reject(_ event: WorkerEvent) async { await publish(event) }
    func keepAlive() async {}
}
