/// Pure decoders of the stream commands' replies. Each throws `RedisError.unexpectedReply` for a
/// shape it does not know; error replies are handled by the caller before these run.
public enum StreamReplies {
    /// XREADGROUP / XREAD: `nil` (BLOCK timed out) or `[[stream, [entry, …]], …]`.
    /// Returns the entries of all streams in reply order.
    public static func read(_ reply: RESPValue) throws(RedisError) -> [StreamEntry] {
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw .unexpectedReply("XREADGROUP: not an array") }
        var entries: [StreamEntry] = []
        for stream in streams {
            guard let pair = stream.array, pair.count == 2, let list = pair[1].array else {
                throw .unexpectedReply("XREADGROUP: stream element is not [name, entries]")
            }
            entries.reserveCapacity(entries.count + list.count)
            for item in list { entries.append(try entry(item)) }
        }
        return entries
    }

    /// XRANGE and the entry lists inside other replies: `[entry, …]`; `nil` elements are skipped.
    public static func entries(_ reply: RESPValue) throws(RedisError) -> [StreamEntry] {
        guard let list = reply.array else { throw .unexpectedReply("entry list is not an array") }
        var entries: [StreamEntry] = []
        for item in list where !item.isNull { entries.append(try entry(item)) }
        return entries
    }

    /// One entry: `[id, [field, value, …]]`, or `[id, nil]` for a pending entry deleted from the stream.
    public static func entry(_ reply: RESPValue) throws(RedisError) -> StreamEntry {
        guard let pair = reply.array, pair.count == 2, let id = pair[0].string else {
            throw .unexpectedReply("stream entry is not [id, fields]")
        }
        if pair[1].isNull { return StreamEntry(id: id, fields: nil) }
        guard let flat = pair[1].array, flat.count % 2 == 0 else {
            throw .unexpectedReply("stream entry fields are not name/value pairs")
        }
        var fields: [StreamField] = []
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index < flat.count {
            guard let name = flat[index].bytes, let value = flat[index + 1].bytes else {
                throw .unexpectedReply("stream entry field is not a string")
            }
            fields.append(StreamField(name: name, value: value))
            index += 2
        }
        return StreamEntry(id: id, fields: fields)
    }

    /// XAUTOCLAIM's reply. Redis 6.2 answers `[cursor, entries]`; Redis 7 adds a third element,
    /// the IDs it found deleted from the stream and already removed from the pending list.
    public struct AutoclaimReply: Sendable, Hashable {
        public var cursor: String
        public var entries: [StreamEntry]
        public var deletedIDs: [String]
    }

    public static func autoclaim(_ reply: RESPValue) throws(RedisError) -> AutoclaimReply {
        guard let parts = reply.array, parts.count == 2 || parts.count == 3, let cursor = parts[0].string else {
            throw .unexpectedReply("XAUTOCLAIM: not [cursor, entries] or [cursor, entries, deleted]")
        }
        let claimed = try entries(parts[1])
        var deleted: [String] = []
        if parts.count == 3 {
            guard let list = parts[2].array else { throw .unexpectedReply("XAUTOCLAIM: deleted IDs are not an array") }
            for item in list {
                guard let id = item.string else { throw .unexpectedReply("XAUTOCLAIM: deleted ID is not a string") }
                deleted.append(id)
            }
        }
        return AutoclaimReply(cursor: cursor, entries: claimed, deletedIDs: deleted)
    }

    /// One row of XPENDING's extended form.
    public struct PendingEntry: Sendable, Hashable {
        public var id: String
        public var consumer: String
        public var idleMilliseconds: Int64
        public var deliveries: Int
    }

    /// XPENDING's extended form: `[[id, consumer, idle-ms, delivery-count], …]`.
    public static func pendingEntries(_ reply: RESPValue) throws(RedisError) -> [PendingEntry] {
        guard let rows = reply.array else { throw .unexpectedReply("XPENDING: not an array") }
        var entries: [PendingEntry] = []
        for row in rows {
            guard let fields = row.array, fields.count == 4, let id = fields[0].string, let consumer = fields[1].string,
                  let idle = fields[2].integer, let count = fields[3].integer else {
                throw .unexpectedReply("XPENDING: row is not [id, consumer, idle, count]")
            }
            entries.append(PendingEntry(id: id, consumer: consumer, idleMilliseconds: idle, deliveries: Int(count)))
        }
        return entries
    }

    /// XPENDING's extended form → id → delivery count.
    public static func pendingDeliveryCounts(_ reply: RESPValue) throws(RedisError) -> [String: Int] {
        var counts: [String: Int] = [:]
        for entry in try pendingEntries(reply) { counts[entry.id] = entry.deliveries }
        return counts
    }

    /// XPENDING's summary form: `[count, min, max, consumers]` → count.
    public static func pendingTotal(_ reply: RESPValue) throws(RedisError) -> Int {
        guard let parts = reply.array, let first = parts.first, let count = first.integer else {
            throw .unexpectedReply("XPENDING summary: no count")
        }
        return Int(count)
    }
}
