import BusTransport

/// The consumer-group logic, pure: it decides what to read next, when to reclaim, what to
/// dead-letter, reject or hand to workers, and which entries it has handed out. It sees replies
/// as `RESPValue`s and returns `RedisCommand`s; `RedisStreamsConsumer` only executes them.
///
/// Phases: create the group (`BUSYGROUP` counts as success) → re-read this consumer's own pending
/// entries from ID `0` page by page until none are left → read new entries (`>`), every
/// `autoclaimInterval` first reclaiming idle entries of others with XAUTOCLAIM. `NOGROUP` at any
/// point goes back to creating the group (with `recreateStartID`); a lost read connection goes back
/// to re-reading own pending entries, since a reply lost in flight may have delivered entries to us.
public struct ConsumerStateMachine: Sendable {
    public enum Phase: Sendable, Hashable {
        case creatingGroup(startID: String)
        case readingOwnPending(after: String)
        case readingNew
    }

    /// The next read to send.
    public enum Fetch: Sendable, Hashable {
        case createGroup(startID: String)
        case readPending(after: String, count: Int)
        case autoclaim(cursor: String, count: Int)
        case readNew(count: Int)
    }

    public struct Rejection: Sendable, Hashable {
        public var id: String
        public var reason: String
        public var replyTo: String?
    }

    public struct DeadLetter: Sendable, Hashable {
        public var entry: StreamEntry
        public var deliveryCount: Int
        /// Where the dead-letter event also goes (nil when the entry's own `reply_to` is the problem).
        public var replyTo: String?
        /// Why, when it is not the delivery count.
        public var reason: String?
    }

    /// What one read produced.
    public struct Batch: Sendable, Hashable {
        /// Entries for the workers (now in flight).
        public var deliveries: [OrderDelivery] = []
        /// Entries that can never run: answer with a rejection event, then acknowledge.
        public var rejections: [Rejection] = []
        /// Entries delivered too often: copy to the dead-letter stream, then acknowledge.
        public var deadLetters: [DeadLetter] = []
        /// Pending entries deleted from the stream: nothing to run, only acknowledge.
        public var acknowledgeOnly: [String] = []

        public init() {}

        public var isEmpty: Bool { deliveries.isEmpty && rejections.isEmpty && deadLetters.isEmpty && acknowledgeOnly.isEmpty }
    }

    public enum Outcome: Sendable, Hashable {
        case batch(Batch)
        /// Re-delivered entries need their delivery counts: send these (XPENDING, one per entry)
        /// and pass the replies to `counted(_:)`.
        case countDeliveries([RedisCommand])
    }

    public let configuration: RedisStreamsConfiguration
    public private(set) var phase: Phase
    /// Entries handed to workers and not yet settled: entry ID → delivery count.
    public private(set) var inFlight: [String: Int] = [:]
    private var autoclaimCursor = "0-0"
    private var nextAutoclaim: ContinuousClock.Instant?
    private var awaitingCounts: [StreamEntry] = []
    private var awaitingBatch = Batch()

    static let ownStreamReplyTo = "reply_to names one of the worker's own streams"

    public init(configuration: RedisStreamsConfiguration) {
        self.configuration = configuration
        phase = .creatingGroup(startID: configuration.groupStartID)
    }

    /// The read to send when `freeWorkers` workers are idle (never asks for more entries than that).
    public mutating func nextFetch(freeWorkers: Int, now: ContinuousClock.Instant) -> Fetch {
        let count = max(1, freeWorkers)
        switch phase {
        case .creatingGroup(let startID):
            return .createGroup(startID: startID)
        case .readingOwnPending(let after):
            return .readPending(after: after, count: count)
        case .readingNew:
            if nextAutoclaim.map({ now >= $0 }) ?? true { return .autoclaim(cursor: autoclaimCursor, count: count) }
            return .readNew(count: count)
        }
    }

    public func command(for fetch: Fetch) -> RedisCommand {
        let c = configuration
        switch fetch {
        case .createGroup(let startID):
            return StreamCommands.createGroup(stream: c.stream, group: c.group, startID: startID)
        case .readPending(let after, let count):
            return StreamCommands.readGroup(stream: c.stream, group: c.group, consumer: c.consumer, count: count, block: nil, after: after)
        case .autoclaim(let cursor, let count):
            return StreamCommands.autoclaim(stream: c.stream, group: c.group, consumer: c.consumer,
                                            minIdle: c.claimIdle, cursor: cursor, count: count)
        case .readNew(let count):
            return StreamCommands.readGroup(stream: c.stream, group: c.group, consumer: c.consumer, count: count,
                                            block: c.block, after: ">")
        }
    }

