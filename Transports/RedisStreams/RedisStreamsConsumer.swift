import BusTransport
import Logging

/// A member of a Redis Streams consumer group: executes `ConsumerStateMachine`'s commands over
/// two connections, a read connection (XGROUP, XREADGROUP with BLOCK, XAUTOCLAIM, XPENDING) and a
/// write connection (XADD, XACK, XDEL, XCLAIM), so that settlements never wait behind a blocking
/// read; `serveStatus` adds a third for the status stream.
///
/// Delivery is at-least-once: an entry is acknowledged only after the events that answer it were
/// written. Invalid entries are answered with a rejection event and acknowledged; entries
/// delivered more than `maxDeliveries` times, or naming a bad `reply_to`, are moved to the
/// dead-letter stream (secrets redacted) and acknowledged. Acknowledged entries are deleted.
public actor RedisStreamsConsumer {
    public nonisolated let configuration: RedisStreamsConfiguration
    private let reader: RedisConnection
    private let writer: RedisConnection
    private var statusConnection: RedisConnection?
    private var machine: ConsumerStateMachine
    /// Deliveries read and not handed out yet (the receiving task was cancelled, or fewer slots
    /// were free after the read than before it). They stay pending in Redis.
    private var stash: [OrderDelivery] = []
    private var receiving = false
    private var receiveWaiters: [CheckedContinuation<Void, Never>] = []
    /// Intake stopped (`stopReceiving`): no more reads.
    private var stopped = false
    private var closed = false
    private var settlementsRunning = 0
    private var settlementWaiters: [CheckedContinuation<Void, Never>] = []
    /// Settled entries whose XACK is not confirmed yet: sent again with the next read, and at close.
    private var ackBacklog: [String] = []
    /// The pool's slots, once `receive(slots:)` was used, and the deliveries holding one.
    private var slots: WorkerSlots?
    private var holding: Set<String> = []
    private let logger: Logger

    /// How often a write is retried after the connection broke under it (each retry reconnects first).
    public static let writeAttempts = 5
    /// Pause before asking again while Redis answers LOADING (replaying its persistence files).
    public static let loadingPause: Duration = .milliseconds(100)
    /// Idle time given to a released entry: far past any `claimIdle`, so the next XAUTOCLAIM takes it.
    public static let releasedIdle: Duration = .seconds(365 * 24 * 3600)

    public init(configuration: RedisStreamsConfiguration, logger: Logger = Logger(label: "imapworker.redis")) {
        self.configuration = configuration
        self.logger = logger
        reader = RedisConnection(configuration: Self.connection(configuration, "read"), logger: logger)
        writer = RedisConnection(configuration: Self.connection(configuration, "write"), logger: logger)
        machine = ConsumerStateMachine(configuration: configuration)
    }

    private static func connection(_ configuration: RedisStreamsConfiguration, _ role: String) -> RedisConnectionConfiguration {
        var connection = configuration.connection
        connection.name = "\(configuration.consumer)-\(role)"
        return connection
    }

    /// The state machine's phase (for tests and status reports).
    public var phase: ConsumerStateMachine.Phase { machine.phase }
    /// IDs handed out and not yet settled.
    public var inFlightIDs: Set<String> { Set(machine.inFlight.keys) }

    // MARK: - Receiving

    /// Waits for orders and returns between 1 and `max` of them (`max` ≥ 1), without slots: for
    /// tools and benchmarks. Acknowledges `acknowledging` (entries whose jobs finished and whose
    /// events were written) in the same pipeline as the read: one round trip for both.
    public func receive(max: Int, acknowledging: [String] = []) async throws -> [OrderDelivery] {
        guard max >= 1 else { throw RedisError.invalidArgument("receive needs max >= 1 (COUNT 0 would mean no limit)") }
        try beginReceive()
        defer { endReceive() }
        ackBacklog += acknowledging
        if !stash.isEmpty { return takeStash(max) }
        while true {
            try Task.checkCancellation()
            if stopped { throw RedisError.closed }
            let deliveries = try await fetch(count: max)
            if !deliveries.isEmpty { return try handOut(deliveries) }
        }
    }

    /// Waits for a free slot of `slots`, reads at most as many entries as slots are free
    /// (`XREADGROUP COUNT free`), and returns them, each holding a slot until it is settled.
    /// Returns `[]` once intake stopped.
    public func receive(slots: WorkerSlots) async throws -> [OrderDelivery] {
        try beginReceive()
        defer { endReceive() }
        self.slots = slots
        while true {
            try Task.checkCancellation()
            if stopped { return [] }
            if !stash.isEmpty {
                let taken = slots.tryAcquire(upTo: stash.count)
                if taken > 0 { return hold(takeStash(taken)) }
                try await slots.waitUntilFree()
                continue
            }
            let free = slots.free
            guard free > 0 else {
                try await slots.waitUntilFree()
                continue
            }
            let deliveries = try await fetch(count: free)
            if deliveries.isEmpty { continue }
            if stopped {
                await release(deliveries.map(\.id))
                return []
            }
            if Task.isCancelled {
                stash += deliveries
                throw CancellationError()
            }
            // Another transport may have taken slots during the read: the rest waits here.
            let taken = slots.tryAcquire(upTo: deliveries.count)
            stash += deliveries[taken...]
            if taken > 0 { return hold(Array(deliveries[..<taken])) }
        }
    }

    private func beginReceive() throws {
        guard !receiving else { throw RedisError.concurrentReceive }
        receiving = true
    }

    private func endReceive() {
        receiving = false
        let waiters = receiveWaiters
        receiveWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func takeStash(_ count: Int) -> [OrderDelivery] {
        let taken = Array(stash.prefix(count))
        stash.removeFirst(taken.count)
        return taken
    }

    private func hold(_ deliveries: [OrderDelivery]) -> [OrderDelivery] {
        for delivery in deliveries { holding.insert(delivery.id) }
        return deliveries
    }

    /// Deliveries read while the receiving task was being cancelled wait for the next receive.
    private func handOut(_ deliveries: [OrderDelivery]) throws -> [OrderDelivery] {
        if Task.isCancelled {
            stash += deliveries
            throw CancellationError()
        }
        return deliveries
    }

    /// One read (with the acknowledgements still owed in its pipeline) and what follows from it:
    /// delivery counts, rejections, dead letters. Returns the deliveries for the workers (maybe none).
    private func fetch(count: Int) async throws -> [OrderDelivery] {
        let fetch = machine.nextFetch(freeWorkers: count, now: .now)
        let acknowledging = ackBacklog
        let reply: RESPValue
        do {
            var commands: [RedisCommand] = []
            if !acknowledging.isEmpty { commands += settleCommands(acknowledging) }
            commands.append(machine.command(for: fetch))
            let replies = try await reader.send(commands, extraTimeout: machine.extraTimeout(for: fetch))
            guard let last = replies.last else { throw RedisError.unexpectedReply("no reply") }
            reply = last
            if !acknowledging.isEmpty {
                if let message = replies.first?.errorMessage {
                    logger.warning("redis acknowledgements not confirmed, kept for the next read", metadata: ["error": "\(message)"])
                } else {
                    acknowledged(acknowledging)
                }
            }
        } catch let error as RedisError where error.isConnectionFailure {
            machine.connectionLost()
            return []
        }
        if let message = reply.errorMessage, message.hasPrefix("LOADING") {
            // Redis is replaying its AOF/RDB after a restart: wait, then ask again.
            try await Task.sleep(for: Self.loadingPause)
            return []
        }
        let batch: ConsumerStateMachine.Batch
        switch try machine.fetched(fetch, reply: reply, now: .now) {
        case .batch(let ready):
            batch = ready
        case .countDeliveries(let commands):
            do {
                batch = try machine.counted(try await reader.send(commands))
            } catch let error as RedisError where error.isConnectionFailure {
                machine.connectionLost()
                return []
            }
        }
        let settlements = machine.settlements(for: batch)
        if !settlements.isEmpty { await settleByItself(settlements, batch: batch) }
        return batch.deliveries
    }

    // MARK: - Settling

    /// Writes `event` to the order's reply stream (if any) and the events stream, then
    /// acknowledges (and deletes) the entry. A `reply_to` that is not a stream (WRONGTYPE) is
    /// refused: the entry is dead-lettered (the event is on the events stream) instead of failing
    /// forever. Throws when the events could not be written: the entry is then not settled.
    public func complete(_ delivery: OrderDelivery, event: [UInt8]) async throws {
        settlementsRunning += 1
        defer { settlementFinished() }
        let c = configuration
        let writes = StreamCommands.publish(event: event, replyTo: delivery.replyTo,
                                            eventsStream: c.eventsStream, maxLength: c.eventsMaxLength)
        // The events must be written before the acknowledgement is sent: a separate round trip,
        // so that a failed XADD never lets an XACK through.
        let replies = try await write(writes)
        let replyFailed = writes.count == 2 ? replies.first?.errorMessage : nil
        if let message = replyFailed, message.hasPrefix("WRONGTYPE"), let replyTo = delivery.replyTo {
            if let failed = replies.dropFirst().lazy.compactMap(\.errorMessage).first { throw RedisError.server(failed) }
            logger.error("redis reply_to is not a stream, order dead-lettered", metadata: ["entry": "\(delivery.id)"])
            let fields = [StreamField(name: Array("order".utf8), value: delivery.payload), StreamField("reply_to", replyTo)]
            let dead = machine.deadLetterWrites(id: delivery.id, fields: fields, deliveries: delivery.deliveryCount,
                                                reason: "reply_to is not a stream", replyTo: nil)
            if let failed = try await write(dead).lazy.compactMap(\.errorMessage).first { throw RedisError.server(failed) }
        } else if let message = replies.lazy.compactMap(\.errorMessage).first {
            throw RedisError.server(message)
        }
        await acknowledge(settledIDs: [delivery.id])
        freeSlot(delivery.id)
    }

    /// Acknowledges entries without writing anything first (tools, benchmarks).
    public func acknowledge(_ ids: [String]) async throws {
        settlementsRunning += 1
        defer { settlementFinished() }
        let replies = try await write(settleCommands(ids))
        if let message = replies.first?.errorMessage { throw RedisError.server(message) }
        acknowledged(ids)
    }

    /// XACK (+ XDEL); what is not confirmed goes to the backlog, sent again with the next read
    /// and at close: an acknowledgement is never dropped.
    private func acknowledge(settledIDs ids: [String]) async {
        do {
            let replies = try await write(settleCommands(ids))
            if let message = replies.first?.errorMessage { throw RedisError.server(message) }
            acknowledged(ids)
        } catch {
            logger.warning("redis acknowledgement not confirmed, kept for later", metadata: ["entries": "\(ids.count)", "error": "\(error)"])
            ackBacklog += ids
        }
    }

    private func settleCommands(_ ids: [String]) -> [RedisCommand] {
        let c = configuration
        return StreamCommands.settle(stream: c.stream, group: c.group, ids: ids, delete: c.deleteAcknowledged)
    }

    private func acknowledged(_ ids: [String]) {
        let done = Set(ids)
        ackBacklog.removeAll { done.contains($0) }
        for id in ids { machine.settled(id) }
    }

    private func freeSlot(_ id: String) {
        if holding.remove(id) != nil { slots?.release(1) }
    }

    private func settlementFinished() {
        settlementsRunning -= 1
        guard settlementsRunning == 0 else { return }
        let waiters = settlementWaiters
        settlementWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    // MARK: - Ownership: keep-alive and release

    /// Resets the idle time of entries this consumer works on, so that no other consumer reclaims
    /// them, and never takes back one that another consumer reclaimed meanwhile: XPENDING must
    /// show us as the owner, and the XCLAIM is guarded by the idle time it showed (see
    /// `StreamCommands.guardedClaim`). Throws `OrderTransportError.notOwned` for an entry that is
    /// no longer ours.
    public func keepAlive(_ ids: [String]) async throws {
        let lost = try await claimOwned(ids, to: configuration.consumer, setIdle: nil)
        if let first = lost.first { throw OrderTransportError.notOwned(id: first) }
    }

    /// Gives entries back at once: each still ours is claimed by `releaseConsumer` with an idle
    /// time far past `claimIdle`, so that the next XAUTOCLAIM of any consumer takes it (its
    /// delivery count is not raised by the release). Entries no longer ours are left alone.
    /// The slot is freed whatever happens; if Redis cannot be told, the entry stays pending here
    /// and is reclaimed after `claimIdle` as after a crash.
    public func release(_ ids: [String]) async {
        guard !ids.isEmpty else { return }
        settlementsRunning += 1
        defer { settlementFinished() }
        do {
            _ = try await claimOwned(ids, to: configuration.releaseConsumer, setIdle: Self.releasedIdle)
        } catch {
            logger.warning("redis release failed; entries are reclaimed after claimIdle", metadata: ["entries": "\(ids.count)", "error": "\(error)"])
        }
        for id in ids {
            machine.settled(id)
            freeSlot(id)
        }
    }

    /// Claims each of `ids` that this consumer owns for `consumer`; returns those it did not own.
    private func claimOwned(_ ids: [String], to consumer: String, setIdle: Duration?) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        let c = configuration
        let rows = try await write(ids.map { StreamCommands.pendingOwner(stream: c.stream, group: c.group, id: $0) })
        var lost: [String] = []
        var claims: [(id: String, command: RedisCommand)] = []
        for (id, reply) in zip(ids, rows) {
            if let message = reply.errorMessage { throw RedisError.server(message) }
            guard let row = try StreamReplies.pendingEntries(reply).first, row.id == id, row.consumer == c.consumer else {
                lost.append(id)
                continue
            }
            claims.append((id, StreamCommands.guardedClaim(stream: c.stream, group: c.group, consumer: consumer, id: id,
                                                           minIdleMilliseconds: row.idleMilliseconds, setIdle: setIdle)))
        }
        let replies = try await write(claims.map(\.command))
        for (claim, reply) in zip(claims, replies) {
            if let message = reply.errorMessage { throw RedisError.server(message) }
            // An empty answer: the guard saw a restarted idle time, someone claimed it meanwhile.
            if reply.array?.isEmpty != false { lost.append(claim.id) }
        }
        return lost
    }

    // MARK: - Events and status

    /// Appends an event to `destination` (a stream), or to the events stream when `nil`.
    public func publish(event: [UInt8], to destination: String?) async throws {
        let command = StreamCommands.add(stream: destination ?? configuration.eventsStream, maxLength: configuration.eventsMaxLength,
                                         fields: [StreamField(name: Array("event".utf8), value: event)])
        let reply = try await write([command])
        if let message = reply.first?.errorMessage { throw RedisError.server(message) }
    }

    /// Answers the entries of `statusStream` added from now on, until `shutdown`: each entry names
    /// its `reply_to` stream (and may carry a `request` field); the answer is appended there as
    /// field `status`. Runs on its own connection, so it answers while every worker is busy.
    public func serveStatus(_ answer: @escaping @Sendable ([UInt8]) async -> [UInt8]) async throws {
        guard !closed, statusConnection == nil else { return }
        let connection = RedisConnection(configuration: Self.connection(configuration, "status"), logger: logger)
        statusConnection = connection
        let c = configuration
        var after = try await Self.serverNow(connection)
        while !closed {
            let reply: RESPValue
            do {
                reply = try await connection.send(StreamCommands.read(stream: c.statusStream, after: after, count: 16, block: c.block),
                                                  extraTimeout: c.block)
            } catch let error as RedisError where error.isConnectionFailure {
                continue
            } catch RedisError.closed {
                return
            }
            if let message = reply.errorMessage {
                if message.hasPrefix("LOADING") { try await Task.sleep(for: Self.loadingPause); continue }
                throw RedisError.server(message)
            }
            for entry in try StreamReplies.read(reply) {
                after = entry.id
                guard let replyTo = entry.value("reply_to").map({ String(decoding: $0, as: UTF8.self) }), !replyTo.isEmpty,
                      !c.ownStreams.contains(replyTo) else {
                    logger.warning("redis status request without a usable reply_to", metadata: ["entry": "\(entry.id)"])
                    continue
                }
                let document = await answer(entry.value("request") ?? [])
                let add = StreamCommands.add(stream: replyTo, maxLength: c.eventsMaxLength,
                                             fields: [StreamField(name: Array("status".utf8), value: document)])
                if let message = (try? await connection.send(add))?.errorMessage {
                    logger.warning("redis status answer refused", metadata: ["entry": "\(entry.id)", "error": "\(message)"])
                }
            }
        }
    }

    /// `<server time in ms>-0`: entries added from now on come after it (Redis's clock, not ours).
    private static func serverNow(_ connection: RedisConnection) async throws -> String {
        let reply = try await connection.send(["TIME"])
        guard let parts = reply.array, parts.count == 2, let seconds = parts[0].string.flatMap({ Int64($0) }),
              let micros = parts[1].string.flatMap({ Int64($0) }) else {
            throw RedisError.unexpectedReply("TIME: not [seconds, microseconds]")
        }
        return "\(seconds * 1000 + micros / 1000)-0"
    }

    // MARK: - Shutdown

    /// Stops reading: a `receive(slots:)` waiting or reading returns `[]` (entries its last read
    /// brought are released), entries read and not handed out are released. Settling goes on.
    public func stopReceiving() async {
        guard !stopped else { return }
        stopped = true
        slots?.wakeWaiters()
        let kept = stash.map(\.id)
        stash = []
        await release(kept)
    }

    /// Stops receiving, waits for the read in progress and the settlements in progress, sends the
    /// acknowledgements still owed, closes the connections. Entries handed out and not settled
    /// stay pending: this consumer re-reads them when it starts again, others reclaim them after
    /// `claimIdle`.
    public func shutdown() async {
        await stopReceiving()
        while receiving {
            await withCheckedContinuation { receiveWaiters.append($0) }
        }
        while settlementsRunning > 0 {
            await withCheckedContinuation { settlementWaiters.append($0) }
        }
        if !ackBacklog.isEmpty {
            let owed = ackBacklog
            if let replies = try? await write(settleCommands(owed)), replies.first?.errorMessage == nil {
                acknowledged(owed)
            } else {
                logger.error("redis acknowledgements lost at shutdown; the entries will run again", metadata: ["entries": "\(owed.count)"])
            }
        }
        closed = true
        statusConnection?.close()
        reader.close()
        writer.close()
    }

    // MARK: - Writing

    /// Sends on the write connection, retrying when the connection broke under the commands.
    /// A retried XADD may duplicate an event; XACK, XDEL and XCLAIM are idempotent.
    private func write(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        if commands.isEmpty { return [] }
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
            logger.error("redis order dead-lettered", metadata: [
                "entry": "\(dead.entry.id)", "deliveries": "\(dead.deliveryCount)", "reason": "\(dead.reason ?? "too many deliveries")",
            ])
        }
        do {
            let writes = settlements.flatMap(\.writes)
            let replies = try await write(writes)
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
            if !acknowledge.isEmpty { await self.acknowledge(settledIDs: acknowledge) }
        } catch {
            logger.error("redis settlement failed, entries stay pending", metadata: ["error": "\(error)"])
        }
    }
}
