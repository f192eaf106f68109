import Foundation
import TestSupport

/// A throwaway certificate authority with a server certificate (for 127.0.0.1 and localhost) and
/// a client certificate, made with the `openssl` command line.
struct TestCertificates {
    let directory: TemporaryDirectory
    var caFile: String { directory.file("ca.pem") }
    var serverCertificate: String { directory.file("server.pem") }
    var serverKey: String { directory.file("server-key.pem") }
    var clientCertificate: String { directory.file("client.pem") }
    var clientKey: String { directory.file("client-key.pem") }

    static func make() async throws -> TestCertificates {
        let directory = try TemporaryDirectory(prefix: "nats-tls")
        let certificates = TestCertificates(directory: directory)
        try await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", directory.file("ca-key.pem"), "-out", certificates.caFile, "-days", "2",
                           "-subj", "/CN=imapworker test CA"])
        for (name, usage, san) in [("server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"),
                                   ("client", "clientAuth", "")] {
            let extensions = directory.file("\(name).ext")
            try (san + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=\(usage)\n")
                .write(toFile: extensions, atomically: true, encoding: .utf8)
            try await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                               "-keyout", directory.file("\(name)-key.pem"), "-out", directory.file("\(name).csr"),
                               "-subj", "/CN=\(name == "server" ? "localhost" : "nats-test-client")"])
            try await openssl(["x509", "-req", "-in", directory.file("\(name).csr"), "-CA", certificates.caFile,
                               "-CAkey", directory.file("ca-key.pem"), "-CAcreateserial", "-days", "2",
                               "-out", directory.file("\(name).pem"), "-extfile", extensions])
        }
        return certificates
    }

    private static func openssl(_ arguments: [String]) async throws {
        let result = try await runCommand("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw TestHarnessError("openssl \(arguments.first ?? "") failed: \(result.stderr)") }
    }

    /// nats-server configuration requiring TLS (and, with `verifyClients`, a client certificate).
    func serverConfig(verifyClients: Bool = false) -> String {
        var config = "tls {\n  cert_file: \"\(serverCertificate)\"\n  key_file: \"\(serverKey)\"\n  timeout: 5\n"
        if verifyClients { config += "  ca_file: \"\(caFile)\"\n  verify: true\n" }
        return config + "}\n"
    }
}
