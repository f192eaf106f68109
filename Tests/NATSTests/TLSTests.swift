import Testing
import TestSupport
@testable import NATS

/// TLS through OpenSSLKit against a nats-server whose certificate is signed by a throwaway CA.
@Suite(.timeLimit(.minutes(1)))
struct TLSTests {
    private func roundTrip(_ client: NATSClient) async throws {
        let subscription = try client.subscribe("secure")
        try await client.flush()
        try await client.publish("secure", payload: "over tls")
        var iterator = subscription.makeAsyncIterator()
        #expect(await iterator.next()?.string == "over tls")
    }

    @Test func selfSignedCAIsAcceptedWithTheCAFileAndRefusedWithout() async throws {
        let certificates = try await TestPKI.shared.value
        let server = try await NATSServer(config: certificates.serverConfig())

        var trusting = testOptions("tls://127.0.0.1:\(server.port)")
        trusting.tlsCAFile = certificates.caFile
        let client = try await NATSClient.connect(trusting)
        #expect(client.serverInfo?.tlsRequired == true)
        try await roundTrip(client)
        await client.close()

        // A nats:// URL also upgrades, because INFO says tls_required.
        var upgraded = testOptions(server.url)
        upgraded.tlsCAFile = certificates.caFile
        let second = try await NATSClient.connect(upgraded)
        try await roundTrip(second)
        await second.close()

        // Without the CA, the server's certificate is not trusted.
        do {
            _ = try await NATSClient.connect(testOptions("tls://127.0.0.1:\(server.port)"))
            Issue.record("a certificate from an unknown CA was accepted")
        } catch let error as NATSError {
            guard case .tls(let reason) = error else {
                Issue.record("expected a TLS error, got \(error)")
                return
            }
            #expect(reason.contains("not trusted"), "\(reason)")
        }
    }

    @Test func clientCertificateWhenTheServerVerifiesClients() async throws {
        let certificates = try await TestPKI.shared.value
        let server = try await NATSServer(config: certificates.serverConfig(verifyClients: true))
        var options = testOptions("tls://127.0.0.1:\(server.port)")
        options.tlsCAFile = certificates.caFile
        options.tlsCertificateFile = certificates.clientCert
        options.tlsKeyFile = certificates.clientKey
        let client = try await NATSClient.connect(options)
        try await roundTrip(client)
        await client.close()

        var anonymous = testOptions("tls://127.0.0.1:\(server.port)")
        anonymous.tlsCAFile = certificates.caFile
        await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(anonymous) }
    }

    @Test func tlsURLAgainstAPlainServerFails() async throws {
        let server = try await NATSServer()
        await #expect(throws: NATSError.tls("the server does not offer TLS")) {
            _ = try await NATSClient.connect(testOptions("tls://127.0.0.1:\(server.port)"))
        }
    }

    @Test func missingCAFileFailsAtConnect() async throws {
        var options = testOptions("tls://127.0.0.1:1")
        options.tlsCAFile = "/nonexistent/ca.pem"
        await #expect(throws: NATSError.self) { _ = try await NATSClient.connect(options) }
    }
}
