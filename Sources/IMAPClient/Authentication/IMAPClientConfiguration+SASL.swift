import Credentials

/// The one place that turns a configured mechanism and the configuration's secret into a SASL
/// exchange: the session drives whatever this returns.
extension IMAPClientConfiguration {
    /// The secret of that kind, when the configuration holds one.
    public func secret(_ credential: AuthMechanism.Credential) -> Secret? {
        switch credential {
        case .password: password
        case .oauthToken: oauthToken
        }
    }

    /// The exchange for `mechanism`, or nil when the secret it needs is missing.
    public func saslMechanism(_ mechanism: AuthMechanism) throws(IMAPClientError) -> (any SASLMechanism)? {
        guard let secret = secret(mechanism.credential) else { return nil }
        switch mechanism {
        case .plain:
            return SASLPlain(username: username, password: secret.value)
        case .login:
            return SASLLogin(username: username, password: secret.value)
        case .xoauth2:
            try Self.checkBearerToken(secret)
            return SASLXOAuth2(username: username, token: secret)
        case .oauthBearer:
            try Self.checkBearerToken(secret)
            // A tunnel has no server address to name.
            let named: Bool = if case .tunnel = kind { false } else { true }
            return SASLOAuthBearer(username: username, token: secret,
                                   host: named ? server.host : nil, port: named ? server.port : nil)
        }
    }

    /// A bearer token is printable ASCII without spaces (RFC 6750 b64token is stricter); anything
    /// else would break the ^A-separated message, and is most likely a wrong value (a whole JSON
    /// answer, a second line). The token itself is never shown.
    static func checkBearerToken(_ token: Secret) throws(IMAPClientError) {
        guard !token.value.isEmpty, token.value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .configuration("the OAuth access token is empty or has characters a bearer token cannot have (spaces, control characters, non-ASCII)")
        }
    }
}
