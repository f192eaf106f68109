import Foundation
import OpenSSLKit
import Testing
import TestSupport

@Suite struct CertificateFingerprintTests {

    @Test func acceptsCaseAndColons() throws {
        let plain = try CertificateFingerprint(parsing: "sha256$" + sample)
        let upper = try CertificateFingerprint(parsing: "SHA256$" + sample.uppercased())
        var pairs: [String] = []
        var rest = Substring(sample.uppercased())
        while !rest.isEmpty { pairs.append(String(rest.prefix(2))); rest = rest.dropFirst(2) }
        let colons = try CertificateFingerprint(parsing: "sha256$" + pairs.joined(separator: ":"))
        #expect(plain == upper)
        #expect(plain == colons)
        #expect(plain.sha256.count == 32)
        #expect(plain.sha256.first == 0x00 && plain.sha256[1] == 0x11 && plain.sha256.last == 0xff)
        #expect(colons.description == "sha256$" + sample)
    }

    @Test(arguments: [
        "", "sha256$", hexDigits(64), "sha1$" + hexDigits(40), "sha256:" + hexDigits(64), "sha256$" + hexDigits(62),
        "sha256$" + hexDigits(63), "sha256$" + hexDigits(66), "sha256$" + hexDigits(62) + "zz", "sha256$0:0" + hexDigits(62),
        "sha256$ " + hexDigits(64),
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: TLSError.self) { try CertificateFingerprint(parsing: text) }
    }

    @Test func parsesVersions() {
        #expect(TLSVersion(string: "TLSv1.2") == .v1_2)
        #expect(TLSVersion(string: "tlsv1.3") == .v1_3)
        #expect(TLSVersion(string: "TLS1.1") == .v1_1)
        #expect(TLSVersion(string: "1.0") == .v1)
        #expect(TLSVersion(string: "TLSv1") == .v1)
        #expect(TLSVersion(string: "TLSv1_2") == .v1_2)
        #expect(TLSVersion(string: "SSLv3") == nil)
        #expect(TLSVersion(string: "TLSv1.4") == nil)
        #expect(TLSVersion.allCases.allSatisfy { TLSVersion(string: $0.rawValue) == $0 })
    }
}

private let sample = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/// `n` hex digits.
private func hexDigits(_ n: Int) -> String { String(String(repeating: "0123456789abcdef", count: n / 16 + 1).prefix(n)) }

@Suite struct TLSContextConfigurationTests {
    private func configurationError(_ configuration: TLSConfiguration) -> String? {
        do {
            _ = try TLSContext(configuration: configuration)
            return nil
        } catch {
            guard case .configuration(let why) = error else { return "unexpected \(error)" }
            return why
        }
    }

    @Test func defaultContextLoadsTheSystemStore() throws {
        _ = try TLSContext(configuration: .default)
    }

    @Test func missingCAFile() {
        let why = configurationError(TLSConfiguration(caFile: "/nonexistent/ca.pem"))
        #expect(why?.contains("/nonexistent/ca.pem") == true)
        #expect(why?.contains("No such file") == true)
    }

    @Test func caDirectoryThatIsAFile() async throws {
        let pki = try await TestPKI.shared.value
        #expect(configurationError(TLSConfiguration(caDirectory: pki.caFile))?.contains("not a directory") == true)
    }

    @Test func caFileWithoutCertificates() throws {
        let dir = try TemporaryDirectory(prefix: "openssl-kit-conf")
        try "not a certificate\n".write(toFile: dir.file("junk.pem"), atomically: true, encoding: .utf8)
        #expect(configurationError(TLSConfiguration(caFile: dir.file("junk.pem")))?.contains("cannot load CA file") == true)
    }

    @Test func badCipherList() {
        #expect(configurationError(TLSConfiguration(cipherList: "NO-SUCH-CIPHER"))?.contains("NO-SUCH-CIPHER") == true)
        #expect(configurationError(TLSConfiguration(cipherSuites: "TLS_NO_SUCH_SUITE"))?.contains("TLS_NO_SUCH_SUITE") == true)
    }

    @Test func versionBounds() {
        #expect(configurationError(TLSConfiguration(minimumVersion: .v1_3, maximumVersion: .v1_2)) != nil)
    }

    @Test func unreadableOrMismatchedClientKey() async throws {
        let pki = try await TestPKI.shared.value
        let dir = try TemporaryDirectory(prefix: "openssl-kit-conf")
        try "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n"
            .write(toFile: dir.file("bad.key"), atomically: true, encoding: .utf8)
        let garbage = configurationError(TLSConfiguration(certificateFile: pki.clientCert, privateKeyFile: dir.file("bad.key")))
        #expect(garbage?.contains("cannot load client private key") == true)
        let missing = configurationError(TLSConfiguration(certificateFile: pki.clientCert, privateKeyFile: dir.file("none.key")))
        #expect(missing?.contains("No such file") == true)
        let mismatched = configurationError(TLSConfiguration(certificateFile: pki.clientCert, privateKeyFile: pki.serverKey))
        #expect(mismatched?.contains("mismatch") == true, "\(String(describing: mismatched))")
        #expect(configurationError(TLSConfiguration(certificateFile: pki.clientCert)) != nil)
    }

    @Test func badPin() {
        #expect(configurationError(TLSConfiguration(pinnedFingerprints: ["md5$00"])) != nil)
    }
}
