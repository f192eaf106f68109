import Foundation
import IMAPClient
import OpenSSLKit
import Testing
import TestSupport

/// Certificate checks on a real Dovecot: each refusal names its reason; nothing is retried without them.
@Suite(.serialized) struct TLSRefusalTests {
    let server: DovecotServer

    init() async throws {
        server = try await DovecotServer.start()
    }

    private func tlsError(_ configuration: IMAPClientConfiguration) async -> TLSError? {
        do {
            try await IMAPSession.withSession(configuration, logger: testLogger) { _ in }
            return nil
        } catch IMAPClientError.tls(let error) {
            return error
        } catch {
            Issue.record("expected a TLS error, got \(error)")
            return nil
        }
    }

    private func serverFingerprint() async throws -> String {
        let der = try await runCommand("/bin/sh", ["-c",
            "openssl x509 -in '\(server.directory)/ssl/server.pem' -outform DER | sha256sum | cut -d' ' -f1"])
        return "sha256$" + der.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func untrustedCAIsRefused() async throws {
        var configuration = server.clientConfiguration(.imaps)
        configuration.tls.caFile = nil  // the system store does not know the test CA
        guard case .certificateUntrusted? = await tlsError(configuration) else { Issue.record("not refused"); return }
        var starttls = server.clientConfiguration(.starttls(required: true))
        starttls.tls.caFile = nil
        guard case .certificateUntrusted? = await tlsError(starttls) else { Issue.record("STARTTLS not refused"); return }
    }

    @Test func wrongHostnameIsRefused() async throws {
        var configuration = server.clientConfiguration(.imaps)
        configuration.tlsServerName = "imap.wrong.example"
        guard case .hostnameMismatch? = await tlsError(configuration) else { Issue.record("not refused"); return }
    }

    @Test func pinnedFingerprints() async throws {
        let good = try await serverFingerprint()
        var wrong = server.clientConfiguration(.imaps)
        wrong.tls.pinnedFingerprints = ["sha256$" + String(repeating: "ab", count: 32)]
        guard case .pinMismatch(let presented)? = await tlsError(wrong) else { Issue.record("not refused"); return }
        #expect(presented.contains(good.lowercased()))

        var right = server.clientConfiguration(.imaps)
        right.tls.pinnedFingerprints = ["sha256$" + String(repeating: "00", count: 32), good.uppercased()]
        try await IMAPSession.withSession(right, logger: testLogger) { session in
            #expect(session.tlsDescription != nil)
        }
    }

    @Test func protocolBelowMinimumIsRefused() async throws {
        let port = try freeLoopbackPort()
        let logs = try TemporaryDirectory(prefix: "imapworker-tls12")
        let tls12 = try ChildProcess("/usr/bin/openssl", [
            "s_server", "-accept", "127.0.0.1:\(port)", "-tls1_2", "-quiet",
            "-cert", "\(server.directory)/ssl/server.pem", "-key", "\(server.directory)/ssl/server.key",
        ], logDirectory: logs.path, name: "s_server")
        defer { tls12.signal(SIGKILL) }
        try await waitForLoopbackPort(port)
        var configuration = server.clientConfiguration(.imaps)
        configuration.server = ServerAddress(host: "127.0.0.1", port: port)
        configuration.tls.minimumVersion = .v1_3
        guard case .protocolVersion? = await tlsError(configuration) else { Issue.record("not refused"); return }
    }
}
