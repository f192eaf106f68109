import Credentials
import Logging

/// How to connect. Every default is an exported constant, documented in docs/nats.md.
public struct NATSOptions: Sendable {
    public static let defaultURL = "nats://127.0.0.1:4222"
    /// What a server allows unless configured otherwise; replaced by INFO's max_payload.
    public static let defaultMaxPayload = 1024 * 1024
    public static let defaultConnectTimeout: Duration = .seconds(2)
    public static let defaultPingInterval: Duration = .seconds(120)
    public static let defaultMaxPingsOutstanding = 2
    public static let defaultReconnectWait: Duration = .seconds(2)
    public static let defaultMaxReconnectWait: Duration = .seconds(30)
    public static let defaultReconnectJitter: Duration = .milliseconds(100)
    public static let defaultReconnectJitterTLS: Duration = .seconds(1)
    public static let defaultMaxReconnectAttempts = 60
    public static let defaultReconnectBufferSize = 8 * 1024 * 1024
    public static let defaultPendingMessagesLimit = 512 * 1024
    public static let defaultPendingBytesLimit = 64 * 1024 * 1024
    public static let defaultMaxOutboundBytes = 8 * 1024 * 1024
    public static let defaultDrainTimeout: Duration = .seconds(30)
    public static let defaultInboxPrefix = "_INBOX"

    /// Servers to try, in order (`nats://`, `tls://`, user:password@ in the URL are understood).
    public var servers: [String] = [defaultURL]
    /// The connection's name, shown by the server's monitoring.
    public var name: String?
    public var user: String?
    public var password: Secret?
    public var token: Secret?
    /// Use TLS even when neither the URL nor the server asks for it.
    public var tlsRequired = false
    /// PEM file of the certificate authorities that sign the server's certificate.
    public var tlsCAFile: String?
    /// PEM files of a client certificate and its key, for servers that verify clients.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// Checks the server's certificate (chain and hostname). Only turn off in tests.
    public var tlsVerifyPeer = true
    public var connectTimeout: Duration = defaultConnectTimeout
    /// How often the client pings the server to detect a dead connection.
    public var pingInterval: Duration = defaultPingInterval
    /// Unanswered pings after which the connection is declared stale and reconnected.
    public var maxPingsOutstanding = defaultMaxPingsOutstanding
    public var allowReconnect = true
    /// Wait before the second attempt; doubled each further attempt up to `maxReconnectWait`.
    /// The first attempt after a disconnect is immediate.
    public var reconnectWait: Duration = defaultReconnectWait
    public var maxReconnectWait: Duration = defaultMaxReconnectWait
    /// A random extra wait in [0, jitter] so that clients do not reconnect in lockstep.
    public var reconnectJitter: Duration = defaultReconnectJitter
    /// Attempts after a disconnect before giving up; nil retries forever.
    public var maxReconnectAttempts: Int? = defaultMaxReconnectAttempts
    /// Bytes of publishes kept while disconnected, sent after reconnecting.
    public var reconnectBufferSize = defaultReconnectBufferSize
    /// Per subscription: messages and bytes buffered for a slow consumer before dropping.
    public var pendingMessagesLimit = defaultPendingMessagesLimit
    public var pendingBytesLimit = defaultPendingBytesLimit
    /// Bytes of commands waiting for the socket before `publish` waits (back-pressure).
    public var maxOutboundBytes = defaultMaxOutboundBytes
    /// Whether this connection receives its own publishes.
    public var echo = true
    public var drainTimeout: Duration = defaultDrainTimeout
    public var inboxPrefix = defaultInboxPrefix
    public var logger = Logger(label: "imapworker.nats")

    public init(servers: [String] = [defaultURL]) {
        self.servers = servers
    }

    public init(url: String) {
        self.servers = [url]
    }
}
