import Credentials
import IMAPClient

extension RemoteSettings {
    /// The configured mechanisms, in order, that the client implements (unknown names are
    /// reported by `clientConfiguration`).
    public var knownMechanisms: [AuthMechanism] {
        authMechanisms.compactMap { try? AuthMechanism(parsing: $0) }
    }

    /// The kinds of secret the configured mechanisms send.
    public var wantedSecrets: Set<AuthMechanism.Credential> { Set(knownMechanisms.map(\.credential)) }

    /// Fills each missing secret that a configured mechanism needs from its command, if one is
    /// configured. Run it right before connecting: a token command may hand out a fresh token.
    public mutating func runSecretCommands() throws(SecretCommandError) {
        let timeout = Duration.seconds(secretCommandTimeoutSeconds)
        let wanted = wantedSecrets
        if password == nil, wanted.contains(.password), let passwordCommand, !passwordCommand.isEmpty {
            password = try SecretCommand(passwordCommand, purpose: "the password command", timeout: timeout).run()
        }
        if oauthToken == nil, wanted.contains(.oauthToken), let oauthTokenCommand, !oauthTokenCommand.isEmpty {
            oauthToken = try SecretCommand(oauthTokenCommand, purpose: "the OAuth token command", timeout: timeout).run()
        }
    }

    /// True when some configured mechanism has its secret.
    public var hasSecretForAMechanism: Bool {
        let wanted = wantedSecrets
        return (wanted.contains(.password) && password != nil) || (wanted.contains(.oauthToken) && oauthToken != nil)
    }
}
