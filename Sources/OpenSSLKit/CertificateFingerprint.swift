import COpenSSL

/// A SHA-256 certificate pin, written `sha256$HEX`.
///
/// Parsing accepts the algorithm name in any case, hex digits in any case, and colons between
/// digits (as `openssl x509 -fingerprint` prints them). A pin matches a certificate when it equals
/// the SHA-256 of the certificate's DER or of its SubjectPublicKeyInfo DER (so a pin on the key
/// survives re-issuing the certificate with the same key).
public struct CertificateFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let sha256: [UInt8]

    public init(sha256: [UInt8]) { self.sha256 = sha256 }

    public init(parsing text: String) throws(TLSError) {
        let prefix = "sha256$"
        guard text.count > prefix.count, text.prefix(prefix.count).lowercased() == prefix else {
            throw .configuration("pinned fingerprint must be of the form sha256$HEX")
        }
        var bytes: [UInt8] = []
        var high: UInt8?
        for c in text.utf8.dropFirst(prefix.utf8.count) {
            if c == UInt8(ascii: ":") {
                guard high == nil else { throw .configuration("pinned fingerprint has a colon inside a hex byte") }
                continue
            }
            guard let v = Self.hexValue(c) else {
                throw .configuration("pinned fingerprint has a character that is not a hex digit")
            }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        guard high == nil, bytes.count == 32 else {
            throw .configuration("a SHA-256 pinned fingerprint has 64 hex digits")
        }
        sha256 = bytes
    }

    /// `sha256$` followed by lower-case hex.
    public var description: String { "sha256$" + hex(sha256) }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The fingerprints of a certificate (`X509 *`): of its DER and of its SubjectPublicKeyInfo DER.
    static func fingerprints(of certificate: OpaquePointer) -> (certificate: CertificateFingerprint, publicKey: CertificateFingerprint)? {
        guard let der = derBytes({ i2d_X509(certificate, $0) }),
              let key = X509_get_X509_PUBKEY(certificate),
              let spki = derBytes({ i2d_X509_PUBKEY(key, $0) })
        else { return nil }
        return (CertificateFingerprint(sha256: SHA256.hash(der)), CertificateFingerprint(sha256: SHA256.hash(spki)))
    }

    /// Runs an `i2d_*` encoder twice: once for the length, once into a buffer of that length.
    private static func derBytes(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> [UInt8]? {
        let length = encode(nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return encode(&cursor)
        }
        return written == length ? out : nil
    }
}