    /// How much longer than a plain command the read may take (its BLOCK time).
    public func extraTimeout(for fetch: Fetch) -> Duration {
        if case .readNew = fetch { return configuration.block }
        return .zero
    }

    /// Takes the reply to `fetch`. Error replies other than BUSYGROUP/NOGROUP are thrown.
    public mutating func fetched(_ fetch: Fetch, reply: RESPValue, now: ContinuousClock.Instant) throws(RedisError) -> Outcome {
        awaitingCounts = []
        awaitingBatch = Batch()
        if let message = reply.errorMessage {
            if case .createGroup = fetch, message.hasPrefix("BUSYGROUP") {
                phase = .readingOwnPending(after: "0")
                return .batch(Batch())
            }
            if message.hasPrefix("NOGROUP") {
                groupLost()
                return .batch(Batch())
            }
            throw .server(message)
        }
        switch fetch {
        case .createGroup:
            phase = .readingOwnPending(after: "0")
            return .batch(Batch())
        case .readPending:
            let entries = try StreamReplies.read(reply)
            guard let last = entries.last else {
                phase = .readingNew
                return .batch(Batch())
            }
            phase = .readingOwnPending(after: last.id)
            return redelivered(entries)
        case .autoclaim:
            let claimed = try StreamReplies.autoclaim(reply)
            autoclaimCursor = claimed.cursor
            // A finished scan waits for the next interval; an unfinished one continues on the next read.
            if claimed.cursor == "0-0" { nextAutoclaim = now + configuration.autoclaimInterval }
            return redelivered(claimed.entries)
        case .readNew:
            var batch = Batch()
            // An entry already in flight can come as new only from a recreated group; its worker
            // will acknowledge it in the new group, so it is not handed out twice.
            for entry in try StreamReplies.read(reply) where inFlight[entry.id] == nil {
                classify(entry, deliveryCount: 1, into: &batch)
            }
            return .batch(batch)
        }
    }

    /// Takes the XPENDING replies asked for by `.countDeliveries`, in order.
    public mutating func counted(_ replies: [RESPValue]) throws(RedisError) -> Batch {
        var batch = awaitingBatch
        let entries = awaitingCounts
        awaitingCounts = []
        awaitingBatch = Batch()
        for (entry, reply) in zip(entries, replies) {
            if let message = reply.errorMessage {
                if message.hasPrefix("NOGROUP") { groupLost(); return Batch() }
                // Redis restarted and is loading: these entries are ours; the pending scan restarts from 0.
                if message.hasPrefix("LOADING") { connectionLost(); return Batch() }
                throw .server(message)
            }
            // No row: the entry is no longer ours (acknowledged or claimed meanwhile); leave it.
            guard let count = try StreamReplies.pendingDeliveryCounts(reply)[entry.id] else { continue }
            classify(entry, deliveryCount: count, into: &batch)
        }
        return batch
    }

    /// The read connection broke: a lost XREADGROUP reply may have delivered entries to us.
    public mutating func connectionLost() {
        awaitingCounts = []
        awaitingBatch = Batch()
        if case .creatingGroup = phase { return }
        phase = .readingOwnPending(after: "0")
    }

    /// A worker finished with `id` (completed, rejected, or its settlement failed for good).
    public mutating func settled(_ id: String) {
        inFlight[id] = nil
    }

    /// The group vanished (NOGROUP): recreate it. Entries in flight stay tracked so that their
    /// settlement still happens; the recreated group re-delivers them only if they were not acknowledged.
    private mutating func groupLost() {
        phase = .creatingGroup(startID: configuration.recreateStartID)
        autoclaimCursor = "0-0"
        nextAutoclaim = nil
    }

    /// Entries delivered before (own pending, reclaimed): skip those in flight here, acknowledge
    /// deleted ones, and ask for the delivery counts of the rest.
    private mutating func redelivered(_ entries: [StreamEntry]) -> Outcome {
        var batch = Batch()
        var needCounts: [StreamEntry] = []
        for entry in entries where inFlight[entry.id] == nil {
            if entry.fields == nil { batch.acknowledgeOnly.append(entry.id) } else { needCounts.append(entry) }
        }
        guard !needCounts.isEmpty else { return .batch(batch) }
        awaitingCounts = needCounts
        awaitingBatch = batch
        let c = configuration
        return .countDeliveries(needCounts.map {
            StreamCommands.pendingEntry(stream: c.stream, group: c.group, consumer: c.consumer, id: $0.id)
        })
    }

