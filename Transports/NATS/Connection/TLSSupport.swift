import NIOCore

/// TLS for NATS connections. NATS upgrades in place: the server sends INFO in clear, then the
/// client starts the TLS handshake on the same socket, then sends CONNECT.
/// Backed by the project's OpenSSL layer (OpenSSLKit) once it provides a TLS handler.
struct TLSSupport: Sendable {
    init(options: NATSOptions) throws(NATSError) {
        throw NATSError.tls("TLS is not available in this build")
    }

    static func lazy(options: NATSOptions) -> TLSSupport? { nil }

    func addHandler(to channel: any Channel, serverName: String, before name: String) throws {
        throw NATSError.tls("TLS is not available in this build")
    }

    static func isHandshakeCompleted(_ event: Any) -> Bool { false }

    static func natsError(for event: Any) -> NATSError? { nil }
}
