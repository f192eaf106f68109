/// Errors of the Redis transport. None of them ever carries a password: server messages about
/// authentication are Redis's own fixed texts, and URLs are never quoted back.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be understood; the reason names the part, never the URL itself.
    case invalidURL(String)
    /// `rediss://` was asked for; the hiredis this is built on (Debian's 0.14) has no TLS.
    case tlsUnsupported
    /// The TCP or unix-socket connection could not be made.
    case connectFailed(String)
    /// AUTH was refused (wrong password, unknown or disabled ACL user).
    case authenticationFailed(String)
    /// The connection broke while a command was in flight: it may or may not have run.
    case connectionLost(String)
    /// No reply within the command timeout; the connection is dropped and remade.
    case timeout
    /// The server answered with an error where the caller expected a value.
    case server(String)
    /// A reply had a shape the caller cannot use.
    case unexpectedReply(String)
    /// The bytes were not RESP (from `RESPReader`).
    case protocolError(String)
    /// Reconnecting kept failing for longer than the configured limit.
    case unavailable(String)
    /// The connection was closed by its owner.
    case closed
    /// `receive` was called while another `receive` of the same consumer was running.
    case concurrentReceive
    /// A caller passed a value the transport cannot use.
    case invalidArgument(String)

    /// The connection broke or timed out mid-command: retrying on a new connection may succeed.
    public var isConnectionFailure: Bool {
        switch self {
        case .connectionLost, .timeout: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let why): return "invalid Redis URL: \(why)"
        case .tlsUnsupported:
            return "rediss:// (TLS) is not supported: the hiredis this build uses (Debian's libhiredis 0.14) has no TLS; "
                + "use a unix socket (unix:///path) or a local TLS tunnel to a redis:// address"
        case .connectFailed(let why): return "cannot connect to Redis: \(why)"
        case .authenticationFailed(let why): return "Redis authentication failed: \(why)"
        case .connectionLost(let why): return "Redis connection lost: \(why)"
        case .timeout: return "Redis command timed out"
        case .server(let message): return "Redis error: \(message)"
        case .unexpectedReply(let why): return "unexpected Redis reply: \(why)"
        case .protocolError(let why): return "Redis protocol error: \(why)"
        case .unavailable(let why): return "Redis unavailable, gave up reconnecting: \(why)"
        case .closed: return "Redis connection closed"
        case .concurrentReceive: return "receive called while another receive of the same consumer is running"
        case .invalidArgument(let why): return "invalid argument: \(why)"
        }
    }
}
