import Foundation
import Testing
import TestSupport

/// The throwaway Dovecot serves exactly what the generator's manifest says, over every transport
/// the client uses, with the capabilities the client relies on.
@Suite struct DovecotServerTests {
    static let requiredCapabilities = [
        "CONDSTORE", "QRESYNC", "COMPRESS=DEFLATE", "LIST-EXTENDED", "LIST-STATUS", "LITERAL+",
        "MULTIAPPEND", "SASL-IR", "UNSELECT", "IDLE", "ENABLE",
    ]

    /// Runs scripts/imap-check.py against `server` with alice's password in the environment.
    static func imapCheck(_ server: DovecotServer, _ arguments: [String]) async throws
        -> (status: Int32, stdout: String, stderr: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["IMAP_PASSWORD"] = server.users[0].password
        return try await runCommand(stdlibPython, [harnessScript("imap-check.py"), "--user", server.users[0].user] + arguments,
                                    environment: environment)
    }

    @Test func corpusServedOverImapsMatchesTheManifest() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 60, seed: 7, bigMessages: 2))
        defer { server.stop() }
        let manifest = try #require(server.manifest)
        let manifestFile = try #require(server.manifestFile)
        #expect(manifest.totals.messages == 60)
        #expect(manifest.totals.over1MB == 2)
        #expect(Set(manifest.mailboxNames) == ["INBOX", "Archive", "Archive/2023", "Lists", "Lists/Développement", "日本語"])
        #expect(manifest.mailboxes["Lists/Développement"]?.mutf7 == "Lists/D&AOk-veloppement")
        #expect(manifest.mailboxes["日本語"]?.mutf7 == "&ZeVnLIqe-")

        let result = try await Self.imapCheck(server, [
            "--mode", "tls", "--port", String(server.imapsPort), "--cafile", server.caFile,
            "verify", "--manifest", manifestFile,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(#""checked": 60"#))
    }

    @Test func capabilitiesAfterLoginOverStartTLS() async throws {
        let server = try await DovecotServer.start()
        defer { server.stop() }
        let result = try await Self.imapCheck(server, [
            "--mode", "starttls", "--port", String(server.imapPort), "--cafile", server.caFile,
            "caps", "--require-defaults",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("capabilities: ") })
        let capabilities = Set(line.dropFirst("capabilities: ".count).split(separator: " ").map(String.init))
        for capability in Self.requiredCapabilities {
            #expect(capabilities.contains(capability), "missing \(capability)")
        }
    }

    /// With an oauth2 endpoint, XOAUTH2 and OAUTHBEARER are offered and the endpoint decides
    /// (checked with Python's imaplib, not our client); passwords still work.
    @Test func oauth2PassdbAcceptsExactlyTheEndpointsTokens() async throws {
        let endpoint = try await OAuth2TokenEndpoint.start(tokens: ["harness-token-1": "alice"])
        let server = try await DovecotServer.start(oauth2: endpoint)
        defer { server.stop() }
        let connection = ["--mode", "tls", "--port", String(server.imapsPort), "--cafile", server.caFile]
        for (token, accepted) in [("harness-token-1", true), ("some-other-token", false)] {
            var environment = ProcessInfo.processInfo.environment
            environment["IMAP_OAUTH_TOKEN"] = token
            let result = try await runCommand(stdlibPython, [harnessScript("imap-check.py"), "--user", "alice", "--xoauth2"]
                                              + connection + ["caps", "--require", "QRESYNC"], environment: environment)
            #expect((result.status == 0) == accepted, "\(token): \(result.stdout)\(result.stderr)")
            if accepted {
                #expect(result.stdout.contains("AUTH=XOAUTH2") && result.stdout.contains("AUTH=OAUTHBEARER"))
            }
        }
        #expect(endpoint.requests == (active: 1, inactive: 1))
        let password = try await Self.imapCheck(server, connection + ["caps", "--require", "QRESYNC"])
        #expect(password.status == 0, "\(password.stdout)\(password.stderr)")

        let plain = try await DovecotServer.start()
        defer { plain.stop() }
        let greeting = try await Self.imapCheck(plain, ["--mode", "tls", "--port", String(plain.imapsPort),
                                                        "--cafile", plain.caFile, "caps"])
        #expect(greeting.status == 0 && !greeting.stdout.contains("XOAUTH2"), "\(greeting.stdout)")
    }

    @Test func plainTextLoginIsAllowedOnThePlainPort() async throws {
        let server = try await DovecotServer.start(users: [("bob", "bobpw"), ("carol", "carolpw")])
        defer { server.stop() }
        let result = try await Self.imapCheck(server, [
            "--mode", "plain", "--port", String(server.imapPort), "caps", "--require", "IMAP4rev1",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("STARTTLS"))   // offered in the greeting's capabilities
    }

    @Test func aClientWithoutTheTestCARefusesTheServer() async throws {
        let server = try await DovecotServer.start()
        defer { server.stop() }
        let result = try await Self.imapCheck(server, ["--mode", "tls", "--port", String(server.imapsPort), "caps"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("CERTIFICATE_VERIFY_FAILED"))
    }

    @Test func tunnelGreetsWithPreauthAndSeesTheSameMessages() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 40, seed: 11, bigMessages: 1))
        defer { server.stop() }
        let manifestFile = try #require(server.manifestFile)
        let tunnel = server.tunnelCommand(user: "alice")
        #expect(tunnel.first == harnessScript("tunnel-imap.sh"))
        let result = try await Self.imapCheck(server, [
            "--tunnel", tunnel.joined(separator: " "), "verify", "--manifest", manifestFile,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let greeting = try #require(result.stdout.split(separator: "\n").first)
        #expect(greeting.hasPrefix("greeting: * PREAUTH "))
        #expect(greeting.contains("COMPRESS=DEFLATE"))
        #expect(greeting.hasSuffix("Logged in as alice"))
        #expect(result.stdout.contains(#""checked": 40"#))
    }

    @Test func stopEndsTheMasterAndIsIdempotent() async throws {
        let server = try await DovecotServer.start()
        #expect(processIsAlive(server.pid))
        server.stop()
        #expect(!processIsAlive(server.pid))
        server.stop()   // a second stop must not signal a reused PID
        #expect(!processIsAlive(server.pid))
    }
}
