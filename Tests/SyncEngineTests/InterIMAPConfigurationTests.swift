import Foundation
import Testing
import TestSupport
@testable import SyncEngine

@Suite("InterIMAP configuration file")
struct InterIMAPConfigurationTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/config/\(name)", withExtension: nil))
        return url.path
    }

    @Test("interimap.sample (the packaged example) with every default")
    func packagedSample() throws {
        let config = try InterIMAPConfiguration.load(path: try Self.fixture("interimap.sample"))
        #expect(config.database == "imap.example.net.db")
        #expect(config.databasePath(environment: ["HOME": "/home/g"]) == "/home/g/.local/share/interimap/imap.example.net.db")
        #expect(config.databasePath(environment: ["HOME": "/home/g", "XDG_DATA_HOME": "/data"]) == "/data/interimap/imap.example.net.db")
        #expect(config.listSelectOptions == ["SUBSCRIBED"])
        #expect(config.listMailbox.isEmpty)
        #expect(config.ignoreMailbox == "^virtual(?:\\x00|$)")
        #expect(config.local.type == .tunnel)
        #expect(config.local.command == "doveadm exec imap")
        #expect(config.local.nullStderr)
        #expect(config.local.port == nil)
        #expect(!config.local.compress)
        #expect(config.remote.type == .imaps)
        #expect(config.remote.host == "imap.example.net")
        #expect(config.remote.port == "993")
        #expect(config.remote.username == "guilhem")
        #expect(config.remote.password?.value == "xxxxxxxxxxxxxxxx")
        #expect(config.remote.compress)
        #expect(config.remote.startTLS)
        #expect(config.remote.sslVerify)
        #expect(config.remote.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(config.remote.sslFingerprints.isEmpty)
        #expect(config.warnings.isEmpty)
    }

    @Test("the multi-account guide's file: list-reference per side, database given")
    func multiAccount() throws {
        let config = try InterIMAPConfiguration.load(path: try Self.fixture("multi-account-personal"))
        #expect(config.database == "personal.db")
        #expect(config.local.listReference == "perso/")
        #expect(config.remote.listReference == "")
        #expect(config.local.command == "exec ~/.local/bin/dovecot-imap")
    }

    @Test("two tunnels, CRLF lines: the database defaults to localhost.db")
    func twoTunnels() throws {
        let config = try InterIMAPConfiguration.load(path: try Self.fixture("two-tunnels-crlf"))
        #expect(config.database == "localhost.db")
        #expect(config.remote.type == .tunnel)
        #expect(config.remote.command == "/usr/lib/dovecot/imap -c /etc/remote.conf")
        #expect(config.remote.port == nil)
    }

    @Test("every key, the default section inherited by both sides")
    func everyKey() throws {
        let config = try InterIMAPConfiguration.load(path: try Self.fixture("every-key"))
        #expect(config.database == "/var/lib/interimap/all.db")
        #expect(config.logfile == "/var/log/interimap.log")
        #expect(config.logPrefix == "%?n?%n: ?")
        #expect(config.listMailbox.map { String(decoding: $0, as: UTF8.self) }
                == ["INBOX", "Lists\u{0}D&AOk-veloppement", "with space", "q\"uote", "a*b", "%"])
        #expect(config.listSelectOptions == ["SUBSCRIBED", "RECURSIVEMATCH"])
        // Inherited from the default section unless the side sets it again.
        #expect(!config.local.sslVerify)
        #expect(config.remote.sslVerify)
        #expect(config.local.sslCAFile == "/etc/ssl/certs/ca-certificates.crt")
        #expect(config.remote.sslCAFile == "/etc/ssl/certs/ca-certificates.crt")

        #expect(config.local.type == .imap)
        #expect(config.local.host == "[127.0.0.1]")
        #expect(config.local.port == "imap")
        #expect(!config.local.startTLS)
        #expect(config.local.authMechanisms == ["LOGIN"])
        #expect(config.local.password?.value == "p@ss word")
        #expect(config.local.compress)
        #expect(config.local.listReference == "perso/")

        let remote = config.remote
        #expect(remote.port == "10993")
        #expect(remote.proxy == ProxySetting(scheme: .socks5h, username: "user", password: ConfigurationSecret("secret"),
                                             host: "[::1]", port: "9050"))
        #expect(remote.password?.value == "s3cret;x")
        #expect(remote.sslProtocols == ["!SSLv3", "!TLSv1"])
        #expect(remote.sslProtocolMin == "TLSv1.2")
        #expect(remote.sslProtocolMax == "TLSv1.3")
        #expect(remote.sslCipherList == "EECDH+AESGCM:!MEDIUM")
        #expect(remote.sslCipherSuites == "")
        #expect(remote.sslHostname == "")
        #expect(remote.sslCAPath == "/etc/ssl/certs")
        #expect(remote.nullStderr)
        #expect(remote.sslFingerprints == [
            CertificateFingerprint(digest: "29111aea5d5be7e448bdc5c6e8a9d03bc9221c53c09b1cfbe6f953221e24dda0"),
            CertificateFingerprint(digest: "b8b3a6c35a6c5deb7ae3e4c1b1f6d6a1a4d2f0c5e9b3a2d1c0b9a8f7e6d5c4b3"),
        ])
        #expect(!String(describing: remote).contains("s3cret"))
        #expect(!String(describing: remote).contains("secret"))
    }

    @Test("our x- keys")
    func ourKeys() throws {
        let config = try InterIMAPConfiguration.load(path: try Self.fixture("ours"))
        #expect(config.remote.oauthTokenCommand == "oauth2-helper --account me@gmail.com")
        #expect(config.remote.passwordCommand == "pass show mail/gmail")
        #expect(config.database == "imap.gmail.com.db")
    }

    @Test("the configuration path follows XDG, as interimap's")
    func configurationPath() {
        #expect(InterIMAPConfiguration.configurationPath(environment: ["HOME": "/home/g"]) == "/home/g/.config/interimap/config")
        #expect(InterIMAPConfiguration.configurationPath(environment: ["HOME": "/home/g", "XDG_CONFIG_HOME": "/cfg"])
                == "/cfg/interimap/config")
        #expect(InterIMAPConfiguration.configurationPath("work", environment: ["HOME": "/h"]) == "/h/.config/interimap/work")
        #expect(InterIMAPConfiguration.configurationPath("/etc/x", environment: ["HOME": "/h"]) == "/etc/x")
    }

    /// Files interimap 0.5.7 refuses while reading its configuration, and where we say so.
    static let rejected: [(String, String, String)] = [
        ("unknown key", "[local]\ntype = tunnel\ncommand = x\nfoo = 1\n[remote]\n", "f:4: [local] foo: unknown option"),
        ("unknown key in the default section", "colour = blue\n[local]\n[remote]\n", "f:1: [default] colour: unknown option"),
        ("bad type", "[local]\ntype = pop3\n[remote]\n", "f:2: [local] type: invalid value (expected imap, imaps or tunnel)"),
        ("bad YES/NO", "[local]\n[remote]\ncompress = maybe\n", "f:3: [remote] compress: invalid value (expected YES or NO)"),
        ("non-ASCII password", "[local]\n[remote]\npassword = pässword\n", "f:3: [remote] password: invalid value (expected ASCII characters)"),
        ("empty host", "[local]\nhost =\n[remote]\n", "f:2: [local] host: invalid value (expected a non-empty value without control characters)"),
        ("relative logfile", "logfile = log.txt\n[local]\n[remote]\n", "f:1: [default] logfile: invalid value (expected an absolute path)"),
        ("bad fingerprint", "[local]\n[remote]\nSSL_fingerprint = sha256$xyz\n",
         "f:3: [remote] SSL_fingerprint: invalid value (expected [ALGO$]HEXDIGEST values separated by single spaces)"),
        ("bad SSL_protocols", "[local]\n[remote]\nSSL_protocols = TLSv2\n",
         "f:3: [remote] SSL_protocols: invalid value (expected protocols such as TLSv1.2 or !TLSv1.1, separated by single spaces)"),
        ("bad auth list", "[local]\n[remote]\nauth = PLAIN  LOGIN\n",
         "f:3: [remote] auth: invalid value (expected mechanism names separated by single spaces)"),
        ("missing [remote]", "[local]\ntype = tunnel\ncommand = x\n", "f: [remote]: section missing"),
        ("syntax", "[local]\njust words\n[remote]\n", "f:2: syntax error: 'just words'"),
        ("list-select-opts with a parenthesis", "list-select-opts = (SUBSCRIBED)\n[local]\n[remote]\n",
         "f:1: [default] list-select-opts: invalid value (expected LIST selection options such as SUBSCRIBED)"),
    ]

    /// Values interimap reads but fails on later (connecting): we refuse them at once.
    static let rejectedEarly: [(String, String, String)] = [
        ("tunnel without command", "[local]\ntype = tunnel\n[remote]\n", "f:1: [local] command: required option missing"),
        ("unknown TLS version", "[local]\n[remote]\nSSL_protocol_min = TLSv9\n",
         "f:3: [remote] SSL_protocol_min: invalid value (expected SSLv3, TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)"),
        ("bad proxy", "[local]\n[remote]\nproxy = http://proxy:3128\n",
         "f:3: [remote] proxy: invalid value (expected socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://…)"),
        ("bad list-mailbox", "list-mailbox = \"unterminated\n[local]\n[remote]\n",
         "f:1: [default] list-mailbox: invalid value (expected mailbox patterns separated by blanks, quoted when they hold special characters)"),
        ("bad ignore-mailbox", "ignore-mailbox = ^(unclosed\n[local]\n[remote]\n",
         "f:1: [default] ignore-mailbox: invalid value (expected a regular expression)"),
    ]

    @Test("bad files name the file, line, section and key", arguments: rejected + rejectedEarly)
    func rejects(_ row: (String, String, String)) {
        let error = #expect(throws: InterIMAPConfigurationError.self, "\(row.0)") {
            try InterIMAPConfiguration.parse(row.1, file: "f")
        }
        #expect(error?.description == row.2, "\(row.0)")
    }

    @Test("a rejected password is never repeated in the error")
    func secretsStayOut() {
        let error = #expect(throws: InterIMAPConfigurationError.self) {
            try InterIMAPConfiguration.parse("[local]\n[remote]\npassword = hünter2\n", file: "f")
        }
        #expect(error?.description.contains("hünter2") == false)
    }

    @Test("comments, blanks, repeated keys and sections as Config::Tiny reads them")
    func iniSyntax() throws {
        let text = """
              # comment
            ; comment
            [ local ]
            type=tunnel
            command = first
            command = a ; b
            [remote]
            host = one
            password = a=b = c
            [local]
            null-stderr = yes
            [extra]
            anything = goes
            """
        let config = try InterIMAPConfiguration.parse(text, file: "f")
        #expect(config.local.command == "a")
        #expect(config.local.nullStderr)
        #expect(config.remote.host == "one")
        #expect(config.remote.password?.value == "a=b = c")
        #expect(config.warnings == ["f: section [extra] is ignored"])
    }

    @Test("interimap itself rejects what we reject", arguments: rejected)
    func interimapAgrees(_ row: (String, String, String)) async throws {
        let dir = try TemporaryDirectory()
        let file = dir.file("config")
        try row.1.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await runCommand("/usr/bin/interimap", ["--config=\(file)"],
                                          environment: ["HOME": dir.path, "XDG_DATA_HOME": dir.path, "PATH": "/usr/bin:/bin"],
                                          timeout: .seconds(60))
        #expect(result.status != 0, "\(row.0)")
        let configErrors = ["Invalid option", "No such section", "Syntax error", "Invalid value"]
        #expect(configErrors.contains { result.stderr.contains($0) }, "\(row.0): \(result.stderr)")
    }
}

extension InterIMAPConfigurationTests {
    static let patternCases: [(String, [String]?)] = [
        ("*", ["*"]),
        ("INBOX  Lists/*\t%", ["INBOX", "Lists/*", "%"]),
        (#""a b" "c\"d" "e\\f""#, ["a b", "c\"d", "e\\f"]),
        (#""foo\x00bar" "\0" "\x41\x2a""#, ["foo\u{0}bar", "\u{0}", "A*"]),
        (#""tab\there" "nl\n" "v\v""#, ["tab\there", "nl\n", "vv"]),
        (#""unterminated"#, nil),
        (#""""#, nil),
        (#""bad\q""#, nil),
        (#""bad\x4""#, nil),
        ("(parens)", nil),
        ("a\\b", nil),
        ("ok \"", nil),
    ]

    @Test("list-mailbox patterns as interimap splits them", arguments: patternCases)
    func listMailboxPatterns(_ row: (String, [String]?)) {
        #expect(ListMailboxPatterns.parse(row.0)?.map { String(decoding: $0, as: UTF8.self) } == row.1, "\(row.0)")
    }
}
