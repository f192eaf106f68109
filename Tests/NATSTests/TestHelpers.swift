import NATS
import NIOCore
import TestSupport

/// Options for tests: fast reconnects, never a long wait.
func testOptions(_ url: String) -> NATSOptions {
    var options = NATSOptions(url: url)
    options.reconnectWait = .milliseconds(50)
    options.maxReconnectWait = .milliseconds(250)
    options.reconnectJitter = .milliseconds(10)
    options.connectTimeout = .seconds(5)
    return options
}

/// Waits for the first event matching `predicate`; nil if the stream ended first.
func nextEvent(_ events: inout AsyncStream<NATSEvent>.Iterator, where predicate: (NATSEvent) -> Bool) async -> NATSEvent? {
    while let event = await events.next() {
        if predicate(event) { return event }
    }
    return nil
}

/// Polls `condition` until it holds (the test's time limit bounds the wait).
func eventually(_ condition: @Sendable () async throws -> Bool) async throws {
    while try await !condition() {
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Records which subscription received which payload.
actor Collector {
    private(set) var received: [Int: [String]] = [:]
    var total: Int { received.values.reduce(0) { $0 + $1.count } }
    var all: [String] { received.values.flatMap { $0 } }
    func add(_ payload: String, from index: Int) { received[index, default: []].append(payload) }
    func count(for index: Int) -> Int { received[index]?.count ?? 0 }
}

extension NATSEvent {
    var isDisconnected: Bool { if case .disconnected = self { true } else { false } }
    var isReconnected: Bool { if case .reconnected = self { true } else { false } }
}
