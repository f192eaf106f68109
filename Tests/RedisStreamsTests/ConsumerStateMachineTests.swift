import BusTransport
import RedisStreams
import Testing

private func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

private func entry(_ id: String, _ fields: [(String, String)]?) -> RESPValue {
    guard let fields else { return .array([bulk(id), .null]) }
    return .array([bulk(id), .array(fields.flatMap { [bulk($0.0), bulk($0.1)] })])
}

private func readReply(_ entries: [RESPValue], stream: String = "orders") -> RESPValue {
    .array([.array([bulk(stream), .array(entries)])])
}

private func pendingRow(_ id: String, deliveries: Int) -> RESPValue {
    .array([.array([bulk(id), bulk("c1"), .integer(1234), .integer(Int64(deliveries))])])
}

/// The consumer-group logic without sockets: commands out, replies in.
struct ConsumerStateMachineTests {
    let t0 = ContinuousClock.now

    func machine(maxDeliveries: Int = 3) throws -> ConsumerStateMachine {
        var configuration = try RedisStreamsConfiguration(url: "redis://127.0.0.1:1", consumer: "c1")
        configuration.stream = "orders"
        configuration.group = "g"
        configuration.eventsStream = "events"
        configuration.deadLetterStream = "dead"
        configuration.eventsMaxLength = 1000
        configuration.maxDeliveries = maxDeliveries
        configuration.block = .milliseconds(1500)
        configuration.claimIdle = .seconds(30)
        configuration.autoclaimInterval = .seconds(10)
        return ConsumerStateMachine(configuration: configuration)
    }

    /// Drives a fresh machine to `readingNew` with nothing pending and a finished autoclaim scan.
    func live(_ m: inout ConsumerStateMachine) throws {
        var fetch = m.nextFetch(freeWorkers: 4, now: t0)
        _ = try m.fetched(fetch, reply: .simpleString("OK"), now: t0)
        fetch = m.nextFetch(freeWorkers: 4, now: t0)
        _ = try m.fetched(fetch, reply: readReply([]), now: t0)
        fetch = m.nextFetch(freeWorkers: 4, now: t0)
        #expect(fetch == .autoclaim(cursor: "0-0", count: 4))
        _ = try m.fetched(fetch, reply: .array([bulk("0-0"), .array([]), .array([])]), now: t0)
    }

    @Test func startCreatesGroupThenReadsOwnPendingThenNew() throws {
        var m = try machine()
        let create = m.nextFetch(freeWorkers: 5, now: t0)
        #expect(create == .createGroup(startID: "$"))
        #expect(m.command(for: create) == ["XGROUP", "CREATE", "orders", "g", "$", "MKSTREAM"])
        // BUSYGROUP: someone created it already, which is just as good.
        #expect(try m.fetched(create, reply: .error("BUSYGROUP Consumer Group name already exists"), now: t0) == .batch(.init()))
        #expect(m.phase == .readingOwnPending(after: "0"))

        let pending = m.nextFetch(freeWorkers: 5, now: t0)
        #expect(m.command(for: pending) == ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "5", "STREAMS", "orders", "0"])
        #expect(m.extraTimeout(for: pending) == .zero)
        _ = try m.fetched(pending, reply: readReply([]), now: t0)
        #expect(m.phase == .readingNew)

        let claim = m.nextFetch(freeWorkers: 5, now: t0)
        #expect(m.command(for: claim) == ["XAUTOCLAIM", "orders", "g", "c1", "30000", "0-0", "COUNT", "5"])
        _ = try m.fetched(claim, reply: .array([bulk("0-0"), .array([])]), now: t0)

        let read = m.nextFetch(freeWorkers: 2, now: t0 + .seconds(1))
        #expect(read == .readNew(count: 2))
        #expect(m.command(for: read) == ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "BLOCK", "1500", "STREAMS", "orders", ">"])
        #expect(m.extraTimeout(for: read) == .milliseconds(1500))
        // BLOCK timed out: nil reply, nothing to do.
        #expect(try m.fetched(read, reply: .null, now: t0) == .batch(.init()))
        // After the autoclaim interval, the next fetch reclaims again.
        #expect(m.nextFetch(freeWorkers: 2, now: t0 + .seconds(11)) == .autoclaim(cursor: "0-0", count: 2))
    }

