import IMAPCore

extension IMAPSession {
    /// Uses the first configured mechanism the server offers (AUTH=…) and has a secret for,
    /// driven generically through its ``SASLMechanism``; LOGIN falls back to the LOGIN command
    /// unless the server says LOGINDISABLED.
    func authenticate() async throws {
        let withSecret = configuration.authMechanisms.filter { configuration.secret($0.credential) != nil }
        if withSecret.isEmpty, let first = configuration.authMechanisms.first {
            _ = try first.makeSASL(for: configuration)  // throws: names the missing secret
        }
        let offered = capabilities.compactMap(\.authMechanism).sorted()
        let loginDisabled = hasCapability(.loginDisabled)
        var chosen: (AuthMechanism, useLoginCommand: Bool)?
        for mechanism in withSecret {
            if hasCapability(.auth(mechanism.saslName)) {
                chosen = (mechanism, false)
                break
            }
            if mechanism == .login, !loginDisabled {
                chosen = (mechanism, true)
                break
            }
        }
        guard let (mechanism, useLoginCommand) = chosen else {
            throw IMAPClientError.noUsableAuthMechanism(offered: offered + (loginDisabled ? ["(LOGINDISABLED)"] : []))
        }
        let outcome: CommandOutcome
        if useLoginCommand {
            let login = Command.login(username: configuration.username, password: try AuthMechanism.password(configuration))
            outcome = try await submit(login, role: .login, { $0 }).value
        } else {
            let sasl = try mechanism.makeSASL(for: configuration)
            // Names only: what is sent holds the secret.
            logger.trace("AUTHENTICATE", metadata: ["mechanism": "\(sasl.name)", "sasl-ir": "\(hasCapability(.saslIR))"])
            outcome = try await submit(.capability, role: .authenticate(sasl), { $0 }).value
        }
        guard outcome.isOK else {
            // The server's text and the mechanism's safe detail, never ours: no secret in it.
            let detail = outcome.authenticationDetail.map { " (\($0))" } ?? ""
            throw IMAPClientError.authenticationFailed(
                "\(configuration.username) at \(configuration.server): \(outcome.response.text)\(detail)")
        }
    }
}
