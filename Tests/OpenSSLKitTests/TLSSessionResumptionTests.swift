import NIOCore
import NIOPosix
import OpenSSLKit
import Testing
import TestSupport

/// Session resumption against a real `openssl s_server` serving two connections in turn: a
/// handler given a session key offers the session of the last connection with that key.
@Suite(.timeLimit(.minutes(1))) struct TLSSessionResumptionTests {
    private func twoConnectionServer(_ pki: TestPKI, _ options: [String] = []) async throws -> OpenSSLServer {
        try await OpenSSLServer.start(certificate: pki.serverCert, key: pki.serverKey, ["-rev"] + options, accepts: 2)
    }

    /// Two connections through one context; returns whether each was resumed.
    private func twoConnections(port: Int, context: TLSContext, keys: (String?, String?)) async throws -> (Bool, Bool) {
        var resumed: [Bool] = []
        for key in [keys.0, keys.1] {
            let (channel, handshake) = try await connectTLS(port: port, context: context, serverName: "localhost", sessionKey: key)
            resumed.append(try await handshake.get().resumed)
            // The echo proves the connection works, and lets the TLS 1.3 tickets arrive before the close.
            #expect(try await reverseEcho(channel, "abc\n") == "cba\n")
        }
        return (resumed[0], resumed[1])
    }

    @Test(arguments: [TLSVersion.v1_2, .v1_3])
    func secondConnectionWithTheSameKeyIsResumed(version: TLSVersion) async throws {
        let pki = try await TestPKI.shared.value
        let server = try await twoConnectionServer(pki)
        let context = try TLSContext(configuration: TLSConfiguration(caFile: pki.caFile, minimumVersion: version,
                                                                     maximumVersion: version))
        let (first, second) = try await twoConnections(port: server.port, context: context, keys: ("s:1", "s:1"))
        #expect(!first)
        #expect(second)
    }

    @Test func anotherKeyOrNoKeyIsNotResumed() async throws {
        let pki = try await TestPKI.shared.value
        let context = try TLSContext(configuration: TLSConfiguration(caFile: pki.caFile))
        let other = try await twoConnectionServer(pki)
        #expect(try await twoConnections(port: other.port, context: context, keys: ("a:1", "b:1")) == (false, false))
        let none = try await twoConnectionServer(pki)
        #expect(try await twoConnections(port: none.port, context: context, keys: (nil, nil)) == (false, false))
    }

    @Test func sharedContextIsOnePerConfiguration() async throws {
        let pki = try await TestPKI.shared.value
        let configuration = TLSConfiguration(caFile: pki.caFile, minimumVersion: .v1_2)
        let first = try TLSContext.shared(for: configuration)
        #expect(try TLSContext.shared(for: configuration) === first)
        #expect(try TLSContext.shared(for: TLSConfiguration(caFile: pki.caFile, minimumVersion: .v1_3)) !== first)
    }
}
