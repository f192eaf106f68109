import NIOCore
import NIOPosix
import OpenSSLKit
import Testing
import TestSupport

/// Handshakes against a real `openssl s_server`: trust, host names, pins, versions, ciphers.
@Suite(.timeLimit(.minutes(1))) struct TLSHandshakeTests {
    private func reverseServer(_ pki: TestPKI, _ options: [String] = []) async throws -> OpenSSLServer {
        try await OpenSSLServer.start(certificate: pki.serverCert, key: pki.serverKey, ["-rev"] + options)
    }

    /// Makes s_server log the SNI it receives (it only looks at SNI with a second context).
    private func sniLogging(_ pki: TestPKI) -> [String] {
        ["-servername", "localhost", "-cert2", pki.serverCert, "-key2", pki.serverKey]
    }

    @Test func trustedCAFileRoundTrip() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki, sniLogging(pki))
        let (channel, handshake) = try await connectTLS(port: server.port, TLSConfiguration(caFile: pki.caFile),
                                                        serverName: "localhost")
        let completed = try await handshake.get()
        #expect(completed.protocolVersion == "TLSv1.3")
        #expect(completed.cipher.hasPrefix("TLS_"))
        #expect(try await reverseEcho(channel, "hello world\nsecond line\n") == "dlrow olleh\nenil dnoces\n")
        try await server.process.wait(timeout: .seconds(30))
        #expect(server.output.contains("Hostname in TLS extension: \"localhost\""))
    }

    @Test func caDirectoryIsTrusted() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let (channel, handshake) = try await connectTLS(port: server.port, TLSConfiguration(caDirectory: pki.caDirectory),
                                                        serverName: "localhost")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "abc\n") == "cba\n")
    }

    @Test func untrustedCAIsRefused() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let error = try await handshakeFailure(port: server.port, TLSConfiguration(caFile: pki.otherCAFile),
                                               serverName: "localhost")
        guard case .certificateUntrusted(let why) = error else {
            Issue.record("expected certificateUntrusted, got \(String(describing: error))")
            return
        }
        #expect(why.contains("unable to get local issuer certificate"))
    }

    @Test func systemStoreRefusesSelfSignedServer() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await OpenSSLServer.start(certificate: pki.selfSignedCert, key: pki.selfSignedKey, ["-rev"])
        let error = try await handshakeFailure(port: server.port, TLSConfiguration(), serverName: "localhost")
        guard case .certificateUntrusted(let why) = error else {
            Issue.record("expected certificateUntrusted, got \(String(describing: error))")
            return
        }
        #expect(why.contains("self-signed") || why.contains("self signed"))
    }

    @Test func wrongHostnameIsRefused() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let error = try await handshakeFailure(port: server.port, TLSConfiguration(caFile: pki.caFile),
                                               serverName: "imap.example.org")
        guard case .hostnameMismatch(let why) = error else {
            Issue.record("expected hostnameMismatch, got \(String(describing: error))")
            return
        }
        #expect(why.contains("imap.example.org"))
    }

    @Test func ipLiteralMatchesIPSubjectAltName() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki, sniLogging(pki))
        let (channel, handshake) = try await connectTLS(port: server.port, TLSConfiguration(caFile: pki.caFile),
                                                        serverName: "127.0.0.1")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "ip\n") == "pi\n")
        try await server.process.wait(timeout: .seconds(30))
        #expect(!server.output.contains("Hostname in TLS extension"))  // no SNI for an address
    }

    @Test func wrongIPLiteralIsRefused() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let error = try await handshakeFailure(port: server.port, TLSConfiguration(caFile: pki.caFile),
                                               serverName: "127.0.0.2")
        guard case .hostnameMismatch = error else {
            Issue.record("expected hostnameMismatch, got \(String(describing: error))")
            return
        }
    }

    @Test func certificatePinMatches() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let configuration = TLSConfiguration(caFile: pki.caFile, pinnedFingerprints: [pki.serverCertPin])
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "pinned\n") == "dennip\n")
    }

    /// A self-signed server trusted by its key pin alone (verifyPeer off, pin required).
    @Test func publicKeyPinMatchesWithoutChainVerification() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await OpenSSLServer.start(certificate: pki.selfSignedCert, key: pki.selfSignedKey, ["-rev"])
        let configuration = TLSConfiguration(verifyPeer: false, pinnedFingerprints: [pki.selfSignedSPKIPin])
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "spki\n") == "ikps\n")
    }

    @Test func publicKeyPinMatchesWithChainVerification() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let configuration = TLSConfiguration(caFile: pki.caFile, pinnedFingerprints: [pki.serverSPKIPin.uppercased()])
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "spki\n") == "ikps\n")
    }

    /// A pin does not replace chain verification while verifyPeer is on.
    @Test func pinDoesNotOverrideChainVerification() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await OpenSSLServer.start(certificate: pki.selfSignedCert, key: pki.selfSignedKey, ["-rev"])
        let configuration = TLSConfiguration(caFile: pki.caFile, pinnedFingerprints: [pki.selfSignedSPKIPin])
        let error = try await handshakeFailure(port: server.port, configuration, serverName: "localhost")
        guard case .certificateUntrusted = error else {
            Issue.record("expected certificateUntrusted, got \(String(describing: error))")
            return
        }
    }

    @Test func oneOfSeveralPinsMatches() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let old = "sha256$" + String(repeating: "ab", count: 32)
        let configuration = TLSConfiguration(caFile: pki.caFile, pinnedFingerprints: [old, pki.serverSPKIPin])
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "rollover\n") == "revollor\n")
    }

    @Test func wrongPinIsRefusedWithPresentedFingerprints() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let configuration = TLSConfiguration(caFile: pki.caFile, pinnedFingerprints: ["sha256$" + String(repeating: "0", count: 64)])
        let error = try await handshakeFailure(port: server.port, configuration, serverName: "localhost")
        let certPin = try CertificateFingerprint(parsing: pki.serverCertPin).description
        #expect(error == .pinMismatch(presented: [certPin, pki.serverSPKIPin]))
    }

    @Test func noCommonProtocolVersion() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki, ["-tls1_2"])
        let configuration = TLSConfiguration(caFile: pki.caFile, minimumVersion: .v1_3)
        let error = try await handshakeFailure(port: server.port, configuration, serverName: "localhost")
        guard case .protocolVersion(let why) = error else {
            Issue.record("expected protocolVersion, got \(String(describing: error))")
            return
        }
        #expect(why.contains("protocol version"))
    }

    @Test func cipherListSelectsTheTLS12Cipher() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki, ["-tls1_2"])
        let configuration = TLSConfiguration(caFile: pki.caFile, maximumVersion: .v1_2,
                                             cipherList: "ECDHE-ECDSA-CHACHA20-POLY1305")
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        #expect(try await handshake.get() == TLSHandshakeCompleted(protocolVersion: "TLSv1.2", cipher: "ECDHE-ECDSA-CHACHA20-POLY1305"))
        #expect(try await reverseEcho(channel, "tls12\n") == "21slt\n")
    }

    @Test func cipherSuitesSelectTheTLS13Suite() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki)
        let configuration = TLSConfiguration(caFile: pki.caFile, minimumVersion: .v1_3,
                                             cipherSuites: "TLS_CHACHA20_POLY1305_SHA256")
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        #expect(try await handshake.get() == TLSHandshakeCompleted(protocolVersion: "TLSv1.3", cipher: "TLS_CHACHA20_POLY1305_SHA256"))
        #expect(try await reverseEcho(channel, "tls13\n") == "31slt\n")
    }

    @Test func clientCertificateIsSentWhenRequired() async throws {
        let pki = try await TestPKI.shared.value
        let server = try await reverseServer(pki, ["-Verify", "1", "-CAfile", pki.caFile])
        let configuration = TLSConfiguration(caFile: pki.caFile, certificateFile: pki.clientCert,
                                             privateKeyFile: pki.clientKey)
        let (channel, handshake) = try await connectTLS(port: server.port, configuration, serverName: "localhost")
        _ = try await handshake.get()
        #expect(try await reverseEcho(channel, "mutual\n") == "lautum\n")
        try await server.process.wait(timeout: .seconds(30))
        #expect(server.output.contains("OpenSSLKit Test Client"))
    }

    @Test func peerClosingDuringHandshakeIsUnexpectedEOF() async throws {
        let dir = try TemporaryDirectory(prefix: "openssl-kit-eof")
        let port = try freeLoopbackPort()
        let script = """
        import socket, sys
        s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
        print("LISTENING", flush=True)
        c, _ = s.accept(); c.recv(4096); c.close()
        """
        let server = try ChildProcess("/usr/bin/python3", ["-c", script, String(port)], logDirectory: dir.path, name: "eof")
        while !server.stdout.contains("LISTENING") && server.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let error = try await handshakeFailure(port: port, TLSConfiguration(), serverName: "localhost")
        #expect(error == .unexpectedEOF)
    }
}