    private mutating func classify(_ entry: StreamEntry, deliveryCount: Int, into batch: inout Batch) {
        let fieldReplyTo = entry.value("reply_to").map { String(decoding: $0, as: UTF8.self) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let payload = entry.value("order") else {
            if entry.fields == nil { batch.acknowledgeOnly.append(entry.id); return }
            if deliveryCount > configuration.maxDeliveries {
                batch.deadLetters.append(DeadLetter(entry: entry, deliveryCount: deliveryCount, replyTo: fieldReplyTo))
            } else {
                batch.rejections.append(Rejection(id: entry.id, reason: "entry has no 'order' field", replyTo: fieldReplyTo))
            }
            return
        }
        let scan: OrderDocumentScan
        do {
            scan = try OrderDocumentScan(payload)
        } catch {
            batch.rejections.append(Rejection(id: entry.id, reason: "order is not a JSON object: \(error)", replyTo: fieldReplyTo))
            return
        }
        let replyTo = fieldReplyTo ?? scan.replyTo.flatMap { $0.isEmpty ? nil : $0 }
        if let replyTo, configuration.ownStreams.contains(replyTo) {
            // Answering there would feed the worker its own events, or corrupt its streams.
            batch.deadLetters.append(DeadLetter(entry: entry, deliveryCount: deliveryCount, replyTo: nil,
                                                reason: Self.ownStreamReplyTo))
            return
        }
        if deliveryCount > configuration.maxDeliveries {
            batch.deadLetters.append(DeadLetter(entry: entry, deliveryCount: deliveryCount, replyTo: replyTo))
            return
        }
        inFlight[entry.id] = deliveryCount
        batch.deliveries.append(OrderDelivery(id: entry.id, payload: payload, replyTo: replyTo, deliveryCount: deliveryCount))
    }
}

extension ConsumerStateMachine {
    /// One entry the transport settles by itself: what to write first, then the ID to acknowledge.
    public struct Settlement: Sendable, Hashable {
        public var id: String
        public var writes: [RedisCommand]
    }

    /// The writes that answer a batch's rejections and dead letters and acknowledge them (and the
    /// deleted entries). The executor acknowledges an ID only when all of its writes succeeded.
    public func settlements(for batch: Batch) -> [Settlement] {
        let c = configuration
        var result: [Settlement] = []
        for rejection in batch.rejections {
            let event = TransportEvents.rejected(code: .invalid, reason: rejection.reason, origin: origin(rejection.id))
            result.append(Settlement(id: rejection.id, writes: StreamCommands.publish(
                event: event, replyTo: rejection.replyTo, eventsStream: c.eventsStream, maxLength: c.eventsMaxLength)))
        }
        for dead in batch.deadLetters {
            result.append(Settlement(id: dead.entry.id, writes: deadLetterWrites(
                id: dead.entry.id, fields: dead.entry.fields ?? [], deliveries: dead.deliveryCount,
                reason: dead.reason, replyTo: dead.replyTo)))
        }
        for id in batch.acknowledgeOnly { result.append(Settlement(id: id, writes: [])) }
        return result
    }

    /// Copies an entry to the dead-letter stream, its secrets redacted, and writes the
    /// `order.dead_lettered` event (to `replyTo` too, if given). Acknowledging is the caller's part.
    public func deadLetterWrites(id: String, fields: [StreamField], deliveries: Int, reason: String?,
                                 replyTo: String?) -> [RedisCommand] {
        let c = configuration
        var copied = fields.map(Self.redacted)
        copied.append(StreamField("source_stream", c.stream))
        copied.append(StreamField("source_id", id))
        copied.append(StreamField("deliveries", String(deliveries)))
        copied.append(StreamField("consumer", c.consumer))
        if let reason { copied.append(StreamField("reason", reason)) }
        var writes = [StreamCommands.add(stream: c.deadLetterStream, maxLength: c.eventsMaxLength, fields: copied)]
        let event = TransportEvents.deadLettered(stream: c.stream, entry: id, deliveries: deliveries,
                                                 deadLetterStream: c.deadLetterStream, reason: reason)
        writes += StreamCommands.publish(event: event, replyTo: replyTo, eventsStream: c.eventsStream, maxLength: c.eventsMaxLength)
        return writes
    }

    /// `"stream":…,"entry":…` of the transport's own events.
    func origin(_ id: String) -> [(String, String)] {
        [("stream", JSONText.quoted(configuration.stream)), ("entry", JSONText.quoted(id))]
    }

    /// The order JSON with its secret members redacted; an entry field named like a secret, whole.
    static func redacted(_ field: StreamField) -> StreamField {
        let name = String(decoding: field.name, as: UTF8.self)
        if name == "order" { return StreamField(name: field.name, value: OrderDocumentScan.redacted(field.value)) }
        if OrderDocumentScan.secretNames.contains(name) { return StreamField(name: field.name, value: Array("<redacted>".utf8)) }
        return field
    }
}
