import NIOCore

/// The bytes of one tagged command, split at each synchronising literal: write part 0, and
/// before each following part wait for the server's `+` continuation. With non-synchronising
/// literals (LITERAL+/LITERAL-) the command is usually one part.
///
/// Each part is a list of buffers to write in order (``chunks``): an APPEND message is its
/// caller's `ByteBuffer` itself, never copied. ``parts`` joins them, which copies.
///
/// ``trace`` (only when the encoder was asked for it) holds each part's wire-trace text, its
/// credentials redacted unless the trace shows them.
///
/// `description` shows only sizes: the bytes may hold a password.
public struct EncodedCommand: Hashable, Sendable, CustomStringConvertible {
    public var chunks: [[ByteBuffer]]
    public var trace: [String]?

    public init(chunks: [[ByteBuffer]], trace: [String]? = nil) {
        self.chunks = chunks
        self.trace = trace
    }

    public init(parts: [ByteBuffer]) { self.chunks = parts.map { [$0] } }

    /// Each part as one buffer (copying the chunks of parts that have several).
    public var parts: [ByteBuffer] {
        chunks.map { part in
            guard part.count != 1 else { return part[0] }
            var joined = ByteBuffer()
            joined.reserveCapacity(part.reduce(0) { $0 + $1.readableBytes })
            for var chunk in part { joined.writeBuffer(&chunk) }
            return joined
        }
    }

    public var description: String {
        "EncodedCommand(\(chunks.count) parts, \(chunks.joined().map(\.readableBytes).reduce(0, +)) bytes)"
    }
}
