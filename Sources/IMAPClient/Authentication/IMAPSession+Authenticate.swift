import IMAPCore

extension IMAPSession {
    /// Uses the first configured mechanism the server offers (AUTH=…), driven generically
    /// through its ``SASLMechanism``; LOGIN falls back to the LOGIN command unless the server
    /// says LOGINDISABLED.
    func authenticate() async throws {
        let offered = capabilities.compactMap(\.authMechanism).sorted()
        let loginDisabled = hasCapability(.loginDisabled)
        var chosen: (AuthMechanism, useLoginCommand: Bool)?
        for mechanism in configuration.authMechanisms {
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
