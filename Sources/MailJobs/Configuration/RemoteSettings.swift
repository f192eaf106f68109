import Credentials
import IMAPClient
import OpenSSLKit

/// How to reach one remote account: the configuration file's `imap` section, overridden by
/// whatever a command line, an identity or an order says. Turned into a client configuration
/// in one place so that imapctl and imapworker connect the same way.
public struct RemoteSettings: Sendable {
    public var server: String
    public var login: String
    public var password: Secret?
    /// OAuth 2.0 access token for XOAUTH2 / OAUTHBEARER.
    public var oauthToken: Secret?
    /// Shell commands that print the secret when it is not given (see `runSecretCommands`).
    public var passwordCommand: String?
    public var oauthTokenCommand: String?
    public var secretCommandTimeoutSeconds: Int
    /// imaps, starttls, plain, or tunnel (then `tunnelCommand` is run).
    public var connection: String
    /// A shell command line (run with /bin/sh -c, like mbsync's Tunnel and InterIMAP's command).
    public var tunnelCommand: String?
    public var authMechanisms: [String]
    public var compress: Bool
    public var proxy: String
    public var tls: WorkerConfiguration.TLSSection
    /// The name sent in SNI and checked in the certificate; nil: the server's host.
    public var tlsServerName: String?
    public var connectTimeoutSeconds: Int
    public var commandTimeoutSeconds: Int
    /// The session's traffic for `imapctl … --local --debug` (never set from a configuration or an order).
    public var wireTrace: IMAPWireTrace?

    public init(server: String, login: String, password: Secret?, defaults: WorkerConfiguration.IMAPSection) {
        self.server = server
        self.login = login
        self.password = password
        connection = defaults.connection
        authMechanisms = defaults.authMechanisms
        passwordCommand = defaults.passwordCommand.isEmpty ? nil : defaults.passwordCommand
        oauthTokenCommand = defaults.oauthTokenCommand.isEmpty ? nil : defaults.oauthTokenCommand
        secretCommandTimeoutSeconds = defaults.secretCommandTimeoutSeconds
        compress = defaults.compress
        proxy = defaults.proxy
        tls = defaults.tls
        connectTimeoutSeconds = defaults.connectTimeoutSeconds
        commandTimeoutSeconds = defaults.commandTimeoutSeconds
    }

    public func clientConfiguration() throws -> IMAPClientConfiguration {
        let kind: ConnectionKind
        if connection.lowercased() == "tunnel" || tunnelCommand != nil {
            guard let tunnelCommand, !tunnelCommand.isEmpty else {
                throw IMAPClientError.configuration("connection tunnel needs a tunnel command")
            }
            kind = .tunnel(command: ["/bin/sh", "-c", tunnelCommand], nullStderr: false)
        } else {
            kind = try ConnectionKind(parsing: connection)
        }
        let address: ServerAddress
        if case .tunnel = kind, server.isEmpty {
            address = ServerAddress(host: "tunnel", port: 0)
        } else {
            address = try ServerAddress(parsing: server, defaultPort: kind == .imaps ? 993 : 143)
        }
        var tlsConfiguration = TLSConfiguration()
        tlsConfiguration.verifyPeer = tls.verify
        tlsConfiguration.caFile = tls.caFile.isEmpty ? nil : tls.caFile
        tlsConfiguration.caDirectory = tls.caPath.isEmpty ? nil : tls.caPath
        tlsConfiguration.minimumVersion = try Self.version(tls.minVersion, key: "min_version")
        tlsConfiguration.maximumVersion = try Self.version(tls.maxVersion, key: "max_version")
        tlsConfiguration.cipherList = tls.ciphers.isEmpty ? nil : tls.ciphers
        tlsConfiguration.pinnedFingerprints = tls.fingerprints
        return IMAPClientConfiguration(
            server: address, kind: kind, tls: tlsConfiguration, tlsServerName: tlsServerName,
            proxy: proxy.isEmpty ? nil : try ProxyConfiguration(url: proxy),
            username: login, password: password, oauthToken: oauthToken,
            authMechanisms: try authMechanisms.map { try AuthMechanism(parsing: $0) },
            compress: compress,
            connectTimeout: .seconds(connectTimeoutSeconds), commandTimeout: .seconds(commandTimeoutSeconds),
            wireTrace: wireTrace)
    }

    private static func version(_ text: String, key: String) throws -> TLSVersion? {
        guard !text.isEmpty else { return nil }
        guard let version = TLSVersion(string: text) else {
            throw IMAPClientError.configuration("tls.\(key): unknown TLS version \(text) (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)")
        }
        return version
    }
}
