/// Why a TLS connection or context failed. Every case says what went wrong; OpenSSL's own text
/// (error queue or verification result) is carried along.
public enum TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The chain did not verify (text from `X509_verify_cert_error_string`, e.g.
    /// "unable to get local issuer certificate").
    case certificateUntrusted(String)
    /// The certificate is valid but not for the requested host name or IP address.
    case hostnameMismatch(String)
    /// Pins were configured and the leaf matched none; `presented` holds the fingerprints of the
    /// leaf certificate and of its public key, as `sha256$hex`.
    case pinMismatch(presented: [String])
    /// The two sides share no protocol version (e.g. client minimum TLS 1.3, server TLS 1.2 only).
    case protocolVersion(String)
    /// Any other handshake failure, with the OpenSSL error queue text.
    case handshake(String)
    /// The configuration cannot be used (missing CA file, bad cipher list, unreadable key, bad pin).
    case configuration(String)
    /// The peer closed the connection before the handshake completed.
    case unexpectedEOF
    /// A fatal TLS error after the handshake (bad record, alert from the peer), with the
    /// OpenSSL error queue text.
    case connection(String)

    public var description: String {
        switch self {
        case .certificateUntrusted(let why): "TLS: server certificate not trusted: \(why)"
        case .hostnameMismatch(let why): "TLS: server certificate does not match the host: \(why)"
        case .pinMismatch(let presented):
            "TLS: server certificate matches no pinned fingerprint (presented: \(presented.joined(separator: ", ")))"
        case .protocolVersion(let why): "TLS: no common protocol version: \(why)"
        case .handshake(let why): "TLS handshake failed: \(why)"
        case .configuration(let why): "TLS configuration error: \(why)"
        case .unexpectedEOF: "TLS: connection closed by the peer during the handshake"
        case .connection(let why): "TLS connection error: \(why)"
        }
    }
}
