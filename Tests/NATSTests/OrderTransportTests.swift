import BusTransport
import Testing
import TestSupport
@testable import NATS

@Suite(.timeLimit(.minutes(1)))
struct OrderTransportTests {
    @Test func ordersAreSharedAndAnsweredOnTheReplyAndEventsSubjects() async throws {
        let server = try await NATSServer()
        let first = try await NATSOrderTransport.connect(testOptions(server.url))
        let second = try await NATSOrderTransport.connect(testOptions(server.url))
        let sender = try await NATSClient.connect(testOptions(server.url))
        let events = try sender.subscribe(NATSOrderTransport.Configuration.defaultEventsSubject)
        try await sender.flush()

        // Ten orders: each goes to one of the two workers of the queue group.
        let replies = try sender.subscribe("client.replies.>")
        try await sender.flush()
        for index in 0..<10 {
            try await sender.publish("imapworker.orders", payload: "{\"order\":\(index)}", replyTo: "client.replies.\(index)")
        }
        try await sender.flush()
        let intake = Intake()
        let workers = [first, second].enumerated().map { index, transport in
            Task {
                // Ends when shutdown closes the transport.
                while let batch = try? await transport.receive(max: 3) {
                    #expect(batch.count >= 1 && batch.count <= 3)  // never more than asked for
                    await intake.add(batch.map { (index, $0) })
                }
            }
        }
        try await eventually { await intake.taken.count == 10 }
        let taken = await intake.taken.map { ([first, second][$0.0], $0.1) }
        #expect(Set(taken.map { String(decoding: $0.1.payload, as: UTF8.self) }) == Set((0..<10).map { "{\"order\":\($0)}" }))

        for (transport, delivery) in taken {
            let event = Array("done \(String(decoding: delivery.payload, as: UTF8.self))".utf8)
            if delivery.replyTo == "client.replies.3" {
                try await transport.reject(delivery, event: event)
            } else {
                try await transport.complete(delivery, event: event)
            }
            try await transport.keepAlive(delivery)
        }
        var replyIterator = replies.makeAsyncIterator()
        var eventIterator = events.makeAsyncIterator()
        var replySubjects: Set<String> = []
        for _ in 0..<10 {
            let reply = try #require(await replyIterator.next())
            replySubjects.insert(reply.subject)
            _ = try #require(await eventIterator.next())
        }
        #expect(replySubjects == Set((0..<10).map { "client.replies.\($0)" }))

        try await first.publish(event: Array("status".utf8), to: nil)
        #expect(await eventIterator.next()?.string == "status")
        await first.shutdown()
        await second.shutdown()
        for worker in workers { await worker.value }
        await sender.close()
    }
}

private actor Intake {
    private(set) var taken: [(Int, OrderDelivery)] = []
    func add(_ batch: [(Int, OrderDelivery)]) { taken += batch }
}
