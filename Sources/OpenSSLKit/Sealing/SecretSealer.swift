import COpenSSL

/// Seals small secrets (passwords, tokens) with AES-256-GCM. Each secret gets a fresh random
/// 96-bit nonce; the caller's associated data (e.g. the row's id) is authenticated, so a sealed
/// value only opens where it was sealed.
public struct SecretSealer: Sendable {
    public static let keyLength = 32
    private let key: [UInt8]

    public init(key: [UInt8]) throws(SecretSealingError) {
        guard key.count == Self.keyLength else { throw .badKeyLength(key.count) }
        self.key = key
    }

    /// 32 random bytes from OpenSSL's CSPRNG.
    public static func randomKey() throws(SecretSealingError) -> [UInt8] { try randomBytes(keyLength) }

    public func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws(SecretSealingError) -> SealedSecret {
        let nonce = try Self.randomBytes(SealedSecret.nonceLength)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: SealedSecret.tagLength)
        try withContext { (context: OpaquePointer) throws(SecretSealingError) in
            guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1 else {
                throw SecretSealingError.cipher("EVP_EncryptInit_ex")
            }
            var length: Int32 = 0
            if !associatedData.isEmpty {
                guard EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                    throw SecretSealingError.cipher("EVP_EncryptUpdate (associated data)")
                }
            }
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(context, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1 else {
                    throw SecretSealingError.cipher("EVP_EncryptUpdate")
                }
            }
            var scratch = [UInt8](repeating: 0, count: 16)
            guard EVP_EncryptFinal_ex(context, &scratch, &length) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(SealedSecret.tagLength), &tag) == 1 else {
                throw SecretSealingError.cipher("EVP_EncryptFinal_ex")
            }
        }
        return SealedSecret(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// The plaintext; `.authenticationFailed` for a wrong key, other associated data or altered bytes.
    public func open(_ sealed: SealedSecret, associatedData: [UInt8]) throws(SecretSealingError) -> [UInt8] {
        var plaintext = [UInt8](repeating: 0, count: sealed.ciphertext.count)
        var tag = sealed.tag
        try withContext { (context: OpaquePointer) throws(SecretSealingError) in
            guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, sealed.nonce) == 1 else {
                throw SecretSealingError.cipher("EVP_DecryptInit_ex")
            }
            var length: Int32 = 0
            if !associatedData.isEmpty {
                guard EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1 else {
                    throw SecretSealingError.cipher("EVP_DecryptUpdate (associated data)")
                }
            }
            if !sealed.ciphertext.isEmpty {
                guard EVP_DecryptUpdate(context, &plaintext, &length, sealed.ciphertext,
                                        Int32(sealed.ciphertext.count)) == 1 else {
                    throw SecretSealingError.cipher("EVP_DecryptUpdate")
                }
            }
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tag.count), &tag) == 1 else {
                throw SecretSealingError.cipher("EVP_CTRL_GCM_SET_TAG")
            }
            var scratch = [UInt8](repeating: 0, count: 16)
            guard EVP_DecryptFinal_ex(context, &scratch, &length) == 1 else {
                ERR_clear_error()
                throw SecretSealingError.authenticationFailed
            }
        }
        return plaintext
    }

    private func withContext(_ body: (OpaquePointer) throws(SecretSealingError) -> Void) throws(SecretSealingError) {
        guard let context = EVP_CIPHER_CTX_new() else { throw .cipher("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        try body(context)
    }

    private static func randomBytes(_ count: Int) throws(SecretSealingError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .cipher("RAND_bytes") }
        return bytes
    }
}

/// A sealed secret as stored: version byte, nonce, ciphertext, GCM tag.
public struct SealedSecret: Sendable, Hashable {
    /// Format 1: AES-256-GCM, 96-bit nonce, 128-bit tag.
    public static let version: UInt8 = 1
    public static let nonceLength = 12
    public static let tagLength = 16

    public let nonce: [UInt8]
    public let ciphertext: [UInt8]
    public let tag: [UInt8]

    init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// Parses the stored form; `.malformed` for a short value or an unknown version.
    public init(bytes: [UInt8]) throws(SecretSealingError) {
        guard let first = bytes.first else { throw .malformed("empty") }
        guard first == Self.version else { throw .malformed("unknown format version \(first)") }
        guard bytes.count >= 1 + Self.nonceLength + Self.tagLength else { throw .malformed("too short") }
        nonce = Array(bytes[1..<(1 + Self.nonceLength)])
        ciphertext = Array(bytes[(1 + Self.nonceLength)..<(bytes.count - Self.tagLength)])
        tag = Array(bytes[(bytes.count - Self.tagLength)...])
    }

    public var bytes: [UInt8] { [Self.version] + nonce + ciphertext + tag }
}

/// Why a secret could not be sealed or opened. Never carries the secret.
public enum SecretSealingError: Error, Sendable, Equatable, CustomStringConvertible {
    case badKeyLength(Int)
    case malformed(String)
    /// Wrong key, other associated data, or altered bytes.
    case authenticationFailed
    case cipher(String)

    public var description: String {
        switch self {
        case .badKeyLength(let n): "the key must be \(SecretSealer.keyLength) bytes, not \(n)"
        case .malformed(let why): "sealed secret is malformed: \(why)"
        case .authenticationFailed: "sealed secret does not open with this key (wrong key or altered value)"
        case .cipher(let call): "OpenSSL \(call) failed"
        }
    }
}
