import BusTransport
import Foundation
import RedisStreams
import Synchronization

/// What the test workers did, for the checks at the end.
actor Ledger {
    private(set) var completions: [String: Int] = [:]
    private(set) var byConsumer: [String: Int] = [:]
    private(set) var deliveries: [String: [Int]] = [:]
    /// Entries delivered again after their acknowledgement had been confirmed: must stay empty.
    private(set) var redoneAfterAck: [String] = []
    private(set) var errors: [String] = []
    private var acknowledged: Set<String> = []

    var distinctCompleted: Int { completions.count }

    func delivered(_ delivery: OrderDelivery) {
        if acknowledged.contains(delivery.id) { redoneAfterAck.append(delivery.id) }
        deliveries[delivery.id, default: []].append(delivery.deliveryCount)
    }

    func completed(_ id: String, by consumer: String) {
        completions[id, default: 0] += 1
        byConsumer[consumer, default: 0] += 1
        acknowledged.insert(id)
    }

    func failed(_ what: String) { errors.append(what) }
}

/// Runs worker loops over transports: receive up to `batch`, "run" each order, complete it with
/// an event naming the entry and the consumer.
final class WorkerPool: Sendable {
    let ledger: Ledger
    private let running = Mutex<[(RedisStreamsOrderTransport, Task<Void, Never>)]>([])

    init(ledger: Ledger) { self.ledger = ledger }

    func start(_ configuration: RedisStreamsConfiguration, batch: Int = 8, jobTime: Duration = .zero) {
        let transport = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: batch))
        let ledger = self.ledger
        let name = configuration.consumer
        let task = Task {
            while !Task.isCancelled {
                let deliveries: [OrderDelivery]
                do {
                    deliveries = try await transport.receive()
                } catch is CancellationError {
                    return
                } catch {
                    await ledger.failed("receive: \(error)")
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                }
                for delivery in deliveries {
                    await ledger.delivered(delivery)
                    if jobTime > .zero { try? await Task.sleep(for: jobTime) }
                    let event = #"{"type":"order.completed","entry":"\#(delivery.id)","consumer":"\#(name)"}"#
                    do {
                        try await transport.complete(delivery, event: Array(event.utf8))
                        await ledger.completed(delivery.id, by: name)
                    } catch {
                        await ledger.failed("complete \(delivery.id): \(error)")
                    }
                }
            }
        }
        running.withLock { $0.append((transport, task)) }
    }

    /// Cancels every worker loop, waits for it, shuts its transport down.
    func stop() async {
        let all = running.withLock { list in
            defer { list = [] }
            return list
        }
        for (_, task) in all { task.cancel() }
        for (transport, task) in all {
            await task.value
            await transport.close()
        }
    }
}
