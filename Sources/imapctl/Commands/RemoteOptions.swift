import Credentials
import ArgumentParser
import Foundation
import IMAPClient
import MailJobs
import MailStore

/// How to reach the remote account, as flags (each overrides the configuration file).
struct RemoteOptions: ParsableArguments {
    @Option(name: .long, help: "Remote login.")
    var login: String?

    @Option(name: .long, help: "Remote password (or set IMAPWORKER_PASSWORD, use --password-command, or answer the prompt).")
    var pass: String?

    @Option(name: .long, help: "Shell command printing the password on its first line (overrides imap.password_command).")
    var passwordCommand: String?

    @Option(name: .long, help: "OAuth 2.0 access token for XOAUTH2/OAUTHBEARER (or set IMAPWORKER_OAUTH_TOKEN, use --oauth-token-command, or answer the prompt).")
    var oauthToken: String?

    @Option(name: .long, help: "Shell command printing the OAuth access token on its first line (overrides imap.oauth_token_command).")
    var oauthTokenCommand: String?

    @Option(name: .long, help: "Remote server as host:port.")
    var server: String = ""

    @Option(name: .long, help: "imaps, starttls, plain or tunnel (default from the configuration: imaps).")
    var connection: String?

    @Option(name: .long, help: "Shell command to run for a tunnel connection, e.g. '/usr/lib/dovecot/imap'.")
    var tunnel: String?

    @Option(name: .long, help: "CA bundle (PEM) to verify the server with.")
    var caFile: String?

    @Option(name: .long, help: "CA directory in OpenSSL hash format.")
    var caPath: String?

    @Option(name: .long, help: "Pinned fingerprint sha256$HEX of the certificate or its public key (repeatable).")
    var fingerprint: [String] = []

    @Option(name: .long, help: "Minimum TLS version (TLSv1.2, TLSv1.3).")
    var tlsMin: String?

    @Option(name: .long, help: "Maximum TLS version.")
    var tlsMax: String?

    @Option(name: .long, help: "Name sent in SNI and checked in the certificate (default: the server's host).")
    var tlsServerName: String?

    @Option(name: .long, help: "SASL mechanisms in order of preference, e.g. 'PLAIN LOGIN' or 'XOAUTH2'.")
    var auth: String?

    @Flag(inversion: .prefixedNo, help: "Use COMPRESS=DEFLATE when offered (default from the configuration: off).")
    var compress: Bool?

    @Option(name: .long, help: "SOCKS5 proxy: socks5://[user:pass@]host:port or socks5h://…")
    var proxy: String?

    /// Settings from the configuration's defaults and these flags. Secrets come from the flags,
    /// then the environment; with `resolveSecrets` (about to connect), then from the configured
    /// commands, and when no configured mechanism has one yet, from a prompt for the first
    /// mechanism's.
    func settings(_ configuration: WorkerConfiguration, resolveSecrets: Bool) throws -> RemoteSettings {
        guard let login else { throw ValidationError("--login is required") }
        var settings = RemoteSettings(server: server, login: login, password: nil, defaults: configuration.imap)
        if let connection { settings.connection = connection }
        if let tunnel {
            settings.tunnelCommand = tunnel
            settings.connection = "tunnel"
        }
        if let caFile { settings.tls.caFile = caFile }
        if let caPath { settings.tls.caPath = caPath }
        if !fingerprint.isEmpty { settings.tls.fingerprints = fingerprint }
        if let tlsMin { settings.tls.minVersion = tlsMin }
        if let tlsMax { settings.tls.maxVersion = tlsMax }
        if let auth { settings.authMechanisms = auth.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        if let compress { settings.compress = compress }
        if let proxy { settings.proxy = proxy }
        if let tlsServerName { settings.tlsServerName = tlsServerName }
        if settings.tunnelCommand == nil && server.isEmpty {
            throw ValidationError("--server host:port is required (or --tunnel COMMAND)")
        }
        if let passwordCommand { settings.passwordCommand = passwordCommand }
        if let oauthTokenCommand { settings.oauthTokenCommand = oauthTokenCommand }
        settings.password = SecretSource.password.given(flag: pass)
        settings.oauthToken = SecretSource.oauthToken.given(flag: oauthToken)
        if resolveSecrets { try Self.resolveSecrets(&settings) }
        return settings
    }

    /// A stored identity's settings. Only secrets may be given along (for an identity that
    /// stores none); any connection flag is refused, since the identity says how to connect.
    func settings(identity: RemoteIdentity, _ configuration: WorkerConfiguration) throws -> RemoteSettings {
        let given: [(String, Bool)] = [
            ("--login", login != nil), ("--server", !server.isEmpty), ("--connection", connection != nil),
            ("--tunnel", tunnel != nil), ("--ca-file", caFile != nil), ("--ca-path", caPath != nil),
            ("--fingerprint", !fingerprint.isEmpty), ("--tls-min", tlsMin != nil), ("--tls-max", tlsMax != nil),
            ("--tls-server-name", tlsServerName != nil), ("--auth", auth != nil), ("--compress", compress != nil),
            ("--proxy", proxy != nil), ("--password-command", passwordCommand != nil),
            ("--oauth-token-command", oauthTokenCommand != nil),
        ]
        if let flag = given.first(where: { $0.1 })?.0 {
            throw ValidationError("\(flag) cannot be used with --identifier: the identity stores how to connect")
        }
        var settings = RemoteSettings(identity: identity, defaults: configuration.imap)
        if settings.password == nil { settings.password = SecretSource.password.given(flag: pass) }
        if settings.oauthToken == nil { settings.oauthToken = SecretSource.oauthToken.given(flag: oauthToken) }
        // A tunnel is usually PREAUTH: no secret to look for.
        if identity.tls.connection != .tunnel { try Self.resolveSecrets(&settings) }
        return settings
    }

    /// Right before connecting: the configured commands, then a prompt for the first mechanism's
    /// secret when no configured mechanism has one yet.
    static func resolveSecrets(_ settings: inout RemoteSettings) throws {
        try settings.runSecretCommands()
        if !settings.hasSecretForAMechanism, let first = settings.knownMechanisms.first {
            switch first.credential {
            case .password: settings.password = try SecretSource.password.prompted(for: settings.login)
            case .oauthToken: settings.oauthToken = try SecretSource.oauthToken.prompted(for: settings.login)
            }
        }
    }
}

/// Where a password or an access token comes from when no command produces it: the flag, the
/// environment variable, or a prompt on the terminal.
enum SecretSource {
    case password
    case oauthToken

    var environmentVariable: String {
        switch self {
        case .password: "IMAPWORKER_PASSWORD"
        case .oauthToken: "IMAPWORKER_OAUTH_TOKEN"
        }
    }

    func given(flag: String?) -> Secret? {
        if let flag { return Secret(flag) }
        return ProcessInfo.processInfo.environment[environmentVariable].map { Secret($0) }
    }

    /// Asks on the terminal; nil when stdin is not one.
    func prompted(for login: String) throws -> Secret? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        switch self {
        case .password:
            return try Self.readHidden(prompt: "Password for \(login): ").map { Secret($0) }
        case .oauthToken:
            // A pasted token often brings a space along; a token never has one.
            return try Self.readHidden(prompt: "OAuth access token for \(login): ")
                .map { Secret($0.trimmingCharacters(in: .whitespaces)) }
        }
    }

    /// Reads a line from the terminal with echo off.
    private static func readHidden(prompt: String) throws -> String? {
        // Echo goes off before the prompt is shown, so nothing typed after it can be echoed.
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        FileHandle.standardError.write(Data(prompt.utf8))
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }
}
