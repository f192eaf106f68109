import OpenSSLKit
import Testing

@Suite struct SecretSealerTests {
    let secret = Array("p4ss-wörd".utf8)
    let row = Array("9B2D1D7C-0000-4000-8000-000000000001".utf8)

    @Test func sealsAndOpens() throws {
        let sealer = try SecretSealer(key: try SecretSealer.randomKey())
        let sealed = try sealer.seal(secret, associatedData: row)
        #expect(sealed.bytes.first == SealedSecret.version)
        #expect(sealed.bytes.count == 1 + 12 + secret.count + 16)
        #expect(try sealer.open(try SealedSecret(bytes: sealed.bytes), associatedData: row) == secret)
        #expect(try sealer.open(try sealer.seal([], associatedData: row), associatedData: row) == [])
        // A fresh nonce each time: the same secret never seals to the same bytes.
        let again = try sealer.seal(secret, associatedData: row)
        #expect(again.nonce != sealed.nonce && again.ciphertext != sealed.ciphertext)
    }

    @Test func anyChangeFailsAuthentication() throws {
        let sealer = try SecretSealer(key: try SecretSealer.randomKey())
        let sealed = try sealer.seal(secret, associatedData: row)
        let other = try SecretSealer(key: try SecretSealer.randomKey())
        #expect(throws: SecretSealingError.authenticationFailed) { try other.open(sealed, associatedData: row) }
        #expect(throws: SecretSealingError.authenticationFailed) { try sealer.open(sealed, associatedData: Array("other".utf8)) }
        for index in 1..<sealed.bytes.count {
            var bytes = sealed.bytes
            bytes[index] ^= 0x01
            #expect(throws: SecretSealingError.authenticationFailed) {
                try sealer.open(try SealedSecret(bytes: bytes), associatedData: row)
            }
        }
    }

    @Test func malformedValuesAndKeysAreTypedErrors() throws {
        #expect(throws: SecretSealingError.badKeyLength(16)) { try SecretSealer(key: [UInt8](repeating: 1, count: 16)) }
        #expect(throws: SecretSealingError.malformed("empty")) { try SealedSecret(bytes: []) }
        #expect(throws: SecretSealingError.malformed("unknown format version 2")) { try SealedSecret(bytes: [2] + [UInt8](repeating: 0, count: 40)) }
        #expect(throws: SecretSealingError.malformed("too short")) { try SealedSecret(bytes: [1, 0, 0]) }
    }
}
