/// The one place where a configured ``AuthMechanism`` becomes a ``SASLMechanism``: a new
/// mechanism is a new case here (and in ``AuthMechanism``); the session drives any of them.
extension AuthMechanism {
    /// The SASL name advertised as `AUTH=…`.
    var saslName: String { rawValue }

    func makeSASL(for configuration: IMAPClientConfiguration) throws(IMAPClientError) -> any SASLMechanism {
        switch self {
        case .plain:
            SASLPlain(username: configuration.username, password: try Self.password(configuration))
        case .login:
            SASLLogin(username: configuration.username, password: try Self.password(configuration))
        }
    }

    static func password(_ configuration: IMAPClientConfiguration) throws(IMAPClientError) -> String {
        guard let password = configuration.password else {
            throw .configuration("no password for \(configuration.username) (give --pass, the environment variable, or answer the prompt)")
        }
        return password.value
    }
}
