import Foundation
import OpenSSLKit
import Testing
import TestSupport

/// An identity stored by `addremote` and used by `fullfetch --identifier` against a real Dovecot.
@Suite(.serialized) struct StoredIdentityEndToEndTests {
    let server: DovecotServer
    let directory: TemporaryDirectory

    init() async throws {
        server = try await DovecotServer.start(corpus: CorpusOptions(messages: 20, seed: 7, bigMessages: 0))
        directory = try TemporaryDirectory(prefix: "imapworker-identity")
    }

    func contains(_ file: String, _ needle: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: file) else { return false }
        return data.range(of: Data(needle.utf8)) != nil
    }

    @Test func addremoteFullfetchRemotesRemoveremote() async throws {
        let database = directory.file("ids.db")
        let imapctl = try Imapctl(database: database)
        let password = server.users[0].password
        let add = ["addremote", "--userid", "u1", "--login", server.users[0].user, "--pass", password,
                   "--server", "\(server.host):\(server.imapsPort)", "--ca-file", server.caFile,
                   "--tls-max", "TLSv1.3", "--mailbox", "INBOX"]
        let added = try await imapctl.run(add)
        #expect(added.status == 0, "\(added.stderr)")
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for file in [database, database + "-wal"] {
            #expect(try !contains(file, password), "password in \(file)")
        }
        let key = try FileManager.default.attributesOfItem(atPath: database + ".key")
        #expect((key[.posixPermissions] as? Int) == 0o600)

        let twice = try await imapctl.run(add)
        #expect(twice.status != 0 && twice.stderr.contains("already exists"), "\(twice.stderr)")

        // No password given: the stored one is used.
        let fetched = try await imapctl.run(["fullfetch", "--local", "--userid", "u1", "--identifier", id, "--json"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try decodeSummary(fetched.stdout).inserted == server.manifest?.mailboxes["INBOX"]?.messages.count)

        let mixed = try await imapctl.run(["fullfetch", "--local", "--userid", "u1", "--identifier", id, "--server", "x:1"])
        #expect(mixed.status != 0 && mixed.stderr.contains("--server cannot be used with --identifier"))

        let listed = try await imapctl.run(["remotes", "--userid", "u1", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.range(of: #""last_check":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""#, options: .regularExpression) != nil,
                "\(listed.stdout)")
        #expect(listed.stdout.contains("\"error_count\":0") && !listed.stdout.contains(password))
        #expect(!listed.stdout.contains("sync_owner"), "the lock was released")

        let otherKey = directory.file("other.key")
        try (Data(try SecretSealer.randomKey()).base64EncodedString()).write(toFile: otherKey, atomically: true, encoding: .utf8)
        let wrong = try await imapctl.run(["remotes", "--userid", "u1", "--key-file", otherKey])
        #expect(wrong.status != 0 && wrong.stderr.contains("key file \(otherKey)"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains(password))

        let notHers = try await imapctl.run(["removeremote", "--userid", "u2", "--identifier", id])
        #expect(notHers.status != 0 && notHers.stderr.contains("not found"))
        let removed = try await imapctl.run(["removeremote", "--userid", "u1", "--identifier", id])
        #expect(removed.status == 0, "\(removed.stderr)")
        let empty = try await imapctl.run(["remotes", "--userid", "u1", "--json"])
        #expect(empty.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
    }
}
