import BusTransport
import Logging

/// A member of a Redis Streams consumer group: executes `ConsumerStateMachine`'s commands over
/// two connections, a read connection (XGROUP, XREADGROUP with BLOCK, XAUTOCLAIM, XPENDING) and a
/// write connection (XADD, XACK, XCLAIM), so that settlements never wait behind a blocking read.
///
/// Delivery is at-least-once: an entry is acknowledged only after the events that answer it were
/// written. Invalid entries are answered with a rejection event and acknowledged; entries
/// delivered more than `maxDeliveries` times are moved to the dead-letter stream and acknowledged.
public actor RedisStreamsConsumer {
    public nonisolated let configuration: RedisStreamsConfiguration
    private let reader: RedisConnection
    private let writer: RedisConnection
    private var machine: ConsumerStateMachine
    /// Deliveries read while the receiving task was being cancelled, handed out by the next receive.
    private var stash: [OrderDelivery] = []
    private var receiving = false
    private var stopped = false
    private var settlementsRunning = 0
    private var settlementWaiters: [CheckedContinuation<Void, Never>] = []
    private let logger: Logger

    /// How often a write is retried after the connection broke under it (each retry reconnects first).
    public static let writeAttempts = 5
    /// Pause before asking again while Redis answers LOADING (replaying its persistence files).
    public static let loadingPause: Duration = .milliseconds(100)

    public init(configuration: RedisStreamsConfiguration, logger: Logger = Logger(label: "imapworker.redis")) {
        self.configuration = configuration
        self.logger = logger
        var readConfiguration = configuration.connection
        readConfiguration.name = "\(configuration.consumer)-read"
        var writeConfiguration = configuration.connection
        writeConfiguration.name = "\(configuration.consumer)-write"
        reader = RedisConnection(configuration: readConfiguration, logger: logger)
        writer = RedisConnection(configuration: writeConfiguration, logger: logger)
        machine = ConsumerStateMachine(configuration: configuration)
    }

    /// The state machine's phase (for tests and status reports).
    public var phase: ConsumerStateMachine.Phase { machine.phase }
    /// IDs handed out and not yet settled.
    public var inFlightIDs: Set<String> { Set(machine.inFlight.keys) }

    /// Waits for orders and returns between 1 and `max` of them (`max` = free workers).
    /// Cancellation is noticed between reads, so it can take up to the BLOCK time; entries read
    /// meanwhile are kept for the next call (they stay pending in Redis in any case).
    public func receive(max: Int) async throws -> [OrderDelivery] {
        try await receive(max: max, acknowledging: [])
    }

    /// Like `receive(max:)`, and first acknowledges `acknowledging` (entries whose jobs finished
    /// and whose events were written) in the same pipeline as the read: one round trip for both.
    public func receive(max: Int, acknowledging: [String]) async throws -> [OrderDelivery] {
        guard !receiving else { throw RedisError.concurrentReceive }
        receiving = true
        defer { receiving = false }
        let limit = Swift.max(1, max)
        if !stash.isEmpty {
            let taken = Array(stash.prefix(limit))
            stash.removeFirst(taken.count)
            return taken
        }
        var unacknowledged = acknowledging
        while true {
            try Task.checkCancellation()
            if stopped { throw RedisError.closed }
            let fetch = machine.nextFetch(freeWorkers: limit, now: .now)
            let reply: RESPValue
            do {
                var commands: [RedisCommand] = []
                if !unacknowledged.isEmpty {
                    commands.append(StreamCommands.acknowledge(stream: configuration.stream, group: configuration.group, ids: unacknowledged))
                }
                commands.append(machine.command(for: fetch))
                let replies = try await reader.send(commands, extraTimeout: machine.extraTimeout(for: fetch))
                guard let last = replies.last else { throw RedisError.unexpectedReply("no reply") }
                reply = last
                if !unacknowledged.isEmpty {
                    if let message = replies.first?.errorMessage { throw RedisError.server(message) }
                    for id in unacknowledged { machine.settled(id) }
                    unacknowledged = []
                }
            } catch let error as RedisError where error.isConnectionFailure {
                machine.connectionLost()
                continue
            }
            if let message = reply.errorMessage, message.hasPrefix("LOADING") {
                // Redis is replaying its AOF/RDB after a restart: wait, then ask again.
                try await Task.sleep(for: Self.loadingPause)
                continue
            }
            var batch: ConsumerStateMachine.Batch
            switch try machine.fetched(fetch, reply: reply, now: .now) {
            case .batch(let ready):
                batch = ready
            case .countDeliveries(let commands):
                do {
                    batch = try machine.counted(try await reader.send(commands))
                } catch let error as RedisError where error.isConnectionFailure {
                    machine.connectionLost()
                    continue
                }
            }
            let settlements = machine.settlements(for: batch)
            if !settlements.isEmpty { await settleByItself(settlements, batch: batch) }
            if !batch.deliveries.isEmpty {
                if Task.isCancelled {
                    stash += batch.deliveries
                    throw CancellationError()
                }
                return batch.deliveries
            }
        }
    }

    /// Writes `event` to the order's reply stream (if any) and the events stream, then acknowledges it.
    public func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        let writes = StreamCommands.publish(event: event, replyTo: delivery.replyTo,
                                            eventsStream: configuration.eventsStream, maxLength: configuration.eventsMaxLength)
        try await settle(ids: [delivery.id], writes: writes)
    }

    /// Acknowledges entries without writing anything first (tools, benchmarks).
    public func acknowledge(_ ids: [String]) async throws {
        try await settle(ids: ids, writes: [])
    }

    /// Resets the idle time of entries this consumer works on, so no other consumer reclaims them.
    public func keepAlive(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        let c = configuration
        let reply = try await write([StreamCommands.refreshClaim(stream: c.stream, group: c.group, consumer: c.consumer, ids: ids)])
        if let message = reply.first?.errorMessage { throw RedisError.server(message) }
    }

    /// Appends an event to `destination` (a stream), or to the events stream when `nil`.
    public func publish(event: [UInt8], to destination: String?) async throws {
        let command = StreamCommands.add(stream: destination ?? configuration.eventsStream, maxLength: configuration.eventsMaxLength,
                                         fields: [StreamField(name: Array("event".utf8), value: event)])
        let reply = try await write([command])
        if let message = reply.first?.errorMessage { throw RedisError.server(message) }
    }

    /// Stops reading, waits for settlements in progress, closes both connections. Entries handed
    /// out and not settled stay pending: this consumer re-reads them when it starts again, others
    /// reclaim them after `claimIdle`.
    public func shutdown() async {
        stopped = true
        while settlementsRunning > 0 {
            await withCheckedContinuation { settlementWaiters.append($0) }
        }
        reader.close()
        writer.close()
    }

    // MARK: - Executing settlements

    private func settle(ids: [String], writes: [RedisCommand]) async throws {
        settlementsRunning += 1
        defer {
            for id in ids { machine.settled(id) }
            settlementsRunning -= 1
            if settlementsRunning == 0 {
                let waiters = settlementWaiters
                settlementWaiters = []
                for waiter in waiters { waiter.resume() }
            }
        }
        if !writes.isEmpty {
            // The events must be written before the acknowledgement is sent: a separate round trip,
            // so that a failed XADD never lets an XACK through.
            let replies = try await write(writes)
            if let message = replies.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
        }
        let c = configuration
        let reply = try await write([StreamCommands.acknowledge(stream: c.stream, group: c.group, ids: ids)])
        if let message = reply.first?.errorMessage { throw RedisError.server(message) }
    }

    /// Sends on the write connection, retrying when the connection broke under the commands.
    /// A retried XADD may duplicate an event; XACK and XCLAIM are idempotent.
    private func write(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        var attempt = 1
        while true {
            do {
                let replies = try await writer.send(commands)
                if attempt < Self.writeAttempts, replies.contains(where: { $0.errorMessage?.hasPrefix("LOADING") == true }) {
                    // Nothing ran while Redis was loading (every command got the same answer); try again.
                    attempt += 1
                    try await Task.sleep(for: Self.loadingPause)
                    continue
                }
                return replies
            } catch let error as RedisError where error.isConnectionFailure && attempt < Self.writeAttempts {
                attempt += 1
                logger.info("redis write retried", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
            }
        }
    }

    /// Rejections, dead letters and deleted entries: write their events, then acknowledge those
    /// whose writes all succeeded. Failures are logged and left pending: they come back later.
    private func settleByItself(_ settlements: [ConsumerStateMachine.Settlement], batch: ConsumerStateMachine.Batch) async {
        for rejection in batch.rejections {
            logger.warning("redis order rejected", metadata: ["entry": "\(rejection.id)", "reason": "\(rejection.reason)"])
        }
        for dead in batch.deadLetters {
            logger.error("redis order dead-lettered", metadata: ["entry": "\(dead.entry.id)", "deliveries": "\(dead.deliveryCount)"])
        }
        do {
            let writes = settlements.flatMap(\.writes)
            let replies = writes.isEmpty ? [] : try await write(writes)
            var acknowledge: [String] = []
            var offset = 0
            for settlement in settlements {
                let mine = replies[offset..<offset + settlement.writes.count]
                offset += settlement.writes.count
                if let message = mine.lazy.compactMap(\.errorMessage).first {
                    logger.error("redis settlement write failed", metadata: ["entry": "\(settlement.id)", "error": "\(message)"])
                } else {
                    acknowledge.append(settlement.id)
                }
            }
            if !acknowledge.isEmpty {
                let c = configuration
                _ = try await write([StreamCommands.acknowledge(stream: c.stream, group: c.group, ids: acknowledge)])
            }
        } catch {
            logger.error("redis settlement failed, entries stay pending", metadata: ["error": "\(error)"])
        }
    }
}
