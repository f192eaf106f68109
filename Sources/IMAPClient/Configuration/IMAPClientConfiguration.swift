import Credentials
import OpenSSLKit

/// Everything needed to open an authenticated IMAP session.
public struct IMAPClientConfiguration: Sendable {
    public var server: ServerAddress
    public var kind: ConnectionKind
    public var tls: TLSConfiguration
    /// The name checked against the server certificate and sent as SNI; defaults to `server.host`.
    public var tlsServerName: String?
    public var proxy: ProxyConfiguration?
    /// Login name; unused for a PREAUTH tunnel.
    public var username: String
    /// For PLAIN and LOGIN.
    public var password: Secret?
    /// An OAuth 2.0 access token, for XOAUTH2 and OAUTHBEARER.
    public var oauthToken: Secret?
    /// SASL mechanisms in order of preference; the first one the server advertises is used.
    public var authMechanisms: [AuthMechanism]
    /// Negotiate COMPRESS=DEFLATE when the server offers it.
    public var compress: Bool
    public var connectTimeout: Duration
    /// While a command is outstanding, the longest time without progress (a parsed response
    /// piece or a completed write) before the session fails with `timeout` (docs/imap-client.md).
    public var commandTimeout: Duration
    /// The largest message `uidFetchMessages` assembles; larger ones are skipped and reported.
    public var maxMessageSize: Int
    public static let defaultMaxMessageSize = 256 * 1024 * 1024
    /// Send `ENABLE CONDSTORE QRESYNC` after login when the server offers them.
    public var enableQResync: Bool
    /// The session's traffic, line by line, for debugging (nil: no trace, the default).
    public var wireTrace: IMAPWireTrace?
    /// For short sessions whose set-up is most of their time (`imapctl sync`): the session is
    /// handed over as soon as ENABLE is sent, so the first command follows it in the same round
    /// trip (``IMAPSession/enableSettled()`` waits for its answer, and ``IMAPSession/enabled`` is
    /// empty until then), and LOGOUT is sent without waiting for its answer. Off by default.
    public var pipelinesSetUp = false

    public init(server: ServerAddress, kind: ConnectionKind = .imaps, tls: TLSConfiguration = TLSConfiguration(),
                tlsServerName: String? = nil, proxy: ProxyConfiguration? = nil, username: String = "",
                password: Secret? = nil, oauthToken: Secret? = nil, authMechanisms: [AuthMechanism] = [.plain, .login], compress: Bool = false,
                connectTimeout: Duration = .seconds(30), commandTimeout: Duration = .seconds(120),
                enableQResync: Bool = true, maxMessageSize: Int = IMAPClientConfiguration.defaultMaxMessageSize,
                wireTrace: IMAPWireTrace? = nil) {
        self.wireTrace = wireTrace
        self.maxMessageSize = maxMessageSize
        self.server = server
        self.kind = kind
        self.tls = tls
        self.tlsServerName = tlsServerName
        self.proxy = proxy
        self.username = username
        self.password = password
        self.oauthToken = oauthToken
        self.authMechanisms = authMechanisms
        self.compress = compress
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.enableQResync = enableQResync
    }
}

/// The SASL mechanisms the client implements.
public enum AuthMechanism: String, Sendable, Hashable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"
    case xoauth2 = "XOAUTH2"
    case oauthBearer = "OAUTHBEARER"

    public init(parsing name: String) throws(IMAPClientError) {
        guard let m = AuthMechanism(rawValue: name.uppercased()) else {
            let supported = AuthMechanism.allCases.map(\.rawValue).joined(separator: ", ")
            throw .configuration("unsupported authentication mechanism \(name) (supported: \(supported))")
        }
        self = m
    }

    /// Which of the configuration's secrets the mechanism sends.
    public enum Credential: Sendable, Hashable {
        case password
        case oauthToken
    }

    public var credential: Credential {
        switch self {
        case .plain, .login: .password
        case .xoauth2, .oauthBearer: .oauthToken
        }
    }
}
