import NIOCore

/// One operation sent by the server.
enum ServerOperation: Sendable, Equatable {
    case info(ServerInfo)
    case message(InboundMessage)
    case ping
    case pong
    case ok
    case error(String)
}

/// A MSG or HMSG as it came off the wire; headers are still the raw NATS/1.0 block.
struct InboundMessage: Sendable, Equatable {
    var subject: String
    var sid: UInt64
    var replyTo: String?
    /// The raw header block (HMSG only), from `NATS/1.0` to the blank line included.
    var headerBlock: ByteBuffer?
    var payload: ByteBuffer

    /// Bytes counted against a subscription's pending limit.
    var size: Int { payload.readableBytes + (headerBlock?.readableBytes ?? 0) }
}

/// The server sent something that is not NATS, or breaks a protocol bound.
public struct NATSProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "NATS protocol violation: \(reason)" }
}
