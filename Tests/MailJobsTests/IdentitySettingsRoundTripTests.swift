import Credentials
import Foundation
import IMAPClient
import MailJobs
import MailStore
import TestSupport
import Testing

@Suite struct IdentitySettingsRoundTripTests {
    /// Every field of a client configuration, secrets by value, for comparison.
    func fields(_ c: IMAPClientConfiguration) -> [String] {
        [
            "\(c.server)", "\(c.kind)", "\(c.tls)", "\(c.tlsServerName ?? "-")", "\(c.proxy.map { "\($0)" } ?? "-")",
            c.username, c.password?.value ?? "-", c.oauthToken?.value ?? "-", "\(c.authMechanisms)", "\(c.compress)",
            "\(c.connectTimeout)", "\(c.commandTimeout)", "\(c.enableQResync)",
        ]
    }

    /// Settings with every field away from its default.
    func everything(connection: String, server: String) -> RemoteSettings {
        var defaults = WorkerConfiguration.IMAPSection()
        defaults.connectTimeoutSeconds = 7
        defaults.commandTimeoutSeconds = 9
        var s = RemoteSettings(server: server, login: "bob@example.org", password: Secret("pw-1"), defaults: defaults)
        s.oauthToken = Secret("tok-1")
        s.passwordCommand = "pass show mail"
        s.oauthTokenCommand = "oauth2 token"
        s.connection = connection
        if connection == "tunnel" { s.tunnelCommand = "ssh mail /usr/lib/dovecot/imap" }
        s.authMechanisms = ["XOAUTH2", "PLAIN"]
        s.compress = true
        s.proxy = "socks5h://127.0.0.1:1080"
        s.tlsServerName = "mail.example.org"
        s.tls.verify = false
        s.tls.caFile = "/etc/ca.pem"
        s.tls.caPath = "/etc/ssl/certs"
        s.tls.minVersion = "TLSv1.2"
        s.tls.maxVersion = "TLSv1.3"
        s.tls.ciphers = "ECDHE+AESGCM"
        s.tls.fingerprints = ["sha256$ab", "sha256$cd"]
        return s
    }

    @Test(arguments: [("imaps", "imap.example.org:993"), ("starttls", "imap.example.org:143"),
                      ("plain", "127.0.0.1:10143"), ("tunnel", ""), ("imaps", "[::1]:993")])
    func everySettingSurvivesTheStore(connection: String, server: String) throws {
        let settings = everything(connection: connection, server: server)
        let directory = try TemporaryDirectory(prefix: "identity-roundtrip")
        let store = try MailStore(path: directory.file("s.db"),
                                  options: .init(keySource: StoreKeySource(environmentVariable: nil, keyFile: directory.file("k"))))
        let added = try store.addIdentity(try RemoteIdentity(userID: "u1", settings: settings, mailboxes: ["INBOX", "Sent"]))
        let stored = try #require(try store.identity(id: added.id))
        #expect(stored == added)
        var defaults = WorkerConfiguration.IMAPSection()
        defaults.connectTimeoutSeconds = 7
        defaults.commandTimeoutSeconds = 9
        defaults.tls.minVersion = "TLSv1.3"  // the configuration's later defaults do not leak in
        defaults.authMechanisms = ["LOGIN"]
        let back = RemoteSettings(identity: stored, defaults: defaults)
        #expect(fields(try back.clientConfiguration()) == fields(try settings.clientConfiguration()))
        #expect(back.passwordCommand == settings.passwordCommand && back.oauthTokenCommand == settings.oauthTokenCommand)
        #expect(back.tunnelCommand == settings.tunnelCommand)
        #expect(stored.mailboxes == ["INBOX", "Sent"])
    }

    @Test func aliasesAreStoredAsTheirKind() throws {
        for (alias, kind) in [("imap-plain", RemoteIdentity.TLSSettings.Connection.plain), ("imap", .starttls), ("tls", .imaps)] {
            var settings = RemoteSettings(server: "IMAP.Example.org", login: "bob", password: nil,
                                          defaults: WorkerConfiguration.IMAPSection())
            settings.connection = alias
            let identity = try RemoteIdentity(userID: "u", settings: settings)
            #expect(identity.tls.connection == kind)
            #expect(identity.server == "imap.example.org:\(kind == .imaps ? 993 : 143)")
        }
    }
}
