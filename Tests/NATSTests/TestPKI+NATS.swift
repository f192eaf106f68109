import TestSupport

extension TestPKI {
    /// nats-server configuration requiring TLS (and, with `verifyClients`, a client certificate).
    func serverConfig(verifyClients: Bool = false) -> String {
        var config = "tls {\n  cert_file: \"\(serverCert)\"\n  key_file: \"\(serverKey)\"\n  timeout: 5\n"
        if verifyClients { config += "  ca_file: \"\(caFile)\"\n  verify: true\n" }
        return config + "}\n"
    }
}
