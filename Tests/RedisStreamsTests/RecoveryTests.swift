import BusTransport
import Foundation
import RedisStreams
import Testing
import TestSupport

private let stream = RedisStreamsConfiguration.defaultStream
private let group = RedisStreamsConfiguration.defaultGroup

/// Crashes: a consumer process killed mid-job, a redis-server restarted under running consumers.
struct RecoveryTests {
    @Test func entryOfAKilledConsumerIsReclaimedAndCompletedByAnother() async throws {
        let server = try await RedisServer()
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
        let id = try await admin.addOrders([#"{"type":"slow"}"#])[0]

        // A worker process takes the order and works on it "for a minute"; it is SIGKILLed mid-job.
        let logs = try TemporaryDirectory(prefix: "imapworker-redis-worker")
        let victim = try ChildProcess(try redisBenchPath(), ["worker", "--url", server.url, "--consumer", "victim", "--job-ms", "60000"],
                                      logDirectory: logs.path, name: "victim")
        try await waitUntil("the victim started the job") { victim.stdout.contains("started \(id) 1") }
        victim.signal(SIGKILL)
        try await victim.wait()
        let owner = try await admin.run("XPENDING", stream, group, "-", "+", "10")
        #expect(owner.array?.first?.array?[1].string == "victim")

        // Another consumer reclaims it once it has been idle longer than claimIdle, and completes it.
        var configuration = try testConfiguration(server, consumer: "rescuer")
        configuration.claimIdle = .milliseconds(500)
        configuration.autoclaimInterval = .milliseconds(100)
        configuration.block = .milliseconds(100)
        let rescuer = RedisStreamsOrderTransport(configuration: configuration, slots: WorkerSlots(capacity: 10))
        let deliveries = try await rescuer.receive()
        #expect(deliveries.map(\.id) == [id])
        #expect(deliveries.first?.deliveryCount == 2)
        for delivery in deliveries {
            try await rescuer.complete(delivery, event: Array(#"{"type":"order.completed","entry":"\#(delivery.id)","consumer":"rescuer"}"#.utf8))
        }
        await rescuer.close()

        #expect(try await admin.pendingCount() == 0)
        let events = try await admin.events()
        #expect(events.count == 1)
        #expect(events.first?["consumer"] as? String == "rescuer")
        #expect(!victim.stdout.contains("completed"))
    }

    @Test func consumersSurviveARedisRestartWithoutRedoingAcknowledgedWork() async throws {
        let server = try await RedisServer(config: ["appendonly yes", "appendfsync always"])
        let admin = try await server.connect()
        defer { admin.close() }
        try await admin.run("XGROUP", "CREATE", stream, group, "0", "MKSTREAM")
        var ids = try await admin.addOrders((0..<600).map { #"{"type":"test","n":\#($0)}"# })

        let pool = WorkerPool(ledger: Ledger())
        for name in ["worker-a", "worker-b"] {
            var configuration = try testConfiguration(server, consumer: name)
            // Orders whose completion broke with the connection are picked up again after this.
            configuration.claimIdle = .seconds(2)
            configuration.autoclaimInterval = .milliseconds(500)
            pool.start(configuration, batch: 4, jobTime: .milliseconds(2))
        }
        do {
            try await waitUntil("some orders completed") { await pool.ledger.distinctCompleted >= 150 }
            // Killed mid-run; with appendfsync always every acknowledged write is on disk.
            try await server.restart()
            // The admin connection was idle when Redis died: its first command finds it dead
            // (nothing was sent), the retry runs on a new connection.
            let more = (600..<700).map { #"{"type":"test","n":\#($0)}"# }
            do {
                ids += try await admin.addOrders(more)
            } catch let error as RedisError where error.isConnectionFailure {
                ids += try await admin.addOrders(more)
            }
            try await waitUntil("all orders completed", timeout: .seconds(120)) { await pool.ledger.distinctCompleted == 700 }
        } catch {
            await pool.stop()
            throw error
        }
        await pool.stop()

        let ledger = pool.ledger
        #expect(await ledger.distinctCompleted == 700)
        #expect(await ledger.completions.keys.sorted() == ids.sorted())
        // Nothing whose acknowledgement was confirmed was delivered again.
        #expect(await ledger.redoneAfterAck == [])
        #expect(try await admin.pendingCount() == 0)
        // Acknowledged orders are deleted with their XACK: nothing of them stays in Redis.
        #expect(try await admin.run("XLEN", stream) == .integer(0))
    }
}
