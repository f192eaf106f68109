import IMAPCore

/// An opt-in trace of a session's traffic (`imapctl sync --debug`): every line the client
/// writes and the server sends, literal payloads as their size, credentials redacted unless
/// ``mode`` shows them. Off (nil in ``IMAPClientConfiguration/wireTrace``) by default, and then
/// nothing is rendered. ``sink`` runs on the connection's event loop: it must not block long.
public struct IMAPWireTrace: Sendable {
    public enum Direction: String, Sendable {
        case client = "C"
        case server = "S"
    }

    public var mode: WireTraceMode
    public var sink: @Sendable (Direction, String) -> Void

    public init(mode: WireTraceMode = .hidingSecrets, sink: @escaping @Sendable (Direction, String) -> Void) {
        self.mode = mode
        self.sink = sink
    }
}
