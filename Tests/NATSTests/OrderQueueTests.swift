import BusTransport
import NIOCore
import Testing
@testable import NATS

/// The intake decisions and the shared slots, without sockets.
struct OrderQueueTests {
    func order(_ n: Int) -> NATSMessage { NATSMessage(subject: "orders", replyTo: "r.\(n)", payload: ByteBuffer(string: "\(n)")) }

    @Test func ordersTakeSlotsThenWaitThenAreRefusedBusy() {
        let slots = WorkerSlots(capacity: 2)
        var queue = NATSOrderQueue(queueLimit: 1)
        #expect(queue.arrived(order(1), slots: slots) == .queued)
        #expect(queue.arrived(order(2), slots: slots) == .queued)
        #expect(slots.free == 0)
        #expect(queue.arrived(order(3), slots: slots) == .queued)  // waits for a slot
        #expect(queue.arrived(order(4), slots: slots) == .refused(.busy))
        #expect(queue.takeReady().map(\.string) == ["1", "2"])
        // A freed slot goes to the waiting order, not to a newcomer.
        slots.release(1)
        #expect(queue.arrived(order(5), slots: slots) == .refused(.busy))
        queue.promoteWaiting(slots: slots)
        #expect(queue.takeReady().map(\.string) == ["3"])
        #expect(!queue.hasWaiting)
    }

    @Test func stoppingHandsBackWhatWasTakenAndRefusesTheRest() {
        let slots = WorkerSlots(capacity: 1)
        var queue = NATSOrderQueue(queueLimit: 4)
        _ = queue.arrived(order(1), slots: slots)
        _ = queue.arrived(order(2), slots: slots)
        let taken = queue.stop()
        #expect(taken.ready.map(\.string) == ["1"])
        #expect(taken.waiting.map(\.string) == ["2"])
        #expect(queue.arrived(order(3), slots: slots) == .refused(.shuttingDown))
    }

    @Test func slotsAreSharedAndWaitersWakeOnRelease() async throws {
        let slots = WorkerSlots(capacity: 3)
        #expect(slots.tryAcquire(upTo: 2) == 2)
        #expect(slots.tryAcquire(upTo: 5) == 1)
        #expect(slots.tryAcquire(upTo: 1) == 0)
        let waiter = Task { try await slots.acquire(upTo: 4) }
        slots.release(2)
        #expect(try await waiter.value == 2)
        #expect(slots.inUse == 3)
        let cancelled = Task { try await slots.waitUntilFree() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        slots.release(3)
        #expect(slots.free == 3)
    }
}
