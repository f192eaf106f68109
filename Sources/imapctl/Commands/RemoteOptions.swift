import Credentials
import ArgumentParser
import Foundation
import IMAPClient
import MailJobs

/// How to reach the remote account, as flags (each overrides the configuration file).
struct RemoteOptions: ParsableArguments {
    @Option(name: .long, help: "Remote login.")
    var login: String

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
        if settings.tunnelCommand == nil && server.isEmpty {
            throw ValidationError("--server host:port is required (or --tunnel COMMAND)")
        }
        if let passwordCommand { settings.passwordCommand = passwordCommand }
        if let oauthTokenCommand { settings.oauthTokenCommand = oauthTokenCommand }
        settings.password = SecretSource.password.given(flag: pass)
        settings.oauthToken = SecretSource.oauthToken.given(flag: oauthToken)
        guard resolveSecrets else { return settings }
        try settings.runSecretCommands()
        if !settings.hasSecretForAMechanism, let first = settings.knownMechanisms.first {
            switch first.credential {
            case .password: settings.password = try SecretSource.password.prompted(for: login)
            case .oauthToken: settings.oauthToken = try SecretSource.oauthToken.prompted(for: login)
            }
        }
        return settings
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
