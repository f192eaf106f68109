import ArgumentParser
import Credentials
import Foundation

/// What of the remote options an order can carry: Caliopen's `login`, `password`, `server`. The
/// worker connects with its own `imap` settings (or the stored identity's), so connection flags
/// only make sense with --local.
extension RemoteOptions {
    func orderFields(identity: Bool) throws -> [String: String] {
        let localOnly: [(String, Bool)] = [
            ("--connection", connection != nil), ("--tunnel", tunnel != nil), ("--ca-file", caFile != nil),
            ("--ca-path", caPath != nil), ("--fingerprint", !fingerprint.isEmpty), ("--tls-min", tlsMin != nil),
            ("--tls-max", tlsMax != nil), ("--tls-server-name", tlsServerName != nil), ("--auth", auth != nil),
            ("--compress", compress != nil), ("--proxy", proxy != nil), ("--oauth-token", oauthToken != nil),
            ("--oauth-token-command", oauthTokenCommand != nil),
        ]
        if let flag = localOnly.first(where: { $0.1 })?.0 {
            throw ValidationError("""
                \(flag) needs --local: an order carries login, password, server and mailbox only, and the worker \
                connects with its own imap settings (or the stored identity's)
                """)
        }
        var fields: [String: String] = [:]
        if identity {
            if login != nil || !server.isEmpty {
                throw ValidationError("--login and --server cannot be used with --identifier: the identity stores how to connect")
            }
        } else {
            guard let login else { throw ValidationError("--login is required") }
            guard !server.isEmpty else { throw ValidationError("--server host:port is required") }
            fields["login"] = login
            fields["server"] = server
        }
        if let password = try orderPassword(prompt: !identity, login: login ?? "") { fields["password"] = password.value }
        return fields
    }

    /// The flag, the environment, the password command (run here), then — for an account that
    /// has no stored identity — the prompt. An identity's stored secret is the worker's business.
    private func orderPassword(prompt: Bool, login: String) throws -> Secret? {
        if let given = SecretSource.password.given(flag: pass) { return given }
        if let passwordCommand {
            return try SecretCommand(passwordCommand, purpose: "the password command", timeout: .seconds(60)).run()
        }
        return prompt ? try SecretSource.password.prompted(for: login) : nil
    }
}
