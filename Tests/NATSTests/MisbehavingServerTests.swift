import NIOCore
import NIOConcurrencyHelpers
import Testing
import TestSupport
@testable import NATS

/// What the client does when the server misbehaves: it must never crash or grow, and it goes
/// through the reconnect path.
@Suite(.timeLimit(.minutes(1)))
struct MisbehavingServerTests {
    @Test func garbageClosesTheConnectionWithAProtocolErrorAndReconnects() async throws {
        let server = try await FakeServer { connection, line in
            guard line == "PING" else { return nil }
            // The first connection turns to garbage right after the handshake.
            return connection == 0 ? "PONG\r\nHELLO THERE\r\n" : "PONG\r\n"
        }
        let client = try await NATSClient.connect(testOptions(server.url))
        var events = client.events.makeAsyncIterator()
        let disconnected = await nextEvent(&events) { $0.isDisconnected }
        guard case .disconnected(let reason) = disconnected, case .protocolViolation = reason else {
            Issue.record("expected a protocol violation, got \(String(describing: disconnected))")
            return
        }
        #expect(await nextEvent(&events) { $0.isReconnected } != nil)
        try await client.flush()
        await client.close()
        try await server.stop()
    }

    @Test func oversizedControlLineIsAProtocolError() async throws {
        let server = try await FakeServer { connection, line in
            guard line == "PING" else { return nil }
            return connection == 0 ? "PONG\r\nMSG " + String(repeating: "x", count: 10_000) : "PONG\r\n"
        }
        let client = try await NATSClient.connect(testOptions(server.url))
        var events = client.events.makeAsyncIterator()
        guard case .disconnected(.protocolViolation) = await nextEvent(&events, where: { $0.isDisconnected }) else {
            Issue.record("expected a protocol violation")
            return
        }
        await client.close()
        try await server.stop()
    }

    @Test func unansweredPingsMakeTheConnectionStale() async throws {
        let pings = PingCounter()
        let server = try await FakeServer { connection, line in
            guard line == "PING" else { return nil }
            // Only the handshake PING of the first connection is answered.
            let count = pings.next(connection)
            return connection == 0 && count > 1 ? nil : "PONG\r\n"
        }
        var options = testOptions(server.url)
        options.pingInterval = .milliseconds(50)
        let client = try await NATSClient.connect(options)
        var events = client.events.makeAsyncIterator()
        #expect(await nextEvent(&events) { $0.isDisconnected } == .disconnected(reason: .staleConnection))
        #expect(await nextEvent(&events) { $0.isReconnected } != nil)
        // Two keep-alive PINGs went unanswered before the third tick declared the connection stale.
        #expect(pings.count(0) == 3)
        await client.close()
        try await server.stop()
    }

    @Test func sameAuthorizationErrorTwiceStopsReconnecting() async throws {
        let server = try await FakeServer { connection, line in
            guard line == "PING" else { return nil }
            return connection == 0 ? "PONG\r\n-ERR 'Stale Connection'\r\n" : "-ERR 'Authorization Violation'\r\n"
        }
        let client = try await NATSClient.connect(testOptions(server.url))
        var events = client.events.makeAsyncIterator()
        let closed = await nextEvent(&events) { if case .closed = $0 { true } else { false } }
        #expect(closed == .closed(reason: .authorization("Authorization Violation")))
        #expect(server.connectionCount == 3)  // the first, then two refused
        await #expect(throws: NATSError.connectionClosed) { try await client.flush() }
        try await server.stop()
    }
}

/// A flush confirms publishes only on the connection they were written to.
@Suite(.timeLimit(.minutes(1)))
struct ConfirmedFlushTests {
    @Test func aConnectionLostBeforeThePongFailsTheFlush() async throws {
        let pings = PingCounter()
        let server = try await FakeServer { connection, line in
            guard line == "PING" else { return nil }
            let count = pings.next(connection)
            // The first connection answers the flush's PING with garbage: it ends, and what was
            // published on it may be lost. The next connection answers everything.
            return connection == 0 && count > 1 ? "HELLO THERE\r\n" : "PONG\r\n"
        }
        let client = try await NATSClient.connect(testOptions(server.url))
        await #expect(throws: NATSError.connectionLost) {
            try await client.publishConfirmed([NATSMessage(subject: "events", payload: ByteBuffer(string: "completed"))])
        }
        // On the new connection a confirmed publish succeeds again.
        try await client.publishConfirmed([NATSMessage(subject: "events", payload: ByteBuffer(string: "again"))])
        #expect(server.connectionCount == 2)
        await client.close()
        try await server.stop()
    }

    /// Across a real server restart: a confirmed publish made while the server is down waits for
    /// the next connection and succeeds only once the event is really there (our own
    /// subscription, re-sent before the reconnect buffer, receives it).
    @Test func aConfirmedPublishAcrossAServerRestartIsDeliveredWhenItSucceeds() async throws {
        let server = try await NATSServer()
        let client = try await NATSClient.connect(testOptions(server.url))
        let events = try client.subscribe("events")
        try await client.flush()
        var connection = client.events.makeAsyncIterator()
        try await server.stop()
        #expect(await nextEvent(&connection) { $0.isDisconnected } != nil)
        let publishing = Task {
            try await client.publishConfirmed([NATSMessage(subject: "events", payload: ByteBuffer(string: "completed"))])
        }
        try await server.start()
        try await publishing.value
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next()?.string == "completed")
        await client.close()
    }
}
