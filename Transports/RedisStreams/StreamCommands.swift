import BusTransport

/// The stream commands the consumer sends, built in one place. Durations go out in milliseconds.
public enum StreamCommands {
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    /// `XGROUP CREATE stream group startID MKSTREAM` (BUSYGROUP in reply means it already exists).
    public static func createGroup(stream: String, group: String, startID: String) -> RedisCommand {
        ["XGROUP", "CREATE", stream, group, startID, "MKSTREAM"]
    }

    /// `XREADGROUP GROUP g c COUNT n [BLOCK ms] STREAMS s id`; id `>` = new entries, other = own pending after id.
    public static func readGroup(stream: String, group: String, consumer: String, count: Int,
                                 block: Duration?, after id: String) -> RedisCommand {
        var command: RedisCommand = ["XREADGROUP", "GROUP", group, consumer, "COUNT", String(count)]
        if let block { command.append("BLOCK"); command.append(milliseconds(block)) }
        command.append("STREAMS"); command.append(stream); command.append(id)
        return command
    }

    /// `XAUTOCLAIM s g c min-idle-ms cursor COUNT n`.
    public static func autoclaim(stream: String, group: String, consumer: String, minIdle: Duration,
                                 cursor: String, count: Int) -> RedisCommand {
        ["XAUTOCLAIM", stream, group, consumer, milliseconds(minIdle), cursor, "COUNT", String(count)]
    }

    /// `XPENDING s g id id 1 consumer`: the delivery count of one entry of ours.
    public static func pendingEntry(stream: String, group: String, consumer: String, id: String) -> RedisCommand {
        ["XPENDING", stream, group, id, id, "1", consumer]
    }

    /// `XCLAIM s g c 0 id… JUSTID`: resets the idle time of entries we own (no delivery count change).
    public static func refreshClaim(stream: String, group: String, consumer: String, ids: [String]) -> RedisCommand {
        var command: RedisCommand = ["XCLAIM", stream, group, consumer, "0"]
        for id in ids { command.append(id) }
        command.append("JUSTID")
        return command
    }

    /// `XACK s g id…`.
    public static func acknowledge(stream: String, group: String, ids: [String]) -> RedisCommand {
        var command: RedisCommand = ["XACK", stream, group]
        for id in ids { command.append(id) }
        return command
    }

    /// `XADD s MAXLEN ~ n * field value …`.
    public static func add(stream: String, maxLength: Int, fields: [StreamField]) -> RedisCommand {
        var command: RedisCommand = ["XADD", stream, "MAXLEN", "~", String(maxLength), "*"]
        for field in fields { command.append(field.name); command.append(field.value) }
        return command
    }

    /// The XADDs that publish one event: to the order's reply stream (if any), then to the events stream.
    public static func publish(event: [UInt8], replyTo: String?, eventsStream: String, maxLength: Int) -> [RedisCommand] {
        let field = [StreamField(name: Array("event".utf8), value: event)]
        var commands: [RedisCommand] = []
        if let replyTo, replyTo != eventsStream { commands.append(add(stream: replyTo, maxLength: maxLength, fields: field)) }
        commands.append(add(stream: eventsStream, maxLength: maxLength, fields: field))
        return commands
    }
}

/// The events the transport writes by itself (the worker writes completion events).
public enum TransportEvents {
    /// `{"type":"order.rejected","stream":…,"entry":…,"reason":…}` for an entry that can never run.
    public static func rejected(stream: String, entry: String, reason: String) -> [UInt8] {
        Array(JSONText.object([
            ("type", JSONText.quoted("order.rejected")), ("stream", JSONText.quoted(stream)),
            ("entry", JSONText.quoted(entry)), ("reason", JSONText.quoted(reason)),
        ]).utf8)
    }

    /// `{"type":"order.dead_lettered",…,"deliveries":n,"dead_letter_stream":…}`.
    public static func deadLettered(stream: String, entry: String, deliveries: Int, deadLetterStream: String) -> [UInt8] {
        Array(JSONText.object([
            ("type", JSONText.quoted("order.dead_lettered")), ("stream", JSONText.quoted(stream)),
            ("entry", JSONText.quoted(entry)), ("deliveries", String(deliveries)),
            ("dead_letter_stream", JSONText.quoted(deadLetterStream)),
        ]).utf8)
    }
}
