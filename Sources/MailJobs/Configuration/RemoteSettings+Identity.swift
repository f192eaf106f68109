import Foundation
import MailStore

/// The two conversions between what a command line or an order says (`RemoteSettings`) and what
/// an identity stores. Every setting is stored explicitly, so that an identity connects the way it
/// did when it was added whatever the configuration file says later; only the timeouts come from
/// the configuration at the time of use.
extension RemoteIdentity {
    /// The identity for an account reached with `settings`; throws when they could never connect.
    public init(id: UUID = UUID(), userID: String, settings: RemoteSettings,
                mailboxes: [String] = RemoteIdentity.defaultMailboxes) throws {
        _ = try settings.clientConfiguration()
        let connection: TLSSettings.Connection
        if settings.tunnelCommand != nil {
            connection = .tunnel
        } else if let parsed = TLSSettings.Connection(parsing: settings.connection) {
            connection = parsed
        } else {
            throw MailStoreError.invalidArgument("unknown connection type \(settings.connection)")
        }
        func given(_ text: String) -> String? { text.isEmpty ? nil : text }
        let tls = TLSSettings(
            connection: connection, tunnelCommand: settings.tunnelCommand, caFile: given(settings.tls.caFile),
            caPath: given(settings.tls.caPath), pinnedFingerprints: settings.tls.fingerprints,
            minimumVersion: given(settings.tls.minVersion), maximumVersion: given(settings.tls.maxVersion),
            ciphers: given(settings.tls.ciphers), serverName: settings.tlsServerName, verifyPeer: settings.tls.verify)
        self.init(id: id, userID: userID,
                  server: try NormalizedServer.normalize(settings.server, connection: connection),
                  login: settings.login, password: settings.password, oauthToken: settings.oauthToken,
                  passwordCommand: settings.passwordCommand, oauthTokenCommand: settings.oauthTokenCommand,
                  authMechanisms: settings.authMechanisms, tls: tls, proxy: given(settings.proxy),
                  compress: settings.compress, mailboxes: mailboxes.isEmpty ? RemoteIdentity.defaultMailboxes : mailboxes)
    }
}

extension RemoteSettings {
    /// How to reach a stored identity; `defaults` only gives the timeouts.
    public init(identity: RemoteIdentity, defaults: WorkerConfiguration.IMAPSection) {
        self.init(server: identity.server, login: identity.login, password: identity.password, defaults: defaults)
        oauthToken = identity.oauthToken
        passwordCommand = identity.passwordCommand
        oauthTokenCommand = identity.oauthTokenCommand
        connection = identity.tls.connection.rawValue
        tunnelCommand = identity.tls.connection == .tunnel ? identity.tls.tunnelCommand : nil
        authMechanisms = identity.authMechanisms
        compress = identity.compress
        proxy = identity.proxy ?? ""
        tlsServerName = identity.tls.serverName
        tls.verify = identity.tls.verifyPeer
        tls.caFile = identity.tls.caFile ?? ""
        tls.caPath = identity.tls.caPath ?? ""
        tls.minVersion = identity.tls.minimumVersion ?? ""
        tls.maxVersion = identity.tls.maximumVersion ?? ""
        tls.ciphers = identity.tls.ciphers ?? ""
        tls.fingerprints = identity.tls.pinnedFingerprints
    }
}
