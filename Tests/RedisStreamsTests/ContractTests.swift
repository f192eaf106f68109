import BusTransport
import Foundation
import RedisStreams
import Testing
import TestSupport

private let stream = RedisStreamsConfiguration.defaultStream
private let group = RedisStreamsConfiguration.defaultGroup
private let done = Array(#"{"type":"done"}"#.utf8)

/// The transport contract the daemon stands on, against a real redis-server.
@Suite(.timeLimit(.minutes(2)))
struct ContractTests {
    @Test func neverReadsBeyondTheFreeSlots() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        _ = try await admin.addOrders((0..<10).map { #"{"n":\#($0)}"# })
        let slots = WorkerSlots(capacity: 3)
        let transport = try worker(server, "c", slots: slots)
        let first = try await transport.receive()
        #expect(first.count == 3)
        #expect(slots.free == 0)
        #expect(try await admin.pendingCount() == 3)
        // No free slot: the next receive does not read at all until a job settles.
        let next = Task { try await transport.receive() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await admin.pendingCount() == 3)
        try await transport.complete(first[0], event: done)
        let second = try await next.value
        #expect(second.count == 1)
        #expect(try await admin.pendingCount() == 3)
        for delivery in first.dropFirst() + second { try await transport.complete(delivery, event: done) }
        #expect(try await admin.pendingCount() == 0)
        #expect(slots.free == 3)
        await transport.close()
    }

    @Test func releasedOrderIsClaimableAtOnceByAnotherConsumer() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        let id = try await admin.addOrders([#"{"n":1}"#])[0]
        let slots = WorkerSlots(capacity: 1)
        let leaving = try worker(server, "leaving", slots: slots)
        let delivery = try #require(try await leaving.receive().first)
        try await leaving.release(delivery)
        #expect(slots.free == 1)
        await leaving.close()
        // claimIdle is a minute: only the release makes it claimable now.
        let other = try worker(server, "other", slots: WorkerSlots(capacity: 1))
        let taken = try #require(try await other.receive().first)
        #expect(taken.id == id)
        #expect(taken.payload == Array(#"{"n":1}"#.utf8))
        try await other.complete(taken, event: done)
        #expect(try await admin.pendingCount() == 0)
        await other.close()
    }

    @Test func keepAliveAfterAReclaimDoesNotTakeTheOrderBack() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        let id = try await admin.addOrders([#"{"type":"long"}"#])[0]
        let slow = try worker(server, "slow", slots: WorkerSlots(capacity: 1))
        let held = try #require(try await slow.receive().first)
        // The job overran claimIdle without a refresh; another consumer reclaims it.
        try await admin.run("XCLAIM", stream, group, "slow", "0", id, "IDLE", "1000000", "JUSTID")
        var configuration = try testConfiguration(server, consumer: "rescuer")
        configuration.claimIdle = .seconds(100)
        let rescuer = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: 1))
        let rescued = try #require(try await rescuer.receive().first)
        #expect(rescued.id == id)

        await #expect(throws: OrderTransportError.notOwned(id: id)) { try await slow.keepAlive(held) }
        let row = try #require(try await admin.run("XPENDING", stream, group, "-", "+", "10").array?.first?.array)
        #expect(row[1].string == "rescuer")
        try await rescuer.keepAlive(rescued)
        try await rescuer.complete(rescued, event: done)
        #expect(try await admin.pendingCount() == 0)
        await slow.close()
        await rescuer.close()
    }

    @Test func stopReceivingThenSettleThenCloseLosesNothing() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        let ids = try await admin.addOrders((0..<3).map { #"{"n":\#($0)}"# })
        let slots = WorkerSlots(capacity: 2)
        let transport = try worker(server, "c", slots: slots)
        let running = try await transport.receive()
        #expect(running.map(\.id) == Array(ids.prefix(2)))
        await transport.stopReceiving()
        #expect(try await transport.receive().isEmpty)
        // Settling still works after intake stopped.
        try await transport.complete(running[0], event: done)
        try await transport.release(running[1])
        await transport.close()
        #expect(slots.free == 2)
        // The completed order is gone; the released one and the one never read are there for others.
        let left = try await admin.entries(stream).map(\.id)
        #expect(left == Array(ids.suffix(2)))
        let next = try worker(server, "next", slots: WorkerSlots(capacity: 2))
        var rest: [OrderDelivery] = []
        while rest.count < 2 { rest += try await next.receive() }
        #expect(Set(rest.map(\.id)) == Set(ids.suffix(2)))
        for delivery in rest { try await next.complete(delivery, event: done) }
        #expect(try await admin.pendingCount() == 0)
        await next.close()
    }

    @Test func statusIsAnsweredWhileEverySlotIsBusy() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        _ = try await admin.addOrders([#"{"n":1}"#])
        let slots = WorkerSlots(capacity: 1)
        let transport = try worker(server, "c", slots: slots)
        let held = try #require(try await transport.receive().first)
        #expect(slots.free == 0)
        let serving = Task {
            try await transport.serveStatus { request in
                Array(#"{"type":"status","busy":\#(slots.inUse),"asked":"\#(String(decoding: request, as: UTF8.self))"}"#.utf8)
            }
        }
        var answers: [StreamEntry] = []
        try await waitUntil("status answered") {
            try await admin.run("XADD", RedisStreamsConfiguration.defaultStatusStream, "*", "reply_to", "client:status", "request", "ping")
            answers = try await admin.entries("client:status")
            return !answers.isEmpty
        }
        #expect(answers.first?.value("status") == Array(#"{"type":"status","busy":1,"asked":"ping"}"#.utf8))
        try await transport.complete(held, event: done)
        await transport.close()
        try await serving.value
    }

    @Test func badReplyToIsDeadLetteredOnceAndSecretsAreRedacted() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        try await admin.run("SET", "client:not-a-stream", "x")
        let ownStream = try await admin.addOrders([#"{"login":"u","password":"hunter2","reply_to":"imapworker:events"}"#])[0]
        let notStream = try await admin.addOrders([#"{"password":"hunter2","oauth":{"access_token":"tok-123"}}"#],
                                                  extraFields: [StreamField("reply_to", "client:not-a-stream")])[0]
        let transport = try worker(server, "c", slots: WorkerSlots(capacity: 4))
        // The order answering into the worker's own events stream never reaches a worker.
        let deliveries = try await transport.receive()
        #expect(deliveries.map(\.id) == [notStream])
        for delivery in deliveries { try await transport.complete(delivery, event: done) }
        #expect(try await admin.pendingCount() == 0)

        let dead = try await admin.entries(RedisStreamsConfiguration.defaultDeadLetterStream)
        #expect(dead.compactMap { $0.value("source_id").map { String(decoding: $0, as: UTF8.self) } } == [ownStream, notStream])
        for entry in dead {
            let order = String(decoding: entry.value("order") ?? [], as: UTF8.self)
            #expect(!order.contains("hunter2") && !order.contains("tok-123"))
            #expect(order.contains(#""password":"<redacted>""#))
            #expect(entry.value("reason") != nil)
        }
        let events = try await admin.events()
        #expect(events.filter { $0["type"] as? String == "order.dead_lettered" }.count == 2)
        #expect(events.contains { $0["type"] as? String == "done" })  // the job's event still went to the events stream
        #expect(try await admin.run("GET", "client:not-a-stream").string == "x")
        await transport.close()
        // Nothing comes back: each bad order was dead-lettered exactly once.
        let again = try worker(server, "c", slots: WorkerSlots(capacity: 4))
        let receiving = Task { try await again.receive() }
        try await Task.sleep(for: .milliseconds(500))
        await again.stopReceiving()
        #expect(try await receiving.value.isEmpty)
        await again.close()
        #expect(try await admin.entries(RedisStreamsConfiguration.defaultDeadLetterStream).count == 2)
    }

    @Test func acknowledgedOrdersAreDeletedFromTheStream() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        _ = try await admin.addOrders((0..<20).map { #"{"n":\#($0),"password":"one-off"}"# })
        try await admin.run("XADD", stream, "*", "order", "not json")
        let pool = WorkerPool(ledger: Ledger())
        pool.start(try testConfiguration(server, consumer: "w"), batch: 4)
        try await waitUntil("20 orders completed") { await pool.ledger.distinctCompleted == 20 }
        try await waitUntil("stream emptied") { try await admin.run("XLEN", stream).integer == 0 }
        await pool.stop()
        #expect(try await admin.pendingCount() == 0)
    }

    @Test func progressGoesToTheEventsStreamOnlyAndTheReplyStreamGetsOneEntry() async throws {
        let (server, admin) = try await serverWithGroup()
        defer { admin.close() }
        _ = try await admin.addOrders([#"{"n":1,"reply_to":"client:replies"}"#])
        let transport = try worker(server, "c", slots: WorkerSlots(capacity: 1))
        let delivery = try #require(try await transport.receive().first)
        for step in 1...3 { try await transport.publishProgress(delivery, event: Array(#"{"progress":\#(step)}"#.utf8)) }
        try await transport.complete(delivery, event: done)
        #expect(try await admin.events("client:replies").map { $0["type"] as? String } == ["done"])
        #expect(try await admin.events().count == 4)
        await transport.close()
    }
}

/// A redis-server with the order group created (reading from the start), and an admin connection.
private func serverWithGroup() async throws -> (RedisServer, RedisConnection) {
    let server = try await RedisServer()
    let admin = try await server.connect()
    try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
    return (server, admin)
}

private func worker(_ server: RedisServer, _ consumer: String, slots: WorkerSlots) throws -> RedisStreamsOrderTransport {
    RedisStreamsOrderTransport(configuration: try testConfiguration(server, consumer: consumer), slots: slots)
}
