import Foundation
import MailJobs
import NATS
import Synchronization
import Worker

/// Orders as NATS requests on `nats.orders_subject` (the reply subject gets exactly the final
/// event), progress from `nats.events_subject`, status from every worker answering on
/// `nats.status_subject`.
struct NATSOrderBus: OrderBus {
    let client: NATSClient
    let section: WorkerConfiguration.NATSSection

    var destination: String { "NATS subject \(section.ordersSubject)" }

    static func connect(_ section: WorkerConfiguration.NATSSection) async throws -> NATSOrderBus {
        var options = NATSOptions(servers: section.url.split(separator: ",").map {
            String($0).trimmingCharacters(in: .whitespaces)
        })
        options.name = "imapctl"
        options.maxReconnectAttempts = 3
        do {
            return NATSOrderBus(client: try await NATSClient.connect(options), section: section)
        } catch {
            throw BusFailure.noWorker("cannot reach NATS at \(redactedURL(section.url)): \(error)")
        }
    }

    func send(_ order: [UInt8], orderID: String, timeout: Duration,
              progress: @escaping @Sendable (WorkerEvent) -> Void) async throws -> BusAnswer {
        // The handler runs on the connection's event loop: decode and hand over, never block.
        let events = try client.subscribe(section.eventsSubject) { message in
            guard let event = try? WorkerEvent.decode(message.bytes), event.orderID == orderID,
                  event.event == .accepted || event.event == .progress else { return }
            progress(event)
        }
        try await client.flush()
        let reply: NATSMessage
        do {
            reply = try await client.request(section.ordersSubject, payload: order, timeout: timeout)
        } catch NATSError.noResponders {
            try? await events.unsubscribe()
            throw BusFailure.noWorker("no worker answered on \(destination) (no responders): is imapworker running with this nats.url?")
        } catch NATSError.timeout {
            try? await events.unsubscribe()
            throw BusFailure.timeout("no final event for order \(orderID) on \(destination) within \(timeout)")
        }
        try? await events.unsubscribe()
        return try BusAnswer.decode(reply.bytes)
    }

    func statuses(wait: Duration) async throws -> [WorkerStatus] {
        let inbox = "_INBOX.imapctl.\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let answers = Mutex<[WorkerStatus]>([])
        let noResponders = Mutex(false)
        let subscription = try client.subscribe(inbox) { message in
            if message.status == 503 { noResponders.withLock { $0 = true }; return }
            if let status = try? WorkerEvent.decode(message.bytes).status { answers.withLock { $0.append(status) } }
        }
        try await client.flush()
        try await client.publish(section.statusSubject, payload: Array("{}".utf8), replyTo: inbox)
        try await client.flush()
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline, !noResponders.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try? await subscription.unsubscribe()
        return answers.withLock { $0 }
    }

    func close() async { await client.close() }
}

/// `scheme://user:pass@host` → `scheme://<redacted>@host`, for each comma-separated URL.
func redactedURL(_ text: String) -> String {
    text.split(separator: ",", omittingEmptySubsequences: false).map { part -> String in
        guard let scheme = part.range(of: "://"), let at = part.lastIndex(of: "@"), at > scheme.upperBound else {
            return String(part)
        }
        return part[..<scheme.upperBound] + "<redacted>" + part[at...]
    }.joined(separator: ",")
}
