import CHiredis

extension RESPValue {
    /// Converts a reply object returned by hiredis (`redisGetReply`, `redisReaderGetReply`) and
    /// frees it. This is the only place that frees replies: each object is freed exactly once.
    /// Recursion is bounded by hiredis itself, whose reader refuses nesting deeper than 7 levels.
    static func takeOwnership(of raw: UnsafeMutableRawPointer) -> RESPValue {
        defer { freeReplyObject(raw) }
        return convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            guard let str = r.str else { return .bulkString([]) }
            return .bulkString(Array(UnsafeRawBufferPointer(start: str, count: Int(r.len))))
        case REDIS_REPLY_STATUS:
            return .simpleString(text(r))
        case REDIS_REPLY_ERROR:
            return .error(text(r))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RESPValue] = []
            items.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                if let element = r.element?[index] { items.append(convert(element)) } else { items.append(.null) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func text(_ r: redisReply) -> String {
        guard let str = r.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: str, count: Int(r.len)), as: UTF8.self)
    }
}

/// hiredis's incremental RESP parser (`redisReader`): bytes in, `RESPValue`s out.
/// `next()` returns `nil` while a reply is incomplete and throws when the bytes are not RESP.
/// Used where bytes arrive from somewhere other than a hiredis context (and by the fixture tests).
public final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    public init() {
        // redisReaderCreate only fails when malloc does, which Swift treats as fatal anyway.
        guard let reader = redisReaderCreate() else { fatalError("redisReaderCreate: out of memory") }
        self.reader = reader
    }

    deinit { redisReaderFree(reader) }

    public func feed(_ bytes: [UInt8]) throws(RedisError) {
        let rc = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, $0.count) }
        }
        if rc != REDIS_OK { throw .protocolError(readerError()) }
    }

    public func next() throws(RedisError) -> RESPValue? {
        var raw: UnsafeMutableRawPointer?
        if redisReaderGetReply(reader, &raw) != REDIS_OK { throw .protocolError(readerError()) }
        guard let raw else { return nil }
        return RESPValue.takeOwnership(of: raw)
    }

    private func readerError() -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { cString(from: $0) }
    }
}

/// Reads a NUL-terminated C string out of a fixed-size `char[N]` field.
func cString(from buffer: UnsafeRawBufferPointer) -> String {
    let bytes = buffer.prefix { $0 != 0 }
    return String(decoding: bytes, as: UTF8.self)
}
