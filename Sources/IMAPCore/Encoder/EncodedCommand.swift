import NIOCore

/// The bytes of one tagged command, split at each synchronising literal: send `parts[0]`, and
/// before each following part wait for the server's `+` continuation. With non-synchronising
/// literals (LITERAL+/LITERAL-) the command is usually one part.
///
/// `description` shows only sizes: the bytes may hold a password.
public struct EncodedCommand: Hashable, Sendable, CustomStringConvertible {
    public var parts: [ByteBuffer]

    public init(parts: [ByteBuffer]) { self.parts = parts }

    public var description: String {
        "EncodedCommand(\(parts.count) parts, \(parts.map(\.readableBytes).reduce(0, +)) bytes)"
    }
}
