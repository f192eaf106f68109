/// What happened to the connection, in order, on `NATSClient.events`.
public enum NATSEvent: Sendable, Equatable {
    /// The first connection is up.
    case connected(server: String)
    /// The connection was lost (the reason, if known); the client reconnects unless told not to.
    case disconnected(reason: NATSError?)
    /// A new connection is up; subscriptions were re-sent and the reconnect buffer flushed.
    case reconnected(server: String)
    /// The server announced that it is shutting down (lame duck mode).
    case lameDuck
    /// A subscription's pending buffer overflowed: messages are being dropped.
    case slowConsumer(subject: String, sid: UInt64)
    /// The server reported an error that does not end the connection (e.g. a permissions violation).
    case serverError(String)
    /// The client closed for good (the reason, if it was not asked to).
    case closed(reason: NATSError?)
}
