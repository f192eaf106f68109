import Foundation

/// Certificates made with the `openssl` CLI once per test process (TLS and NATS tests): a CA, a
/// server certificate it signed
/// (SAN DNS:localhost, IP:127.0.0.1), a client certificate it signed, an unrelated CA, a
/// self-signed server certificate, a hashed CA directory, and the server's pins as the CLI
/// computes them.
public final class TestPKI: Sendable {
    public let directory: TemporaryDirectory
    public var caFile: String { directory.file("ca.pem") }
    public var caDirectory: String { directory.file("cadir") }
    public var otherCAFile: String { directory.file("other-ca.pem") }
    public var serverCert: String { directory.file("server.pem") }
    public var serverKey: String { directory.file("server.key") }
    public var clientCert: String { directory.file("client.pem") }
    public var clientKey: String { directory.file("client.key") }
    public var selfSignedCert: String { directory.file("selfsigned.pem") }
    public var selfSignedKey: String { directory.file("selfsigned.key") }
    /// `sha256$AA:BB:…` as printed by `openssl x509 -fingerprint` (upper case, colons).
    public let serverCertPin: String
    /// `sha256$hex` of the server's SubjectPublicKeyInfo DER.
    public let serverSPKIPin: String
    public let selfSignedSPKIPin: String

    /// Shared by every test of the run (generation takes a moment).
    public static let shared = Task { try await TestPKI() }

    private init() async throws {
        directory = try TemporaryDirectory(prefix: "openssl-kit-pki")
        let d = directory.path
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Self.openssl(["req", "-x509"] + ec + ["-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem", "-days", "2",
                                "-subj", "/CN=OpenSSLKit Test CA",
                                "-addext", "basicConstraints=critical,CA:TRUE",
                                "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try await Self.openssl(["req", "-x509"] + ec + ["-keyout", "\(d)/other-ca.key", "-out", "\(d)/other-ca.pem",
                                "-days", "2", "-subj", "/CN=Unrelated CA",
                                "-addext", "basicConstraints=critical,CA:TRUE"])
        try await Self.openssl(["req", "-x509"] + ec + ["-keyout", "\(d)/selfsigned.key", "-out", "\(d)/selfsigned.pem",
                                "-days", "2", "-subj", "/CN=localhost",
                                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        try """
        subjectAltName=DNS:localhost,IP:127.0.0.1
        basicConstraints=CA:FALSE
        extendedKeyUsage=serverAuth
        """.write(toFile: "\(d)/server.ext", atomically: true, encoding: .utf8)
        try "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"
            .write(toFile: "\(d)/client.ext", atomically: true, encoding: .utf8)
        for (name, serial) in [("server", "2"), ("client", "3")] {
            try await Self.openssl(["req"] + ec + ["-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).csr",
                                    "-subj", "/CN=\(name == "server" ? "localhost" : "OpenSSLKit Test Client")"])
            try await Self.openssl(["x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/ca.pem",
                                    "-CAkey", "\(d)/ca.key", "-set_serial", serial, "-days", "2",
                                    "-extfile", "\(d)/\(name).ext", "-out", "\(d)/\(name).pem"])
        }
        try FileManager.default.createDirectory(atPath: "\(d)/cadir", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: "\(d)/ca.pem", toPath: "\(d)/cadir/ca.pem")
        try await Self.openssl(["rehash", "\(d)/cadir"])

        let fingerprint = try await Self.openssl(["x509", "-in", "\(d)/server.pem", "-noout", "-fingerprint", "-sha256"])
        guard let value = fingerprint.split(separator: "=").last else { throw TestHarnessError("no fingerprint: \(fingerprint)") }
        serverCertPin = "sha256$" + value.trimmingCharacters(in: .whitespacesAndNewlines)
        serverSPKIPin = try await Self.spkiPin(of: "\(d)/server.pem")
        selfSignedSPKIPin = try await Self.spkiPin(of: "\(d)/selfsigned.pem")
    }

    private static func spkiPin(of certificate: String) async throws -> String {
        let script = "openssl x509 -in \"$0\" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r"
        let result = try await runCommand("/bin/sh", ["-c", script, certificate])
        guard result.status == 0, let digest = result.stdout.split(separator: " ").first else {
            throw TestHarnessError("SPKI digest failed: \(result.stderr)")
        }
        return "sha256$" + digest
    }

    @discardableResult
    private static func openssl(_ arguments: [String]) async throws -> String {
        let result = try await runCommand("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw TestHarnessError("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }
}