    @Test func otherErrorRepliesAreThrown() throws {
        var m = try machine()
        let create = m.nextFetch(freeWorkers: 1, now: t0)
        #expect(throws: RedisError.server("WRONGTYPE Operation against a key holding the wrong kind of value")) {
            try m.fetched(create, reply: .error("WRONGTYPE Operation against a key holding the wrong kind of value"), now: t0)
        }
    }

    @Test func newEntriesAreDeliveredWithReplyDestinations() throws {
        var m = try machine()
        try live(&m)
        let read = m.nextFetch(freeWorkers: 4, now: t0)
        let outcome = try m.fetched(read, reply: readReply([
            entry("1-0", [("order", #"{"type":"a"}"#)]),
            entry("1-1", [("order", #"{"type":"b","reply_to":"replies:json"}"#)]),
            entry("1-2", [("order", #"{"type":"c","reply_to":"replies:json"}"#), ("reply_to", "replies:field")]),
        ]), now: t0)
        guard case .batch(let batch) = outcome else { Issue.record("expected a batch"); return }
        #expect(batch.deliveries == [
            OrderDelivery(id: "1-0", payload: Array(#"{"type":"a"}"#.utf8), replyTo: nil, deliveryCount: 1),
            OrderDelivery(id: "1-1", payload: Array(#"{"type":"b","reply_to":"replies:json"}"#.utf8), replyTo: "replies:json", deliveryCount: 1),
            OrderDelivery(id: "1-2", payload: Array(#"{"type":"c","reply_to":"replies:json"}"#.utf8), replyTo: "replies:field", deliveryCount: 1),
        ])
        #expect(m.inFlight == ["1-0": 1, "1-1": 1, "1-2": 1])
        m.settled("1-1")
        #expect(m.inFlight.keys.sorted() == ["1-0", "1-2"])
    }

    @Test func invalidEntriesAreRejectedAndAcknowledged() throws {
        var m = try machine()
        try live(&m)
        let read = m.nextFetch(freeWorkers: 4, now: t0)
        let outcome = try m.fetched(read, reply: readReply([
            entry("2-0", [("payload", "{}")]),
            entry("2-1", [("order", "{not json"), ("reply_to", "replies:x")]),
            entry("2-2", [("order", "[1,2]")]),
        ]), now: t0)
        guard case .batch(let batch) = outcome else { Issue.record("expected a batch"); return }
        #expect(batch.deliveries.isEmpty)
        #expect(batch.rejections.map(\.id) == ["2-0", "2-1", "2-2"])
        #expect(batch.rejections[1].replyTo == "replies:x")
        #expect(m.inFlight.isEmpty)
        let settlements = m.settlements(for: batch)
        #expect(settlements.map(\.id) == ["2-0", "2-1", "2-2"])
        // The rejection of 2-1 goes to its reply stream and to the events stream.
        #expect(settlements[1].writes.map { String(decoding: $0.arguments[1], as: UTF8.self) } == ["replies:x", "events"])
        #expect(Array(settlements[1].writes[1].arguments.prefix(8)).map { String(decoding: $0, as: UTF8.self) }
                == ["XADD", "events", "MAXLEN", "~", "1000", "*", "event", String(decoding: settlements[1].writes[1].arguments[7], as: UTF8.self)])
        let event = String(decoding: settlements[1].writes[1].arguments[7], as: UTF8.self)
        #expect(event.contains(#""type":"order.rejected""#))
        #expect(event.contains(#""entry":"2-1""#))
    }

    @Test func ownPendingEntriesAreCountedThenDeliveredOrDeadLettered() throws {
        var m = try machine(maxDeliveries: 3)
        _ = try m.fetched(m.nextFetch(freeWorkers: 10, now: t0), reply: .simpleString("OK"), now: t0)
        let pending = m.nextFetch(freeWorkers: 10, now: t0)
        let outcome = try m.fetched(pending, reply: readReply([
            entry("3-0", [("order", "{}")]),
            entry("3-1", [("order", #"{"poison":true}"#), ("reply_to", "r")]),
            entry("3-2", nil),  // deleted from the stream while pending
            entry("3-3", [("order", "{}")]),
        ]), now: t0)
        guard case .countDeliveries(let commands) = outcome else { Issue.record("expected XPENDING lookups"); return }
        #expect(commands == [
            ["XPENDING", "orders", "g", "3-0", "3-0", "1", "c1"],
            ["XPENDING", "orders", "g", "3-1", "3-1", "1", "c1"],
            ["XPENDING", "orders", "g", "3-3", "3-3", "1", "c1"],
        ])
        // 3-3 is no longer ours (no row): it is left alone.
        let batch = try m.counted([pendingRow("3-0", deliveries: 2), pendingRow("3-1", deliveries: 4), .array([])])
        #expect(batch.deliveries.map(\.id) == ["3-0"])
        #expect(batch.deliveries.first?.deliveryCount == 2)
        #expect(batch.deadLetters.map(\.entry.id) == ["3-1"])
        #expect(batch.deadLetters.first?.deliveryCount == 4)
        #expect(batch.acknowledgeOnly == ["3-2"])
        #expect(m.phase == .readingOwnPending(after: "3-3"))

        let settlements = m.settlements(for: batch)
        #expect(settlements.map(\.id) == ["3-1", "3-2"])
        let deadWrite = settlements[0].writes[0].arguments.map { String(decoding: $0, as: UTF8.self) }
        #expect(Array(deadWrite.prefix(6)) == ["XADD", "dead", "MAXLEN", "~", "1000", "*"])
        #expect(deadWrite.contains("source_id") && deadWrite.contains("3-1") && deadWrite.contains("4"))
        #expect(settlements[0].writes.map { String(decoding: $0.arguments[1], as: UTF8.self) } == ["dead", "r", "events"])
        #expect(settlements[1].writes.isEmpty)

        #expect(m.nextFetch(freeWorkers: 10, now: t0) == .readPending(after: "3-3", count: 10))
    }

    @Test func replyToNamingAnOwnStreamIsDeadLetteredWithSecretsRedacted() throws {
        var m = try machine()
        try live(&m)
        let read = m.nextFetch(freeWorkers: 4, now: t0)
        let outcome = try m.fetched(read, reply: readReply([
            entry("5-0", [("order", #"{"password":"pw","reply_to":"events"}"#)]),
            entry("5-1", [("order", "{}"), ("reply_to", "orders"), ("token", "t")]),
            entry("5-2", [("order", "{}"), ("reply_to", "replies:ok")]),
        ]), now: t0)
        guard case .batch(let batch) = outcome else { Issue.record("expected a batch"); return }
        #expect(batch.deliveries.map(\.id) == ["5-2"])
        #expect(batch.deadLetters.map(\.entry.id) == ["5-0", "5-1"])
        #expect(batch.deadLetters.allSatisfy { $0.replyTo == nil && $0.reason != nil })
        let settlements = m.settlements(for: batch)
        // Nothing is written to the stream the entry named: the dead-letter stream and the events stream only.
        #expect(settlements[0].writes.map { String(decoding: $0.arguments[1], as: UTF8.self) } == ["dead", "events"])
        let copied = settlements.flatMap { $0.writes[0].arguments.map { String(decoding: $0, as: UTF8.self) } }
        #expect(copied.contains(#"{"password":"<redacted>","reply_to":"events"}"#))
        #expect(!copied.contains("pw") && !copied.contains("t"))
        #expect(m.command(for: m.nextFetch(freeWorkers: 3, now: t0)) ==
                ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "BLOCK", "1500", "STREAMS", "orders", ">"])
    }

    @Test func entriesInFlightAreNotHandedOutTwiceAfterReconnect() throws {
        var m = try machine()
        try live(&m)
        _ = try m.fetched(m.nextFetch(freeWorkers: 4, now: t0), reply: readReply([entry("4-0", [("order", "{}")])]), now: t0)
        #expect(m.inFlight == ["4-0": 1])
        // The read connection broke: a lost reply may have delivered entries to us, so re-read own pending.
        m.connectionLost()
        #expect(m.phase == .readingOwnPending(after: "0"))
        let pending = m.nextFetch(freeWorkers: 4, now: t0)
        let outcome = try m.fetched(pending, reply: readReply([entry("4-0", [("order", "{}")]), entry("4-1", [("order", "{}")])]), now: t0)
        guard case .countDeliveries(let commands) = outcome else { Issue.record("expected XPENDING lookups"); return }
        #expect(commands.count == 1)  // only 4-1: 4-0 is being worked on here
        let batch = try m.counted([pendingRow("4-1", deliveries: 2)])
        #expect(batch.deliveries.map(\.id) == ["4-1"])
    }

    @Test func lostGroupIsRecreatedFromTheStartOfTheStream() throws {
        var m = try machine()
        try live(&m)
        let read = m.nextFetch(freeWorkers: 1, now: t0)
        _ = try m.fetched(read, reply: .error("NOGROUP No such key 'orders' or consumer group 'g' in XREADGROUP with GROUP option"), now: t0)
        #expect(m.phase == .creatingGroup(startID: "0"))
        let create = m.nextFetch(freeWorkers: 1, now: t0)
        #expect(m.command(for: create) == ["XGROUP", "CREATE", "orders", "g", "0", "MKSTREAM"])
    }

    @Test func autoclaimReplyOfRedis62HasTwoElements() throws {
        var m = try machine()
        try live(&m)
        let claim = m.nextFetch(freeWorkers: 3, now: t0 + .seconds(20))
        #expect(claim == .autoclaim(cursor: "0-0", count: 3))
        let outcome = try m.fetched(claim, reply: .array([bulk("7-5"), .array([entry("7-1", [("order", "{}")])])]), now: t0 + .seconds(20))
        #expect(outcome == .countDeliveries([["XPENDING", "orders", "g", "7-1", "7-1", "1", "c1"]]))
        let batch = try m.counted([pendingRow("7-1", deliveries: 2)])
        #expect(batch.deliveries.map(\.deliveryCount) == [2])
        // The scan is not finished (cursor 7-5): it continues at once from there.
        #expect(m.nextFetch(freeWorkers: 3, now: t0 + .seconds(20)) == .autoclaim(cursor: "7-5", count: 3))
    }

    @Test func autoclaimReplyOfRedis7HasDeletedIDs() throws {
        var m = try machine()
        try live(&m)
        let claim = m.nextFetch(freeWorkers: 3, now: t0 + .seconds(20))
        let reply = RESPValue.array([bulk("0-0"), .array([entry("8-1", [("order", "{}")])]), .array([bulk("8-0")])])
        let parsed = try StreamReplies.autoclaim(reply)
        #expect(parsed.cursor == "0-0")
        #expect(parsed.entries.map(\.id) == ["8-1"])
        #expect(parsed.deletedIDs == ["8-0"])
        guard case .countDeliveries = try m.fetched(claim, reply: reply, now: t0 + .seconds(20)) else {
            Issue.record("expected XPENDING lookups"); return
        }
        _ = try m.counted([pendingRow("8-1", deliveries: 5)])
        // Scan finished: the next one waits for the interval.
        #expect(m.nextFetch(freeWorkers: 3, now: t0 + .seconds(21)) == .readNew(count: 3))
        #expect(m.nextFetch(freeWorkers: 3, now: t0 + .seconds(31)) == .autoclaim(cursor: "0-0", count: 3))
    }

    @Test func malformedAutoclaimRepliesAreRefused() {
        for reply: RESPValue in [.null, .array([bulk("0-0")]), .array([bulk("0-0"), .array([]), .array([]), .array([])]),
                                 .array([bulk("0-0"), .integer(1)])] {
            #expect(throws: RedisError.self) { try StreamReplies.autoclaim(reply) }
        }
    }

    @Test func neverAsksForMoreThanTheFreeWorkers() throws {
        var m = try machine()
        try live(&m)
        for free in [1, 7, 100] {
            #expect(m.nextFetch(freeWorkers: free, now: t0) == .readNew(count: free))
        }
    }
}

/// The commands of the ownership and trimming rules, as sent.
struct OwnershipCommandTests {
    @Test func guardedClaimAndSettle() {
        #expect(StreamCommands.guardedClaim(stream: "s", group: "g", consumer: "me", id: "1-0", minIdleMilliseconds: 1234)
                == ["XCLAIM", "s", "g", "me", "1234", "1-0", "JUSTID"])
        #expect(StreamCommands.guardedClaim(stream: "s", group: "g", consumer: "released", id: "1-0", minIdleMilliseconds: -5,
                                            setIdle: .seconds(90)) == ["XCLAIM", "s", "g", "released", "0", "1-0", "IDLE", "90000", "JUSTID"])
        #expect(StreamCommands.pendingOwner(stream: "s", group: "g", id: "1-0") == ["XPENDING", "s", "g", "1-0", "1-0", "1"])
        #expect(StreamCommands.settle(stream: "s", group: "g", ids: ["1-0", "2-0"], delete: true)
                == [["XACK", "s", "g", "1-0", "2-0"], ["XDEL", "s", "1-0", "2-0"]])
        #expect(StreamCommands.settle(stream: "s", group: "g", ids: ["1-0"], delete: false) == [["XACK", "s", "g", "1-0"]])
        #expect(StreamCommands.read(stream: "st", after: "5-0", count: 0, block: .seconds(2))
                == ["XREAD", "COUNT", "1", "BLOCK", "2000", "STREAMS", "st", "5-0"])
    }
}
