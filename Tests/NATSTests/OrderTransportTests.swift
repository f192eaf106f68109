import BusTransport
import Foundation
import NIOCore
import Testing
import TestSupport
@testable import NATS

@Suite(.timeLimit(.minutes(1)))
struct OrderTransportTests {
    @Test func ordersAreSharedAndAnsweredOnTheReplyAndEventsSubjects() async throws {
        let server = try await NATSServer()
        let first = try await NATSOrderTransport.connect(testOptions(server.url), slots: WorkerSlots(capacity: 3))
        let second = try await NATSOrderTransport.connect(testOptions(server.url), slots: WorkerSlots(capacity: 3))
        let sender = try await NATSClient.connect(testOptions(server.url))
        let events = try sender.subscribe(NATSOrderTransport.Configuration.defaultEventsSubject)
        let replies = try sender.subscribe("client.replies.>")
        try await sender.flush()
        for index in 0..<10 {
            try await sender.publish("imapworker.orders", payload: "{\"order\":\(index)}", replyTo: "client.replies.\(index)")
        }
        try await sender.flush()
        let intake = Intake()
        let workers = [first, second].enumerated().map { index, transport in
            Task {
                while let batch = try? await transport.receive(), !batch.isEmpty {
                    #expect(batch.count <= 3)  // never more than the slots
                    await intake.add(batch.map { (index, $0) })
                    let transport = [first, second][index]
                    for delivery in batch {
                        let event = Array("done \(String(decoding: delivery.payload, as: UTF8.self))".utf8)
                        if delivery.replyTo == "client.replies.3" {
                            try await transport.reject(delivery, event: event)
                        } else {
                            try await transport.complete(delivery, event: event)
                        }
                    }
                }
            }
        }
        var replyIterator = replies.makeAsyncIterator()
        var eventIterator = events.makeAsyncIterator()
        var replySubjects: Set<String> = []
        for _ in 0..<10 {
            let reply = try #require(await replyIterator.next())
            #expect(reply.string.hasPrefix("done "))
            replySubjects.insert(reply.subject)
            _ = try #require(await eventIterator.next())
        }
        #expect(replySubjects == Set((0..<10).map { "client.replies.\($0)" }))
        #expect(Set(await intake.taken.map { String(decoding: $0.1.payload, as: UTF8.self) }) == Set((0..<10).map { "{\"order\":\($0)}" }))

        try await first.publishEvent(Array("status".utf8))
        #expect(await eventIterator.next()?.string == "status")
        await first.close()
        await second.close()
        for worker in workers { try await worker.value }
        #expect(first.slots.free == 3 && second.slots.free == 3)  // every settlement gave its slot back
        await sender.close()
    }

