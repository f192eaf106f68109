/// Fired by `TLSClientHandler` as a user inbound event once the handshake and every check
/// (chain, host name, pins) succeeded.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// As OpenSSL names it: "TLSv1.3", "TLSv1.2", …
    public let protocolVersion: String
    /// The negotiated cipher, e.g. "TLS_AES_256_GCM_SHA384" or "ECDHE-ECDSA-AES128-GCM-SHA256".
    public let cipher: String
    /// An earlier session with this server was resumed (no full handshake).
    public let resumed: Bool

    public init(protocolVersion: String, cipher: String, resumed: Bool = false) {
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.resumed = resumed
    }
}
