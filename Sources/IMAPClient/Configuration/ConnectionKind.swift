/// How the client reaches the server.
public enum ConnectionKind: Sendable, Hashable {
    /// Implicit TLS (port 993).
    case imaps
    /// Plain TCP upgraded with STARTTLS. When `required` (the default) and the server does not
    /// advertise STARTTLS, the connection is aborted before any credential is sent.
    case starttls(required: Bool = true)
    /// Plain TCP with no TLS at all: only when explicitly configured (e.g. loopback).
    case plain
    /// Runs `command` and speaks IMAP on its stdin/stdout (e.g. `/usr/lib/dovecot/imap`).
    /// A PREAUTH greeting is accepted. `nullStderr` sends the command's stderr to /dev/null.
    case tunnel(command: [String], nullStderr: Bool = false)

    /// Parses the configuration-file spelling: `imaps`, `imap` (STARTTLS), `starttls`, `plain`.
    public init(parsing name: String) throws(IMAPClientError) {
        switch name.lowercased() {
        case "imaps", "tls": self = .imaps
        case "imap", "starttls": self = .starttls(required: true)
        case "imap-plain", "plain": self = .plain
        default: throw .configuration("unknown connection type \(name) (expected imaps, imap/starttls, plain or tunnel)")
        }
    }

    var defaultPort: Int {
        switch self {
        case .imaps: 993
        default: 143
        }
    }
}
