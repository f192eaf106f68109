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

    /// `XPENDING s g id id 1`: owner, idle time and delivery count of one entry, whoever owns it.
    public static func pendingOwner(stream: String, group: String, id: String) -> RedisCommand {
        ["XPENDING", stream, group, id, id, "1"]
    }

    /// `XCLAIM s g c <min-idle> id [IDLE ms] JUSTID`: claims `id` for `consumer` only if it has
    /// been idle at least `minIdle` ms, without counting a delivery; `IDLE` sets its idle time
    /// afterwards (else it restarts at 0).
    ///
    /// The guard that makes refreshing race-safe: an entry's idle time only grows until someone
    /// claims or reads it, which restarts it at 0. Passing the idle time just seen in XPENDING
    /// (where we were the owner) as `minIdle`, the claim succeeds if nobody claimed it since, and
    /// does nothing if another consumer did: we never take an entry back.
    public static func guardedClaim(stream: String, group: String, consumer: String, id: String,
                                    minIdleMilliseconds: Int64, setIdle: Duration? = nil) -> RedisCommand {
        var command: RedisCommand = ["XCLAIM", stream, group, consumer, String(max(0, minIdleMilliseconds)), id]
        if let setIdle { command.append("IDLE"); command.append(milliseconds(setIdle)) }
        command.append("JUSTID")
        return command
    }

    /// `XACK s g id…`.
    public static func acknowledge(stream: String, group: String, ids: [String]) -> RedisCommand {
        var command: RedisCommand = ["XACK", stream, group]
        for id in ids { command.append(id) }
        return command
    }

    /// `XDEL s id…`: removes acknowledged orders from the stream, so that a password in a one-off
    /// order does not stay in Redis after its job.
    public static func delete(stream: String, ids: [String]) -> RedisCommand {
        var command: RedisCommand = ["XDEL", stream]
        for id in ids { command.append(id) }
        return command
    }

    /// XACK, then XDEL of the same entries when `delete` is set (one pipeline).
    public static func settle(stream: String, group: String, ids: [String], delete: Bool) -> [RedisCommand] {
        let ack = acknowledge(stream: stream, group: group, ids: ids)
        return delete ? [ack, self.delete(stream: stream, ids: ids)] : [ack]
    }

    /// `XREAD COUNT n BLOCK ms STREAMS s id`: entries after `id` (no group: every worker reads them).
    public static func read(stream: String, after id: String, count: Int, block: Duration) -> RedisCommand {
        ["XREAD", "COUNT", String(max(1, count)), "BLOCK", milliseconds(block), "STREAMS", stream, id]
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
