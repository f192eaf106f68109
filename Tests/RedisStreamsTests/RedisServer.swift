import Foundation
import RedisStreams
import TestSupport

extension RedisServer {
    /// A connection for the test's own commands.
    func connect() async throws -> RedisConnection {
        try await RedisConnection.connect(try RedisConnectionConfiguration(url: url))
    }
}

extension RedisConnection {
    /// Sends one command and fails on an error reply.
    @discardableResult
    func run(_ words: String...) async throws -> RESPValue {
        let reply = try await send(RedisCommand(words.map { Array($0.utf8) }))
        if let message = reply.errorMessage { throw RedisError.server(message) }
        return reply
    }

    /// Adds orders (one XADD each, pipelined) and returns their entry IDs.
    func addOrders(_ orders: [String], stream: String = RedisStreamsConfiguration.defaultStream,
                   extraFields: [StreamField] = []) async throws -> [String] {
        let commands = orders.map { StreamCommands.add(stream: stream, maxLength: 1_000_000, fields: [StreamField("order", $0)] + extraFields) }
        return try await send(commands).map { reply in
            guard let id = reply.string else { throw RedisError.unexpectedReply("\(reply)") }
            return id
        }
    }

    /// All entries of a stream.
    func entries(_ stream: String) async throws -> [StreamEntry] {
        try StreamReplies.entries(try await run("XRANGE", stream, "-", "+"))
    }

    /// The `event` documents of a stream, decoded.
    func events(_ stream: String = RedisStreamsConfiguration.defaultEventsStream) async throws -> [[String: Any]] {
        try await entries(stream).compactMap { entry in
            guard let event = entry.value("event") else { return nil }
            return try JSONSerialization.jsonObject(with: Data(event)) as? [String: Any]
        }
    }

    /// The group's pending count (XPENDING summary).
    func pendingCount(stream: String = RedisStreamsConfiguration.defaultStream,
                      group: String = RedisStreamsConfiguration.defaultGroup) async throws -> Int {
        try StreamReplies.pendingTotal(try await run("XPENDING", stream, group))
    }
}

/// Test configuration: the given server, short block and claim times, groups read from the start.
func testConfiguration(_ server: RedisServer, consumer: String) throws -> RedisStreamsConfiguration {
    var configuration = try RedisStreamsConfiguration(url: server.url, consumer: consumer)
    configuration.groupStartID = "0"
    configuration.block = .milliseconds(200)
    configuration.connection.backoff = ReconnectBackoff(initial: .milliseconds(50), maximum: .milliseconds(500), giveUpAfter: .seconds(60))
    return configuration
}

/// Waits (without asserting anything about time) until `condition` holds; fails after `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline { throw TestHarnessError("gave up waiting for: \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The built `redis-bench` executable (next to the test bundle; `swift build --build-tests` builds it).
func redisBenchPath() throws -> String {
    var candidates: [String] = []
    if let executable = Bundle.main.executableURL {
        candidates.append(executable.deletingLastPathComponent().appendingPathComponent("redis-bench").path)
    }
    candidates.append(packageRoot + "/.build/debug/redis-bench")
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw TestHarnessError("redis-bench not built (run `swift build --build-tests`); looked in \(candidates)")
    }
    return found
}
