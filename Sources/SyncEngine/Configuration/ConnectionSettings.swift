/// One `[local]` or `[remote]` section, with InterIMAP 0.5.7's defaults applied.
public struct ConnectionSettings: Hashable, Sendable {
    public enum ConnectionType: String, Hashable, Sendable {
        case imap, imaps, tunnel
    }

    public var type: ConnectionType = .imaps
    public var host: String = "localhost"
    /// A number or a service name (InterIMAP resolves it with getaddrinfo). Default 993 for
    /// imaps, 143 for imap, none for a tunnel.
    public var port: String?
    public var proxy: ProxySetting?
    /// The tunnel's command: through `/bin/sh -c` when it has shell metacharacters.
    public var command: String?
    /// Used for `type = imap` only.
    public var startTLS = true
    /// Preferred SASL mechanisms, in order.
    public var authMechanisms = ["PLAIN", "LOGIN"]
    public var username: String?
    public var password: ConfigurationSecret?
    /// Default NO for `[local]`, YES for `[remote]`.
    public var compress: Bool
    public var nullStderr = false
    public var listReference = ""
    /// Deprecated by interimap in favour of ``sslProtocolMin`` / ``sslProtocolMax``.
    public var sslProtocols: [String]?
    public var sslProtocolMin: String?
    public var sslProtocolMax: String?
    public var sslCipherList: String?
    public var sslCipherSuites: String?
    /// Accepted SPKI digests (several for key rollover).
    public var sslFingerprints: [CertificateFingerprint] = []
    /// SNI name; default the host when it is a name, none for an IP literal; "" disables SNI.
    public var sslHostname: String?
    public var sslVerify = true
    public var sslCAPath: String?
    public var sslCAFile: String?

    // Our own keys (`x-…`, which interimap rejects as unknown):
    /// `x-password-command`: a command whose first output line is the password.
    public var passwordCommand: String?
    /// `x-oauth-token-command`: a command printing an OAuth 2.0 access token (XOAUTH2 /
    /// OAUTHBEARER instead of the password).
    public var oauthTokenCommand: String?

    public init(side: Side) {
        compress = side == .remote
    }
}

/// `proxy = socks5[h]://[user:password@]host[:port]`.
public struct ProxySetting: Hashable, Sendable {
    public enum Scheme: String, Hashable, Sendable {
        /// The client resolves the host name.
        case socks5
        /// The proxy resolves it.
        case socks5h
    }

    public var scheme: Scheme
    public var username: String?
    public var password: ConfigurationSecret?
    public var host: String
    /// Default 1080.
    public var port: String

    public init(scheme: Scheme, username: String? = nil, password: ConfigurationSecret? = nil,
                host: String, port: String = "1080") {
        self.scheme = scheme
        self.username = username
        self.password = password
        self.host = host
        self.port = port
    }
}

/// `[ALGO$]HEX` (ALGO default sha256).
public struct CertificateFingerprint: Hashable, Sendable {
    public var algorithm: String
    /// Lower-case hex digits.
    public var digest: String

    public init(algorithm: String = "sha256", digest: String) {
        self.algorithm = algorithm
        self.digest = digest.lowercased()
    }
}

/// A password from the file: never printed.
public struct ConfigurationSecret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
