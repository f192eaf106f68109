import IMAPClient
import OpenSSLKit
import SyncEngine
import SyncIMAP
import Testing

/// Every `[local]` / `[remote]` key either reaches the client configuration or is refused.
@Suite struct ConnectionMappingTests {
    @Test func imapsDefaults() throws {
        var settings = ConnectionSettings(side: .remote)
        settings.host = "imap.example.org"
        settings.username = "alice"
        settings.password = ConfigurationSecret("pw")
        let configuration = try IMAPConnectionMapping.configuration(for: settings, side: .remote)
        #expect(configuration.kind == .imaps)
        #expect(configuration.server == ServerAddress(host: "imap.example.org", port: 993))
        #expect(configuration.compress)
        #expect(configuration.authMechanisms == [.plain, .login])
        #expect(configuration.password?.value == "pw")
        #expect(configuration.tls.verifyPeer)
        #expect(configuration.enableQResync)
    }

    @Test func starttlsPlainAndServicePorts() throws {
        var settings = ConnectionSettings(side: .local)
        settings.type = .imap
        settings.port = "imap"
        #expect(try IMAPConnectionMapping.configuration(for: settings, side: .local).kind == .starttls(required: true))
        #expect(try IMAPConnectionMapping.configuration(for: settings, side: .local).server.port == 143)
        settings.startTLS = false
        settings.port = "1143"
        let plain = try IMAPConnectionMapping.configuration(for: settings, side: .local)
        #expect(plain.kind == .plain)
        #expect(plain.server.port == 1143)
        #expect(!plain.compress)
        settings.sslCAFile = "/etc/ca.pem"
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .local) }
        settings.sslCAFile = nil
        settings.port = "no-such-service-here"
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .local) }
    }

    @Test func tunnelCommands() throws {
        var settings = ConnectionSettings(side: .local)
        settings.type = .tunnel
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .local) }
        settings.command = "/usr/lib/dovecot/imap -c /etc/dovecot.conf"
        settings.nullStderr = true
        #expect(try IMAPConnectionMapping.configuration(for: settings, side: .local).kind
            == .tunnel(command: ["/usr/lib/dovecot/imap", "-c", "/etc/dovecot.conf"], nullStderr: true))
        settings.command = "ssh host 'imap' | cat"
        #expect(try IMAPConnectionMapping.configuration(for: settings, side: .local).kind
            == .tunnel(command: ["/bin/sh", "-c", "ssh host 'imap' | cat"], nullStderr: true))
        settings.port = "143"
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .local) }
    }

    @Test func tlsKeys() throws {
        var settings = ConnectionSettings(side: .remote)
        settings.sslProtocolMin = "TLSv1.2"
        settings.sslCipherList = "HIGH"
        settings.sslCipherSuites = "TLS_AES_128_GCM_SHA256"
        settings.sslFingerprints = [CertificateFingerprint(digest: String(repeating: "AB", count: 32))]
        settings.sslVerify = false
        settings.sslCAPath = "/etc/ssl/certs"
        settings.sslHostname = "mail.example.org"
        let configuration = try IMAPConnectionMapping.configuration(for: settings, side: .remote)
        #expect(configuration.tls.minimumVersion == .v1_2)
        #expect(configuration.tls.maximumVersion == nil)
        #expect(configuration.tls.cipherList == "HIGH")
        #expect(configuration.tls.cipherSuites == "TLS_AES_128_GCM_SHA256")
        #expect(configuration.tls.pinnedFingerprints == ["sha256$" + String(repeating: "ab", count: 32)])
        #expect(!configuration.tls.verifyPeer)
        #expect(configuration.tls.caDirectory == "/etc/ssl/certs")
        #expect(configuration.tlsServerName == "mail.example.org")

        settings.sslProtocolMin = "SSLv3"
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
        settings.sslProtocolMin = nil
        settings.sslFingerprints = [CertificateFingerprint(algorithm: "sha1", digest: "ab")]
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
        settings.sslFingerprints = []
        settings.sslVerify = true
        settings.sslHostname = ""
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
    }

    @Test func deprecatedProtocolList() throws {
        var settings = ConnectionSettings(side: .remote)
        settings.sslProtocols = ["!SSLv2", "!SSLv3", "!TLSv1", "!TLSv1.1"]
        let configuration = try IMAPConnectionMapping.configuration(for: settings, side: .remote)
        #expect(configuration.tls.minimumVersion == .v1_2)
        #expect(configuration.tls.maximumVersion == nil)
        settings.sslProtocols = ["!TLSv1.2"]
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
        settings.sslProtocols = ["TLSv1.2"]
        settings.sslProtocolMax = "TLSv1.3"
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
    }

    @Test func authenticationKeys() throws {
        var settings = ConnectionSettings(side: .remote)
        settings.authMechanisms = ["CRAM-MD5"]
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
        settings.authMechanisms = ["LOGIN"]
        settings.password = ConfigurationSecret("pw")
        settings.passwordCommand = "echo pw"
        #expect(throws: IMAPConnectionSettingsError.self) { try IMAPConnectionMapping.configuration(for: settings, side: .remote) }
        settings.password = nil
        settings.passwordCommand = "printf 'from-command\\nrest\\n'"
        #expect(try IMAPConnectionMapping.configuration(for: settings, side: .remote).password?.value == "from-command")
        settings.passwordCommand = nil
        settings.oauthTokenCommand = "echo token-123"
        let oauth = try IMAPConnectionMapping.configuration(for: settings, side: .remote)
        #expect(oauth.oauthToken?.value == "token-123")
        #expect(oauth.authMechanisms == [.oauthBearer, .xoauth2])
        settings.authMechanisms = ["XOAUTH2", "PLAIN"]
        #expect(try IMAPConnectionMapping.configuration(for: settings, side: .remote).authMechanisms == [.xoauth2])
    }

    @Test func proxy() throws {
        var settings = ConnectionSettings(side: .remote)
        settings.proxy = ProxySetting(scheme: .socks5h, username: "u", password: ConfigurationSecret("p"), host: "[::1]", port: "1081")
        let configuration = try IMAPConnectionMapping.configuration(for: settings, side: .remote)
        #expect(configuration.proxy?.address == ServerAddress(host: "::1", port: 1081))
        #expect(configuration.proxy?.remoteResolution == true)
        #expect(configuration.proxy?.username == "u")
        #expect(configuration.proxy?.password?.value == "p")
    }
}
