import Foundation
import IMAPClient
import Testing
import TestSupport

/// Through a real SOCKS5 proxy (microsocks) with username/password authentication.
@Suite(.serialized) struct SOCKS5ProxyTests {
    let server: DovecotServer
    let proxyPort: Int
    let proxy: ChildProcess
    let logs: TemporaryDirectory

    init() async throws {
        server = try await DovecotServer.start()
        logs = try TemporaryDirectory(prefix: "imapworker-socks")
        proxyPort = try freeLoopbackPort()
        proxy = try ChildProcess("/usr/bin/microsocks", ["-i", "127.0.0.1", "-p", "\(proxyPort)", "-u", "proxyuser",
                                                         "-P", "proxy-pw"], logDirectory: logs.path, name: "microsocks")
        try await waitForLoopbackPort(proxyPort)
    }

    @Test(arguments: ["socks5", "socks5h"])
    func imapsThroughTheProxy(scheme: String) async throws {
        defer { if scheme == "socks5h" { proxy.signal(SIGKILL) } }
        var configuration = server.clientConfiguration(.imaps)
        // socks5h sends the name: the proxy resolves "localhost"; socks5 resolves it here.
        configuration.server = ServerAddress(host: "localhost", port: server.imapsPort)
        configuration.proxy = try ProxyConfiguration(url: "\(scheme)://proxyuser:proxy-pw@127.0.0.1:\(proxyPort)")
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            #expect(session.tlsDescription != nil)
            let status = try await session.status("INBOX", [.messages]).value
            #expect(status.messages != nil)
        }
    }

    @Test func wrongProxyPasswordIsAProxyError() async throws {
        var configuration = server.clientConfiguration(.starttls(required: true))
        configuration.proxy = try ProxyConfiguration(url: "socks5://proxyuser:wrong@127.0.0.1:\(proxyPort)")
        await #expect {
            try await IMAPSession.withSession(configuration, logger: testLogger) { _ in }
        } throws: { error in
            guard case IMAPClientError.proxy(let text) = error else { return false }
            return !text.contains("wrong")
        }
    }
}
