import Credentials
import ArgumentParser
import Foundation
import IMAPClient
import MailJobs

/// How to reach the remote account, as flags (each overrides the configuration file).
struct RemoteOptions: ParsableArguments {
    @Option(name: .long, help: "Remote login.")
    var login: String

    @Option(name: .long, help: "Remote password (or set IMAPWORKER_PASSWORD, or answer the prompt).")
    var pass: String?

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

    @Option(name: .long, help: "SASL mechanisms in order of preference, e.g. 'PLAIN LOGIN'.")
    var auth: String?

    @Flag(inversion: .prefixedNo, help: "Use COMPRESS=DEFLATE when offered (default from the configuration: off).")
    var compress: Bool?

    @Option(name: .long, help: "SOCKS5 proxy: socks5://[user:pass@]host:port or socks5h://…")
    var proxy: String?

    /// Settings from the configuration's defaults and these flags; asks for the password if
    /// `needPassword` and none was given.
    func settings(_ configuration: WorkerConfiguration, needPassword: Bool) throws -> RemoteSettings {
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
        settings.password = try PasswordSource.resolve(flag: pass, prompt: needPassword ? "Password for \(login): " : nil)
        return settings
    }
}

/// Where a password comes from: the flag, the IMAPWORKER_PASSWORD variable, or a prompt on the terminal.
enum PasswordSource {
    static let environmentVariable = "IMAPWORKER_PASSWORD"

    static func resolve(flag: String?, prompt: String?) throws -> Secret? {
        if let flag { return Secret(flag) }
        if let env = ProcessInfo.processInfo.environment[environmentVariable] { return Secret(env) }
        guard let prompt, isatty(STDIN_FILENO) == 1 else { return nil }
        return try readHidden(prompt: prompt).map { Secret($0) }
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
