import BusTransport
import Foundation
import Logging
import NATS
import Synchronization

/// Caliopen's pull mode: while the worker has a free slot it asks the idpoller for work every
/// `interval` with a `need_job` request; an answer that is an order is run like any other, its
/// events going to the events subject. No answer (no responders, timeout, `{}`) means no work.
public struct NeedJobPoller: Sendable {
    let client: NATSClient
    let subject: String
    let eventsSubject: String
    /// A polled order holds one slot, like a delivered one, until its final event.
    let slots: WorkerSlots
    let interval: Duration
    let logger: Logger

    public init(client: NATSClient, subject: String, eventsSubject: String, slots: WorkerSlots, interval: Duration,
                logger: Logger) {
        self.client = client
        self.subject = subject
        self.eventsSubject = eventsSubject
        self.slots = slots
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
            guard (try? await slots.acquire(upTo: 1)) != nil else { break }
            let answer = try? await client.request(subject, payload: request, timeout: .seconds(5))
            guard let payload = answer?.bytes, !payload.isEmpty, !Self.isNothingToDo(payload) else {
                slots.release(1)
                continue
            }
            await pool.submit(payload, source: "poller", replier: PollerReplier(
                client: client, subject: eventsSubject, slot: SlotHold(slots), logger: logger))
        }
        await pool.setTransport("poller", state: "stopped")
    }

    static func isNothingToDo(_ payload: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else { return false }
        guard let order = object["order"] as? String else { return object.isEmpty }
        return order.isEmpty || order == "nop" || order == "none"
    }
}

/// Events of a polled order: there is no reply subject and nothing to settle but its slot.
struct PollerReplier: OrderReplier {
    let client: NATSClient
    let subject: String
    let slot: SlotHold
    let logger: Logger

    func publish(_ event: WorkerEvent) async {
        do { try await client.publish(subject, payload: event.encoded()) } catch {
            logger.warning("cannot publish event", metadata: ["error": "\(error)"])
        }
    }

    func finish(_ event: WorkerEvent) async {
        await publish(event)
        slot.free()
    }

    func reject(_ event: WorkerEvent) async { await finish(event) }
    func keepAlive() async {}
    /// The idpoller hands the identity out again at its next poll.
    func release() async { slot.free() }
}

/// One slot of `WorkerSlots`, given back once.
final class SlotHold: Sendable {
    private let slots: WorkerSlots
    private let held = Mutex(true)

    init(_ slots: WorkerSlots) { self.slots = slots }

    func free() {
        let wasHeld = held.withLock { held in
            defer { held = false }
            return held
        }
        if wasHeld { slots.release(1) }
    }
}
