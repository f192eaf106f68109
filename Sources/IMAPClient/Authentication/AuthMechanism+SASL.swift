import Credentials

/// The one place where a configured ``AuthMechanism`` becomes a ``SASLMechanism``: a new
/// mechanism is a new case here (and in ``AuthMechanism``); the session drives any of them.
extension AuthMechanism {
    /// The SASL name advertised as `AUTH=…`.
    var saslName: String { rawValue }

    /// The exchange for this mechanism with the configuration's secret; `configuration` error
    /// when that secret is missing or cannot be sent.
    public func makeSASL(for configuration: IMAPClientConfiguration) throws(IMAPClientError) -> any SASLMechanism {
        let username = configuration.username
        switch self {
        case .plain:
            return SASLPlain(username: username, password: try Self.password(configuration))
        case .login:
            return SASLLogin(username: username, password: try Self.password(configuration))
        case .xoauth2:
            return SASLXOAuth2(username: username, token: try Self.oauthToken(configuration))
        case .oauthBearer:
            // A tunnel has no server address to name.
            let named: Bool = if case .tunnel = configuration.kind { false } else { true }
            return SASLOAuthBearer(username: username, token: try Self.oauthToken(configuration),
                                   host: named ? configuration.server.host : nil,
                                   port: named ? configuration.server.port : nil)
        }
    }

    static func password(_ configuration: IMAPClientConfiguration) throws(IMAPClientError) -> String {
        guard let password = configuration.password else {
            throw .configuration("no password for \(configuration.username) (give --pass, the environment variable, a password command, or answer the prompt)")
        }
        return password.value
    }

    /// A bearer token is printable ASCII without spaces (RFC 6750 b64token is stricter); anything
    /// else would break the ^A-separated message, and is most likely a wrong value (a whole JSON
    /// answer, a second line). The token itself is never shown.
    static func oauthToken(_ configuration: IMAPClientConfiguration) throws(IMAPClientError) -> Secret {
        guard let token = configuration.oauthToken else {
            throw .configuration("no OAuth access token for \(configuration.username) (give --oauth-token, IMAPWORKER_OAUTH_TOKEN, a token command, or answer the prompt)")
        }
        guard !token.value.isEmpty, token.value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .configuration("the OAuth access token is empty or has characters a bearer token cannot have (spaces, control characters, non-ASCII)")
        }
        return token
    }
}

extension IMAPClientConfiguration {
    /// The secret of that kind, when the configuration holds one.
    public func secret(_ credential: AuthMechanism.Credential) -> Secret? {
        switch credential {
        case .password: password
        case .oauthToken: oauthToken
        }
    }
}
