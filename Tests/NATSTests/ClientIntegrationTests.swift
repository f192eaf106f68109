import Foundation
import NIOCore
import Testing
import TestSupport
@testable import NATS

/// Against a real nats-server started by each test on free loopback ports.
@Suite(.timeLimit(.minutes(2)))
struct ClientIntegrationTests {
    @Test func publishSubscribeAndFlush() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let subscription = try client.subscribe("greetings.*")
        try await client.flush()
        for index in 0..<100 { try await client.publish("greetings.\(index % 3)", payload: "hello \(index)") }
        try await client.flush()
        var received: [String] = []
        for await message in subscription {
            received.append(message.string)
            if received.count == 100 { break }
        }
        #expect(received == (0..<100).map { "hello \($0)" })
        await client.close()
    }

    @Test func severalTasksShareOneSubscription() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let subscription = try client.subscribe("shared")
        try await client.flush()
        let collector = Collector()
        let readers = (0..<3).map { index in
            Task {
                var iterator = subscription.makeAsyncIterator()
                while let message = await iterator.next() { await collector.add(message.string, from: index) }
            }
        }
        for index in 0..<300 { try await client.publish("shared", payload: "m\(index)") }
        try await client.flush()
        try await eventually { await collector.total == 300 }
        try await subscription.unsubscribe()
        for reader in readers { await reader.value }
        let all = await collector.all
        #expect(all.count == 300)
        #expect(Set(all) == Set((0..<300).map { "m\($0)" }))
        await client.close()
    }

    /// A publish is a memory append; the event loop writes what accumulated once per tick. In a
    /// debug build under load a write carries ~20 publishes; at least two on average proves it.
    @Test func publishesAreCoalescedIntoFewWrites() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let before = client.core.state.withLockedValue { $0.outboundWrites }
        for _ in 0..<10_000 { try await client.publish("coalesced", payload: "0123456789abcdef") }
        try await client.flush()
        let writes = client.core.state.withLockedValue { $0.outboundWrites } - before
        #expect(writes >= 1 && writes <= 5_000, "\(writes) writes for 10,000 publishes")
        await client.close()
    }

    @Test func requestReplyTimeoutAndNoResponders() async throws {
        let server = try await NATSServer()
        let responder = try await NATSClient.connect(testOptions(server.url))
        let requester = try await NATSClient.connect(testOptions(server.url))
        let service = try responder.subscribe("math.double")
        try await responder.flush()
        let serving = Task {
            for await message in service {
                guard let replyTo = message.replyTo, let value = Int(message.string) else { continue }
                try await responder.publish(replyTo, payload: String(value * 2))
            }
        }
        for value in [1, 21, 1000] {
            let answer = try await requester.request("math.double", payload: Array(String(value).utf8), timeout: .seconds(5))
            #expect(answer.string == String(value * 2))
        }
        // Many concurrent requests share the one inbox subscription.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for value in 0..<50 {
                group.addTask {
                    let answer = try await requester.request("math.double", payload: Array(String(value).utf8))
                    #expect(answer.string == String(value * 2))
                }
            }
            try await group.waitForAll()
        }
        // Someone listens but never answers: a timeout.
        let silent = try responder.subscribe("silent")
        try await responder.flush()
        await #expect(throws: NATSError.timeout) {
            _ = try await requester.request("silent", payload: [], timeout: .milliseconds(200))
        }
        // No one listens: the server says so at once (503), not a timeout.
        await #expect(throws: NATSError.noResponders) {
            _ = try await requester.request("nobody.home", payload: [], timeout: .seconds(30))
        }
        try await silent.unsubscribe()
        serving.cancel()
        await requester.close()
        await responder.close()
    }

    @Test func headersRoundTripByteExactly() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let subscription = try client.subscribe("with.headers")
        try await client.flush()
        var headers = NATSHeaders()
        headers.append("Trace-Id", "7f3a:92 b")
        headers.append("Trace-Id", "second value")
        headers.append("lower-case", "Grüße 📨")
        headers.append("Empty", "")
        let payload: [UInt8] = [0, 1, 2, 13, 10, 255, 13, 10]
        try await client.publish("with.headers", payload: payload, headers: headers, replyTo: "reply.here")
        try await client.publish("with.headers", payload: [], headers: headers)
        var iterator = subscription.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.headers == headers)
        #expect(first.headers?.fields.map(\.name) == ["Trace-Id", "Trace-Id", "lower-case", "Empty"])
        #expect(first.bytes == payload)
        #expect(first.replyTo == "reply.here")
        #expect(first.status == nil)
        let second = try #require(await iterator.next())
        #expect(second.headers == headers)
        #expect(second.bytes.isEmpty)
        await client.close()
    }

    @Test func publishOverMaxPayloadFailsLocally() async throws {
        let server = try await NATSServer(config: "max_payload: 1024\n")
        let client = try await NATSClient.connect(testOptions(server.url))
        #expect(client.maxPayload == 1024)
        let subscription = try client.subscribe("big")
        await #expect(throws: NATSError.maxPayloadExceeded(size: 1025, max: 1024)) {
            try await client.publish("big", payload: [UInt8](repeating: 7, count: 1025))
        }
        var headers = NATSHeaders()
        headers.append("A", "b")
        await #expect(throws: NATSError.self) {
            try await client.publish("big", payload: [UInt8](repeating: 7, count: 1020), headers: headers)
        }
        // The connection is still fine: the limit itself passes.
        try await client.publish("big", payload: [UInt8](repeating: 7, count: 1024))
        var iterator = subscription.makeAsyncIterator()
        #expect(await iterator.next()?.payload.readableBytes == 1024)
        await client.close()
    }

    @Test func userPasswordTokenAndURLCredentials() async throws {
        let server = try await NATSServer(arguments: ["--user", "alice", "--pass", "s3cret-pass"])
        await #expect(throws: NATSError.authorization("Authorization Violation")) {
            var options = testOptions(server.url)
            options.user = "alice"
            options.password = "wrong-password"
            _ = try await NATSClient.connect(options)
        }
        // Credentials in the URL.
        let byURL = try await NATSClient.connect(testOptions("nats://alice:s3cret-pass@127.0.0.1:\(server.port)"))
        try await byURL.flush()
        await byURL.close()
        var options = testOptions(server.url)
        options.user = "alice"
        options.password = "s3cret-pass"
        let byOptions = try await NATSClient.connect(options)
        try await byOptions.flush()
        await byOptions.close()

        let tokenServer = try await NATSServer(arguments: ["--auth", "t0ken-value"])
        let byToken = try await NATSClient.connect(testOptions("nats://t0ken-value@127.0.0.1:\(tokenServer.port)"))
        try await byToken.flush()
        await byToken.close()
        do {
            _ = try await NATSClient.connect(testOptions("nats://other-token@127.0.0.1:\(tokenServer.port)"))
            Issue.record("a wrong token was accepted")
        } catch let error as NATSError {
            guard case .authorization = error else { throw error }
            #expect(!error.description.contains("other-token"))
        }
    }

    /// Two subscribers of one queue group share the messages; the server restarts mid-stream;
    /// the client reconnects, both subscriptions come back in the same group, and what was
    /// published while disconnected arrives.
    @Test func queueGroupSurvivesServerRestart() async throws {
        let server = try await NATSServer()
        var options = testOptions(server.url)
        options.maxReconnectAttempts = nil
        let client = try await NATSClient.connect(options)
        var events = client.events.makeAsyncIterator()
        let collector = Collector()
        var consumers: [Task<Void, Never>] = []
        for index in 0..<2 {
            let subscription = try client.subscribe("jobs", queue: "workers")
            consumers.append(Task {
                for await message in subscription { await collector.add(message.string, from: index) }
            })
        }
        try await client.flush()
        for index in 0..<500 { try await client.publish("jobs", payload: "job-\(index)") }
        try await client.flush()
        try await eventually { await collector.total == 500 }
        let beforeRestart = [await collector.count(for: 0), await collector.count(for: 1)]
        #expect(beforeRestart.allSatisfy { $0 > 0 })

        try await server.stop()
        #expect(await nextEvent(&events) { $0.isDisconnected } != nil)
        for index in 500..<1000 { try await client.publish("jobs", payload: "job-\(index)") }  // reconnect buffer
        try await server.start()
        #expect(await nextEvent(&events) { $0.isReconnected } != nil)
        try await client.flush()
        try await eventually { await collector.total == 1000 }

        let all = await collector.all
        #expect(all.count == 1000)
        #expect(Set(all) == Set((0..<1000).map { "job-\($0)" }))
        #expect(await collector.count(for: 0) > beforeRestart[0])
        #expect(await collector.count(for: 1) > beforeRestart[1])

        // The restarted server knows both subscriptions, in the queue group.
        let connz = try await server.monitor("/connz?subs=detail")
        let connections = try #require(connz["connections"] as? [[String: Any]])
        let subscriptions = connections.flatMap { ($0["subscriptions_list_detail"] as? [[String: Any]]) ?? [] }
        let jobs = subscriptions.filter { $0["subject"] as? String == "jobs" }
        #expect(jobs.count == 2)
        #expect(jobs.allSatisfy { $0["qgroup"] as? String == "workers" })
        await client.close()
        for consumer in consumers { await consumer.value }
    }

    @Test func reconnectBufferIsBoundedAndThenReconnectingStops() async throws {
        let server = try await NATSServer()
        var options = testOptions(server.url)
        options.reconnectBufferSize = 1024
        options.maxReconnectAttempts = 3
        let client = try await NATSClient.connect(options)
        var events = client.events.makeAsyncIterator()
        try await server.stop()
        #expect(await nextEvent(&events) { $0.isDisconnected } != nil)
        var buffered = 0
        do {
            while true {
                try await client.publish("while.down", payload: [UInt8](repeating: 1, count: 100))
                buffered += 1
            }
        } catch let error as NATSError {
            #expect(error == .reconnectBufferFull(limit: 1024))
        }
        #expect(buffered >= 5 && buffered < 11)
        let closed = await nextEvent(&events) { if case .closed = $0 { true } else { false } }
        #expect(closed == .closed(reason: .maxReconnectAttemptsExceeded))
        await #expect(throws: NATSError.connectionClosed) { try await client.publish("x", payload: "y") }
    }

    @Test func autoUnsubscribeCountSurvivesReconnect() async throws {
        let server = try await NATSServer()
        var options = testOptions(server.url)
        options.maxReconnectAttempts = nil
        let client = try await NATSClient.connect(options)
        var events = client.events.makeAsyncIterator()
        let subscription = try client.subscribe("limited")
        try await subscription.unsubscribe(after: 5)
        for _ in 0..<3 { try await client.publish("limited", payload: "x") }
        try await client.flush()
        try await eventually { subscription.pendingMessages == 3 }
        try await server.stop()
        #expect(await nextEvent(&events) { $0.isDisconnected } != nil)
        try await server.start()
        #expect(await nextEvent(&events) { $0.isReconnected } != nil)
        for _ in 0..<10 { try await client.publish("limited", payload: "y") }
        try await client.flush()
        var received: [String] = []
        for await message in subscription { received.append(message.string) }  // ends after the 5th
        #expect(received == ["x", "x", "x", "y", "y"])
        // The server ended the subscription too: the connection holds none.
        let connz = try await server.monitor("/connz?subs=1")
        let connections = try #require(connz["connections"] as? [[String: Any]])
        #expect(connections.count == 1)
        #expect(connections.first?["subscriptions"] as? Int == 0)
        await client.close()
    }

    @Test func slowConsumerDropsInsteadOfGrowing() async throws {
        let server = try await NATSServer()
        var options = testOptions(server.url)
        options.pendingMessagesLimit = 10
        let client = try await NATSClient.connect(options)
        var events = client.events.makeAsyncIterator()
        let subscription = try client.subscribe("flood")
        try await client.flush()
        for _ in 0..<100 { try await client.publish("flood", payload: "m") }
        try await client.flush()
        let event = await nextEvent(&events) { if case .slowConsumer = $0 { true } else { false } }
        #expect(event == .slowConsumer(subject: "flood", sid: subscription.sid))
        try await client.flush()
        #expect(subscription.pendingMessages == 10)
        #expect(subscription.droppedMessages == 90)
        await client.close()
    }

    @Test func drainDeliversWhatIsBufferedThenEnds() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let subscription = try client.subscribe("draining")
        try await client.flush()
        for index in 0..<20 { try await client.publish("draining", payload: "\(index)") }
        try await client.flush()
        let consumer = Task {
            var seen: [String] = []
            for await message in subscription { seen.append(message.string) }
            return seen
        }
        try await client.drain()
        #expect(await consumer.value == (0..<20).map { "\($0)" })
        await #expect(throws: NATSError.connectionClosed) { try await client.publish("x", payload: "y") }
    }

    @Test func lameDuckModeIsReported() async throws {
        let server = try await NATSServer(config: "lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n")
        let client = try await NATSClient.connect(testOptions(server.url))
        var events = client.events.makeAsyncIterator()
        try await server.signal(SIGUSR2)
        #expect(await nextEvent(&events) { $0 == .lameDuck } == .lameDuck)
        await client.close()
    }

    @Test func invalidSubjectsAreRefused() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        await #expect(throws: NATSError.invalidSubject("a b")) { try await client.publish("a b", payload: "x") }
        #expect(throws: NATSError.invalidSubject("")) { _ = try client.subscribe("") }
        await client.close()
    }

    @Test func connectToNothingFails() async throws {
        let port = try freeLoopbackPort()
        await #expect(throws: NATSError.self) {
            _ = try await NATSClient.connect(testOptions("nats://127.0.0.1:\(port)"))
        }
    }
}
