import IMAPCore
import OpenSSLKit

/// What can go wrong on an IMAP connection. Messages name the server's own words where there
/// are some, and never contain a credential.
public enum IMAPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(String)
    case connectFailed(String)
    case proxy(String)
    case tls(TLSError)
    /// STARTTLS was required and the server does not advertise it: nothing was sent.
    case startTLSUnavailable
    /// The server refused every configured mechanism, or said LOGINDISABLED.
    case noUsableAuthMechanism(offered: [String])
    case authenticationFailed(String)
    /// The server said BYE (its text is kept).
    case bye(String)
    /// The connection was closed or reset while a command was outstanding.
    case connectionClosed(String)
    case timeout(String)
    /// The server's bytes did not parse.
    case protocolError(String)
    /// A tagged NO or BAD for a command.
    case commandFailed(command: String, status: String, text: String, code: String?)
    case tunnel(String)
    /// The command needs an extension the server does not offer: nothing was sent.
    case missingCapability(command: String, capability: String)
    /// A streamed APPEND body ended before (or ran past) the byte count its literal announced:
    /// the command was made to fail, nothing of it was committed.
    case bodySizeMismatch(announced: Int, received: Int)

    public var description: String {
        switch self {
        case .configuration(let s): "configuration error: \(s)"
        case .connectFailed(let s): "cannot connect: \(s)"
        case .proxy(let s): "SOCKS proxy error: \(s)"
        case .tls(let e): "TLS error: \(e)"
        case .startTLSUnavailable: "the server does not offer STARTTLS, which is required: no credential was sent"
        case .noUsableAuthMechanism(let offered):
            "no configured authentication mechanism is offered by the server (it offers: \(offered.isEmpty ? "none" : offered.joined(separator: " ")))"
        case .authenticationFailed(let s): "authentication failed: \(s)"
        case .bye(let s): "the server closed the session: \(s)"
        case .connectionClosed(let s): "connection closed: \(s)"
        case .timeout(let s): "timeout: \(s)"
        case .protocolError(let s): "IMAP protocol error: \(s)"
        case .commandFailed(let command, let status, let text, let code):
            "\(command) failed: \(status)\(code.map { " [\($0)]" } ?? "") \(text)"
        case .tunnel(let s): "tunnel error: \(s)"
        case .missingCapability(let command, let capability):
            "\(command) needs \(capability), which the server does not offer: nothing was sent"
        case .bodySizeMismatch(let announced, let received):
            "an APPEND body announced \(announced) bytes but \(received) came: the APPEND was cancelled, nothing was stored"
        }
    }
}
