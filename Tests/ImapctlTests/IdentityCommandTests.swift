import Foundation
import Testing
import TestSupport

@Suite struct IdentityCommandTests {
    @Test func addremoteThenRemotesNeverShowsThePassword() async throws {
        let directory = try TemporaryDirectory(prefix: "imapworker-ids")
        let imapctl = try Imapctl(database: directory.file("ids.db"))
        let added = try await imapctl.run(["addremote", "--login", "bob@example.org", "--pass", "s3cr3t-pw",
                                           "--server", "imap.example.org:993", "--userid", "u1",
                                           "--mailbox", "INBOX", "--mailbox", "Lists/Développement"])
        #expect(added.status == 0, "\(added.stderr)")
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UUID(uuidString: id) != nil)

        let listed = try await imapctl.run(["remotes", "--userid", "u1", "--json"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains(id))
        #expect(listed.stdout.contains("Lists/Développement"))
        #expect(listed.stdout.contains("\"has_password\":true"))
        #expect(!listed.stdout.contains("s3cr3t-pw"))

        let none = try await imapctl.run(["addremote", "--login", "carol", "--server", "imap.example.org",
                                          "--userid", "u1"])
        #expect(none.status == 0, "\(none.stderr)")
        let text = try await imapctl.run(["remotes", "--userid", "u1"])
        #expect(text.stdout.split(separator: "\n").count == 2)
    }

    @Test func badInputGetsAClearError() async throws {
        let directory = try TemporaryDirectory(prefix: "imapworker-bad")
        let config = directory.file("bad.yaml")
        try "imap:\n  conection: imaps\n".write(toFile: config, atomically: true, encoding: .utf8)
        let imapctl = try Imapctl(database: directory.file("bad.db"))
        let typo = try await imapctl.run(["remotes", "--userid", "u", "--config", config])
        #expect(typo.status != 0)
        #expect(typo.stderr.contains("unknown key imap.conection"))

        let badServer = try await imapctl.run(["fullfetch", "--local", "--login", "a", "--server", "host:99999", "--userid", "u"],
                                              password: "x")
        #expect(badServer.status != 0)
        #expect(badServer.stderr.contains("bad port"))

        let port = try freeLoopbackPort()
        let refused = try await imapctl.run(["fullfetch", "--local", "--login", "a", "--server", "127.0.0.1:\(port)", "--userid", "u"],
                                            password: "x")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot connect"))
    }
}
