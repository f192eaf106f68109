/// Everything the client can fail with. Messages never contain passwords or tokens.
public enum NATSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A request reached no subscriber (the server answered with status 503).
    case noResponders
    /// A request or flush got no answer in time.
    case timeout
    /// The message (headers + payload) is larger than the server's max_payload.
    case maxPayloadExceeded(size: Int, max: Int)
    /// The server refused the credentials (its -ERR text, e.g. "Authorization Violation").
    case authorization(String)
    /// Publishing while disconnected, and the reconnect buffer is full.
    case reconnectBufferFull(limit: Int)
    /// The server sent something that is not NATS, or broke a protocol bound.
    case protocolViolation(String)
    /// The client is closed (by `close()`, `drain()`, or after giving up reconnecting).
    case connectionClosed
    /// The connection ended while a flush waited: what was published before it may be lost.
    case connectionLost
    /// No server could be reached (the last reason is given).
    case noServersAvailable(String)
    /// TLS could not be set up or was refused.
    case tls(String)
    /// The server reported an error (its -ERR text).
    case serverError(String)
    /// Two pings went unanswered.
    case staleConnection
    /// A subject, reply subject or queue name holds blanks or is empty.
    case invalidSubject(String)
    /// A header name or value would break the header block.
    case invalidHeader(String)
    /// An option or server URL is malformed.
    case invalidOption(String)
    /// Reconnecting stopped after the configured number of attempts.
    case maxReconnectAttemptsExceeded
    /// A socket error.
    case io(String)

    public var description: String {
        switch self {
        case .noResponders: "nats: no responders available for request"
        case .timeout: "nats: timeout"
        case .maxPayloadExceeded(let size, let max): "nats: message of \(size) bytes exceeds the server's max_payload of \(max) bytes"
        case .authorization(let text): "nats: authorization failed: \(text)"
        case .reconnectBufferFull(let limit): "nats: reconnect buffer full (\(limit) bytes) while disconnected"
        case .protocolViolation(let text): "nats: protocol violation: \(text)"
        case .connectionClosed: "nats: connection closed"
        case .connectionLost: "nats: connection lost before the server confirmed the publishes"
        case .noServersAvailable(let text): "nats: no servers available for connection (\(text))"
        case .tls(let text): "nats: TLS: \(text)"
        case .serverError(let text): "nats: server error: \(text)"
        case .staleConnection: "nats: stale connection (pings unanswered)"
        case .invalidSubject(let subject): "nats: invalid subject \"\(subject)\""
        case .invalidHeader(let name): "nats: invalid header \"\(name)\""
        case .invalidOption(let text): "nats: invalid option: \(text)"
        case .maxReconnectAttemptsExceeded: "nats: maximum reconnect attempts exceeded"
        case .io(let text): "nats: I/O error: \(text)"
        }
    }
}
