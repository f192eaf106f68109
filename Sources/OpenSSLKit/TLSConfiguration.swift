/// How a client verifies and talks TLS. A plain value: build a `TLSContext` from it once and share
/// that context between connections.
///
/// Trust: with neither `caFile` nor `caDirectory`, the system CA store is used
/// (`SSL_CTX_set_default_verify_paths`); otherwise only the given file and/or directory.
///
/// Pinning: when `pinnedFingerprints` is not empty, the leaf certificate must match one of them
/// (by the SHA-256 of its DER or of its SubjectPublicKeyInfo DER) *in addition to* the chain and
/// hostname checks. To trust a self-signed server by its pin alone, set `verifyPeer = false` and
/// give the pin: the pin is then the only check (and the hostname is not checked).
public struct TLSConfiguration: Sendable, Hashable {
    /// Verify the certificate chain and the host name. Turning this off makes the connection
    /// trivially interceptable unless `pinnedFingerprints` is set.
    public var verifyPeer: Bool
    /// PEM file of trusted CA certificates.
    public var caFile: String?
    /// Directory of trusted CA certificates in OpenSSL's hashed format (`openssl rehash`).
    public var caDirectory: String?
    public var minimumVersion: TLSVersion?
    public var maximumVersion: TLSVersion?
    /// OpenSSL cipher list for TLS 1.2 and below (`SSL_CTX_set_cipher_list`).
    public var cipherList: String?
    /// TLS 1.3 cipher suites (`SSL_CTX_set_ciphersuites`), e.g. "TLS_AES_128_GCM_SHA256".
    public var cipherSuites: String?
    /// Accepted leaf pins, `sha256$HEX` (hex in any case, colons allowed). Several values allow
    /// a key rollover.
    public var pinnedFingerprints: [String]
    /// Client certificate chain (PEM), sent when the server asks for one.
    public var certificateFile: String?
    /// Private key (PEM) of `certificateFile`.
    public var privateKeyFile: String?

    public init(
        verifyPeer: Bool = true,
        caFile: String? = nil,
        caDirectory: String? = nil,
        minimumVersion: TLSVersion? = nil,
        maximumVersion: TLSVersion? = nil,
        cipherList: String? = nil,
        cipherSuites: String? = nil,
        pinnedFingerprints: [String] = [],
        certificateFile: String? = nil,
        privateKeyFile: String? = nil
    ) {
        self.verifyPeer = verifyPeer
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.cipherList = cipherList
        self.cipherSuites = cipherSuites
        self.pinnedFingerprints = pinnedFingerprints
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }

    /// The default: system CA store, peer verification on, OpenSSL's default versions and ciphers.
    public static let `default` = TLSConfiguration()
}
