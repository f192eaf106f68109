import BusTransport
import Foundation
import RedisStreams
import Testing
import TestSupport

private let stream = RedisStreamsConfiguration.defaultStream
private let group = RedisStreamsConfiguration.defaultGroup

/// Consumer groups against a real redis-server.
struct ConsumerGroupTests {
    @Test func thousandOrdersTwoConsumersEachProcessedAndAcknowledgedOnce() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
        let ids = try await admin.addOrders((0..<1000).map { #"{"type":"test","n":\#($0)}"# })

        let pool = WorkerPool(ledger: Ledger())
        pool.start(try testConfiguration(server, consumer: "worker-a"), jobTime: .milliseconds(1))
        pool.start(try testConfiguration(server, consumer: "worker-b"), jobTime: .milliseconds(1))
        do {
            try await waitUntil("1000 orders completed") { await pool.ledger.distinctCompleted == 1000 }
        } catch {
            await pool.stop()
            throw error
        }
        await pool.stop()

        let ledger = pool.ledger
        #expect(await ledger.completions.keys.sorted() == ids.sorted())
        #expect(await ledger.completions.values.allSatisfy { $0 == 1 })
        #expect(await ledger.deliveries.values.allSatisfy { $0 == [1] })
        #expect(await ledger.byConsumer["worker-a", default: 0] > 0)
        #expect(await ledger.byConsumer["worker-b", default: 0] > 0)
        #expect(await ledger.errors.isEmpty)
        #expect(try await admin.pendingCount() == 0)
        let events = try await admin.events()
        #expect(events.count == 1000)
        #expect(Set(events.compactMap { $0["entry"] as? String }) == Set(ids))
    }

    @Test func malformedEntriesGetRejectionEventsAndAreAcknowledged() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
        let noOrderField = try await admin.run("XADD", stream, "*", "payload", "{}").string ?? ""
        let notJSON = try await admin.run("XADD", stream, "*", "order", "{not json", "reply_to", "imapworker:replies:t1").string ?? ""
        let notObject = try await admin.run("XADD", stream, "*", "order", "[1,2,3]").string ?? ""
        let good = try await admin.addOrders([#"{"type":"ok","reply_to":"imapworker:replies:t2"}"#])[0]

        let transport = RedisStreamsOrderTransport(configuration: try testConfiguration(server, consumer: "c"), slots: WorkerSlots(capacity: 10))
        let deliveries = try await transport.receive()
        #expect(deliveries.map(\.id) == [good])
        #expect(deliveries.first?.replyTo == "imapworker:replies:t2")
        for delivery in deliveries { try await transport.complete(delivery, event: Array(#"{"type":"done"}"#.utf8)) }
        await transport.close()

        let events = try await admin.events()
        let rejected = events.filter { $0["type"] as? String == "order.rejected" }
        #expect(rejected.compactMap { $0["entry"] as? String }.sorted() == [noOrderField, notJSON, notObject].sorted())
        #expect(rejected.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
        #expect(events.filter { $0["type"] as? String == "done" }.count == 1)
        // The rejection also went to the reply stream the entry named; the completion to the order's.
        #expect(try await admin.events("imapworker:replies:t1").compactMap { $0["entry"] as? String } == [notJSON])
        #expect(try await admin.events("imapworker:replies:t2").compactMap { $0["type"] as? String } == ["done"])
        #expect(try await admin.pendingCount() == 0)
    }

    @Test func poisonEntryEndsInTheDeadLetterStreamAfterMaxDeliveries() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
        let poisonOrder = #"{"type":"poison"}"#
        let poison = try await admin.addOrders([poisonOrder])[0]
        var configuration = try testConfiguration(server, consumer: "p")
        configuration.maxDeliveries = 2

        // Two lives of consumer "p" take the poison and die without settling it (as a crash would).
        for life in 1...2 {
            let transport = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: 10))
            let deliveries = try await transport.receive()
            #expect(deliveries.map(\.id) == [poison])
            #expect(deliveries.first?.deliveryCount == life)
            await transport.close()
        }
        // The third life finds it delivered 3 > 2 times: dead-lettered, and the next order runs.
        let next = try await admin.addOrders([#"{"type":"fine"}"#])[0]
        let transport = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: 10))
        let deliveries = try await transport.receive()
        #expect(deliveries.map(\.id) == [next])
        #expect(deliveries.first?.deliveryCount == 1)
        for delivery in deliveries { try await transport.complete(delivery, event: Array(#"{"type":"done"}"#.utf8)) }
        await transport.close()

        let dead = try await admin.entries(configuration.deadLetterStream)
        #expect(dead.count == 1)
        #expect(dead.first?.value("order") == Array(poisonOrder.utf8))
        #expect(dead.first?.value("source_id") == Array(poison.utf8))
        #expect(dead.first?.value("deliveries") == Array("3".utf8))
        let events = try await admin.events()
        #expect(events.contains { $0["type"] as? String == "order.dead_lettered" && $0["entry"] as? String == poison })
        #expect(try await admin.pendingCount() == 0)
    }

    @Test func keepAliveStopsOthersFromReclaimingALongJob() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
        let id = try await admin.addOrders([#"{"type":"long"}"#])[0]
        let owner = RedisStreamsOrderTransport(configuration: try testConfiguration(server, consumer: "owner"), slots: WorkerSlots(capacity: 10))
        let delivery = try #require(try await owner.receive().first)
        #expect(delivery.id == id)
        // Make the entry look idle for 1000 s, as a job running that long would.
        try await admin.run("XCLAIM", stream, group, "owner", "0", id, "IDLE", "1000000", "JUSTID")
        try await owner.keepAlive(delivery)
        // The refresh (XCLAIM JUSTID on ourselves) restarted the idle time and counted no delivery,
        // so a consumer reclaiming entries idle for more than 100 s finds nothing.
        let rows = try await admin.run("XPENDING", stream, group, "-", "+", "10")
        let row = try #require(rows.array?.first?.array)
        #expect(row[1].string == "owner")
        #expect(try #require(row[2].integer) < 100_000)
        #expect(row[3].integer == 1)
        let thief = try await admin.run("XAUTOCLAIM", stream, group, "thief", "100000", "0-0", "COUNT", "10", "JUSTID")
        #expect(thief.array?[1].array == [])
        try await owner.complete(delivery, event: Array(#"{"type":"done"}"#.utf8))
        await owner.close()
        #expect(try await admin.pendingCount() == 0)
    }

    @Test func defaultStartIDCreatesTheGroupAtTheEndOfTheStream() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        _ = try await admin.addOrders([#"{"type":"before-the-group"}"#])
        var configuration = try testConfiguration(server, consumer: "c")
        configuration.groupStartID = "$"
        let transport = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: 10))
        let receiving = Task { try await transport.receive() }
        try await waitUntil("group created") {
            (try? await admin.run("XINFO", "GROUPS", stream))?.array?.isEmpty == false
        }
        let after = try await admin.addOrders([#"{"type":"after"}"#])[0]
        let deliveries = try await receiving.value
        #expect(deliveries.map(\.id) == [after])
        for delivery in deliveries { try await transport.complete(delivery, event: Array("{}".utf8)) }
        await transport.close()
    }

    @Test func groupLostIsRecreatedAndNothingUnacknowledgedIsLost() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        let transport = RedisStreamsOrderTransport(configuration: try testConfiguration(server, consumer: "c"), slots: WorkerSlots(capacity: 10))
        let first = try await admin.addOrders([#"{"n":1}"#])[0]
        let inFlight = try #require(try await transport.receive().first)
        #expect(inFlight.id == first)
        // The group vanishes (as after a restart without persistence); a new order arrives.
        try await admin.run("XGROUP", "DESTROY", stream, group)
        let second = try await admin.addOrders([#"{"n":2}"#])[0]
        // The group is recreated from ID 0: the first order (still in flight here) is not handed
        // out twice, the second comes; both are acknowledged in the new group.
        let next = try await transport.receive()
        #expect(next.map(\.id) == [second])
        for delivery in [inFlight] + next { try await transport.complete(delivery, event: Array("{}".utf8)) }
        #expect(try await admin.pendingCount() == 0)
        let groups = try await admin.run("XINFO", "GROUPS", stream)
        #expect(groups.array?.count == 1)
        await transport.close()
    }
}
