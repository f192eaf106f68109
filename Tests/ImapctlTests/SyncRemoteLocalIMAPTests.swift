import Foundation
import MailStore
import Testing
import TestSupport

/// `local_account.type: tunnel`: `syncremote --local` keeps the remote Dovecot account in sync
/// with a local IMAP account (a daemon-less Dovecot reached through `tunnel-imap.sh DIR {user}`),
/// both ways, through the same engine; the embedded store only holds the identity.
@Suite(.serialized) struct SyncRemoteLocalIMAPTests {
    typealias Report = SyncRemoteEndToEndTests.Report

    @Test func tunnelLocalAccountSyncsBothWays() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 40, seed: 43))
        defer { server.stop() }
        let manifest = try #require(server.manifest)
        let directory = try TemporaryDirectory(prefix: "imapworker-syncremote-local-imap")
        let localDirectory = directory.file("local")
        let local = [harnessScript("tunnel-imap.sh"), localDirectory, "u1"]
        let environment = ["IMAPWORKER_LOCAL_ACCOUNT_TYPE": "tunnel",
                           "IMAPWORKER_LOCAL_ACCOUNT_COMMAND": "\(harnessScript("tunnel-imap.sh")) \(localDirectory) {user}"]
        let path = directory.file("store.db")
        let imapctl = try Imapctl(database: path)
        let id = try await imapctl.addIdentity(of: server)
        func sync() async throws -> Report {
            let run = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", id, "--json"],
                                            environment: environment)
            try #require(run.status == 0, "\(run.stderr)")
            let line = try #require(run.stdout.split(separator: "\n").last, "no JSON output: \(run.stderr)")
            return try JSONDecoder().decode(Report.self, from: Data(line.utf8))
        }

        // First run: every remote message lands in the local IMAP account, none in the store.
        let first = try await sync()
        #expect(first.copied(\.local) == manifest.totals.messages && first.copied(\.remote) == 0, "\(first)")
        let listed = try await tunnelSession(local, "a LIST \"\" \"*\" RETURN (STATUS (MESSAGES))\r\n")
        #expect(messageCounts(listed).reduce(0, +) == manifest.totals.messages, "\(listed)")
        #expect(messageCounts(listed).count >= manifest.mailboxNames.count, "\(listed)")
        let store = try MailStore(path: path, options: .init(keySource: StoreKeySource(keyFile: path + ".key")))
        #expect(try await store.statistics(userID: "u1").messages == 0, "the store is not the local account here")
        #expect(FileManager.default.fileExists(atPath: directory.file("sync/\(id).local-imap.db")))

        // Both ways: a message and a flag on the local account, a message on the remote.
        let localMessage = "From: u1@example.org\r\nSubject: local\r\nMessage-ID: <local-1@example.org>\r\n\r\nFrom the local side\r\n"
        let remoteMessage = "From: b@example.org\r\nSubject: remote\r\nMessage-ID: <remote-1@example.org>\r\n\r\nFrom the remote side\r\n"
        _ = try await tunnelSession(local, """
            a SELECT INBOX\r
            b UID STORE 1 +FLAGS.SILENT (\\Flagged)\r
            c APPEND INBOX {\(localMessage.utf8.count)+}\r
            \(localMessage)\r

            """)
        _ = try await remoteSession(server, "a APPEND INBOX {\(remoteMessage.utf8.count)+}\r\n\(remoteMessage)\r\n")
        let second = try await sync()
        let inbox = try #require(second.mailbox("INBOX"), "\(second)")
        #expect(inbox.copied.local == 1 && inbox.copied.remote == 1 && inbox.flagsUpdated.remote == 1, "\(second)")
        let remote = try await remoteSession(server, """
            a SELECT INBOX\r
            b UID SEARCH HEADER Message-ID <local-1@example.org>\r
            c UID SEARCH FLAGGED\r

            """)
        #expect(remote.split(separator: "\r\n").filter { $0.hasPrefix("* SEARCH ") }.count == 2, "\(remote)")
        let mirrored = try await tunnelSession(local, "a SELECT INBOX\r\nb UID SEARCH HEADER Message-ID <remote-1@example.org>\r\n")
        #expect(mirrored.contains("* SEARCH "), "\(mirrored)")

        let noop = try await sync()
        #expect(noop.mailboxes.allSatisfy { $0.outcome == "clean" }, "\(noop)")
    }

    /// The `MESSAGES n` of each `* STATUS` line.
    private func messageCounts(_ output: String) -> [Int] {
        output.split(separator: "\r\n").filter { $0.hasPrefix("* STATUS") }.compactMap { line in
            guard let range = line.range(of: "(MESSAGES ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
    }
}