    /// Two slots, a queue of three, twenty orders at once: five are taken, fifteen are answered
    /// `busy`; every sender gets exactly one answer, none is silent.
    @Test func moreOrdersThanSlotsAreEachAnsweredQueuedOrBusy() async throws {
        let server = try await NATSServer()
        let slots = WorkerSlots(capacity: 2)
        let transport = try await worker(server, slots: slots, queueLimit: 3)
        let (sender, replies) = try await sendOrders(20, to: server)
        var answers: [String: [String]] = [:]
        var iterator = replies.makeAsyncIterator()
        // The fifteen refusals come while nobody receives: the worker holds what it can.
        try await collect(15, from: &iterator, into: &answers)
        #expect(answers.values.allSatisfy { $0.count == 1 && $0[0].contains(#""code":"busy""#) })
        #expect(slots.free == 0)

        var completed = 0
        while completed < 5 {
            for delivery in try await transport.receive() {
                try await transport.complete(delivery, event: Array(#"{"type":"done"}"#.utf8))
                completed += 1
            }
        }
        try await collect(5, from: &iterator, into: &answers)
        try await sender.flush()
        #expect(answers.count == 20)
        #expect(answers.values.allSatisfy { $0.count == 1 })
        #expect(answers.values.filter { $0[0] == #"{"type":"done"}"# }.count == 5)
        #expect(replies.pendingMessages == 0)
        #expect(slots.free == 2)
        await transport.close()
        await sender.close()
    }

    /// SIGTERM: intake stops, queued orders are answered `shutting_down`, running jobs still
    /// complete or are released, then the transport closes. Every order got exactly one answer.
    @Test func stopReceivingThenSettleThenCloseLosesNothing() async throws {
        let server = try await NATSServer()
        let slots = WorkerSlots(capacity: 2)
        let transport = try await worker(server, slots: slots, queueLimit: 5)
        let (sender, replies) = try await sendOrders(5, to: server)
        var running: [OrderDelivery] = []
        while running.count < 2 { running += try await transport.receive() }
        #expect(running.count == 2)

        await transport.stopReceiving()
        #expect(try await transport.receive().isEmpty)
        try await transport.complete(running[0], event: Array(#"{"type":"done"}"#.utf8))
        try await transport.release(running[1])
        await transport.close()
        #expect(slots.free == 2)

        var answers: [String: [String]] = [:]
        var iterator = replies.makeAsyncIterator()
        try await collect(5, from: &iterator, into: &answers)
        try await sender.flush()
        #expect(answers.count == 5 && answers.values.allSatisfy { $0.count == 1 })
        #expect(answers[running[0].replyTo ?? ""] == [#"{"type":"done"}"#])
        #expect(answers.values.filter { $0[0].contains(#""code":"shutting_down""#) }.count == 4)
        #expect(replies.pendingMessages == 0)
        await sender.close()
    }

    @Test func aWaitingReceiveEndsWhenItsTaskIsCancelled() async throws {
        let server = try await NATSServer()
        let transport = try await NATSOrderTransport.connect(testOptions(server.url), slots: WorkerSlots(capacity: 1))
        let receiving = Task { try await transport.receive() }
        try await Task.sleep(for: .milliseconds(50))
        receiving.cancel()
        await #expect(throws: CancellationError.self) { try await receiving.value }
        await transport.close()
    }

    @Test func statusIsAnsweredWhileEverySlotIsBusy() async throws {
        let server = try await NATSServer()
        let slots = WorkerSlots(capacity: 1)
        let transport = try await NATSOrderTransport.connect(testOptions(server.url), slots: slots)
        let serving = Task {
            try await transport.serveStatus { request in
                Array(#"{"type":"status","busy":\#(slots.inUse),"asked":"\#(String(decoding: request, as: UTF8.self))"}"#.utf8)
            }
        }
        let sender = try await NATSClient.connect(testOptions(server.url))
        try await sender.publish("imapworker.orders", payload: "{}", replyTo: "client.replies.1")
        let held = try #require(try await transport.receive().first)
        #expect(slots.free == 0)
        var answer: NATSMessage?
        while answer == nil {  // the status subscription may not be registered yet
            answer = try? await sender.request("imapworker.status", payload: Array("ping".utf8), timeout: .seconds(1))
        }
        #expect(answer?.string == #"{"type":"status","busy":1,"asked":"ping"}"#)
        try await transport.complete(held, event: Array("{}".utf8))
        await transport.close()
        try await serving.value
        await sender.close()
    }

    /// Progress goes to the events subject only: a requester is resolved by the final event.
    @Test func theReplySubjectGetsExactlyOneMessageEvenWithProgress() async throws {
        let server = try await NATSServer()
        let transport = try await NATSOrderTransport.connect(testOptions(server.url), slots: WorkerSlots(capacity: 1))
        let sender = try await NATSClient.connect(testOptions(server.url))
        let replies = try sender.subscribe("client.replies.only")
        let events = try sender.subscribe(NATSOrderTransport.Configuration.defaultEventsSubject)
        try await sender.flush()
        let job = Task {
            let delivery = try #require(try await transport.receive().first)
            for step in 1...3 { try await transport.publishProgress(delivery, event: Array(#"{"progress":\#(step)}"#.utf8)) }
            try await transport.complete(delivery, event: Array(#"{"type":"done"}"#.utf8))
        }
        try await sender.publish("imapworker.orders", payload: "{}", replyTo: "client.replies.only")
        try await job.value
        var eventIterator = events.makeAsyncIterator()
        var seen: [String] = []
        while seen.last != #"{"type":"done"}"# { seen.append(try #require(await eventIterator.next()).string) }
        #expect(seen == [#"{"progress":1}"#, #"{"progress":2}"#, #"{"progress":3}"#, #"{"type":"done"}"#])
        try await sender.flush()  // everything the server sent before this PONG has arrived
        #expect(replies.pendingMessages == 1)
        var replyIterator = replies.makeAsyncIterator()
        #expect(await replyIterator.next()?.string == #"{"type":"done"}"#)
        await transport.close()
        await sender.close()
    }

    /// A header block no NATS parser accepts, sent by a raw TCP publisher through nats-server:
    /// the message arrives without headers and our connection stays up.
    @Test func malformedHeaderBlockFromARawPublisherKeepsTheConnection() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let subscription = try client.subscribe("raw.headers")
        try await client.flush()
        let generation = client.core.state.withLockedValue { $0.generation }
        let block = "NATS/1.0\r\nno colon here\r\n\r\n"
        let payload = "body"
        let script = """
        import socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.recv(4096)
        block, payload = sys.argv[2].encode(), sys.argv[3].encode()
        s.sendall(b'CONNECT {"verbose":false,"headers":true}\\r\\n')
        s.sendall(b"HPUB raw.headers %d %d\\r\\n" % (len(block), len(block) + len(payload)) + block + payload + b"\\r\\n")
        s.sendall(b"PUB raw.headers 4\\r\\nnext\\r\\nPING\\r\\n")
        buffer = b""
        while b"PONG" not in buffer:
            chunk = s.recv(4096)
            if not chunk: break
            buffer += chunk
        print("ERR" if b"-ERR" in buffer else "OK")
        """
        let result = try await runCommand("/usr/bin/python3", ["-c", script, String(server.port), block, payload])
        #expect(result.stdout.contains("OK"), "raw publisher: \(result.stdout) \(result.stderr)")
        var iterator = subscription.makeAsyncIterator()
        let broken = try #require(await iterator.next())
        #expect(broken.string == payload)
        #expect(broken.headers == nil)
        #expect(await iterator.next()?.string == "next")
        try await client.flush()
        #expect(client.core.state.withLockedValue { $0.generation } == generation)
        await client.close()
    }
}

private func worker(_ server: NATSServer, slots: WorkerSlots, queueLimit: Int) async throws -> NATSOrderTransport {
    var configuration = NATSOrderTransport.Configuration()
    configuration.queueLimit = queueLimit
    return try await NATSOrderTransport.connect(testOptions(server.url), configuration: configuration, slots: slots)
}

/// A sender subscribed to `client.replies.>` publishes `count` orders, order n replying to `client.replies.n`.
private func sendOrders(_ count: Int, to server: NATSServer) async throws -> (NATSClient, NATSSubscription) {
    let sender = try await NATSClient.connect(testOptions(server.url))
    let replies = try sender.subscribe("client.replies.>")
    try await sender.flush()
    for index in 0..<count {
        try await sender.publish("imapworker.orders", payload: "{\"order\":\(index)}", replyTo: "client.replies.\(index)")
    }
    try await sender.flush()
    return (sender, replies)
}

/// Takes `count` answers, by reply subject.
private func collect(_ count: Int, from iterator: inout NATSSubscription.AsyncIterator,
                     into answers: inout [String: [String]]) async throws {
    for _ in 0..<count {
        let reply = try #require(await iterator.next())
        answers[reply.subject, default: []].append(reply.string)
    }
}

private actor Intake {
    private(set) var taken: [(Int, OrderDelivery)] = []
    func add(_ batch: [(Int, OrderDelivery)]) { taken += batch }
}
