import Foundation
import MailStore
import Testing
import TestSupport

/// `syncremote` against a Dovecot that advertises neither CONDSTORE nor QRESYNC: the IMAP
/// endpoint's fallback mode compares the whole mailbox's flags with its snapshot. Every step is
/// checked against the server (sizes and flags of every message, read over a tunnel).
@Suite(.serialized, .timeLimit(.minutes(10))) struct SyncRemoteFallbackTests {
    let e2e: SyncRemoteEndToEndTests

    init() throws { e2e = try SyncRemoteEndToEndTests() }

    /// A Dovecot without CONDSTORE/QRESYNC with a corpus, and alice's identity stored for u1.
    func account(messages: Int, seed: Int) async throws
        -> (server: DovecotServer, manifest: CorpusManifest, imapctl: Imapctl, id: String, store: MailStore) {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: messages, seed: seed, bigMessages: 0),
                                                   modSequences: false)
        let path = e2e.directory.file("fallback-\(seed).db")
        let imapctl = try Imapctl(database: path)
        let id = try await e2e.addIdentity(server, imapctl)
        return (server, try #require(server.manifest), imapctl, id, try e2e.openStore(path))
    }

    /// A run that changed nothing anywhere.
    func didNothing(_ report: SyncRemoteEndToEndTests.Report) -> Bool {
        report.mailboxes.allSatisfy { $0.flagsUpdated.local + $0.flagsUpdated.remote + $0.copied.local + $0.copied.remote
            + $0.expunged.local + $0.expunged.remote == 0 }
    }

    func flags(_ store: MailStore, _ sha256: String) async throws -> Set<String> {
        Set(try #require(try await e2e.localMessages(store, "INBOX")[sha256], "no local \(sha256)").flags)
    }

    @Test func flagsExpungesNewMailAndConflictsGoBothWays() async throws {
        let (server, manifest, imapctl, id, store) = try await account(messages: 40, seed: 17)
        defer { server.stop() }
        let first = try await e2e.sync(imapctl, identifier: id)
        #expect(first.copied(\.local) == manifest.totals.messages && first.copied(\.remote) == 0, "\(first)")
        try await SyncRemoteCrashTests.expectAgreement(server, store, manifest, "first sync")

        // Nothing changed: every mailbox is compared, nothing is done.
        let noop = try await e2e.sync(imapctl, identifier: id)
        #expect(didNothing(noop), "\(noop)")

        let inbox = try #require(manifest.mailboxes["INBOX"]?.messages)
        try #require(inbox.count >= 6)
        // On the remote: flags on 0, 4 (conflict) and 5, an expunge of 1, a new message.
        let newRemote = "From: b@example.org\r\nSubject: new remote\r\nMessage-ID: <fallback-r@example.org>\r\n\r\nRemote\r\n"
        _ = try await remoteSession(server, """
            a SELECT INBOX\r
            b UID STORE \(inbox[0].uid) +FLAGS.SILENT (\\Flagged $Remote)\r
            c UID STORE \(inbox[4].uid) +FLAGS.SILENT ($R)\r
            d UID STORE \(inbox[5].uid) +FLAGS.SILENT ($Keep)\r
            e UID STORE \(inbox[1].uid) +FLAGS.SILENT (\\Deleted)\r

            """)
        _ = try await remoteSession(server, """
            a SELECT INBOX\r
            b UID EXPUNGE \(inbox[1].uid)\r
            c APPEND INBOX {\(newRemote.utf8.count)+}\r
            \(newRemote)\r

            """)
        // Locally: flags on 2 and 4 (conflict), an expunge of 3, a new message.
        let local = try await e2e.localMessages(store, "INBOX")
        let (l2, l3, l4) = (try #require(local[inbox[2].sha256]), try #require(local[inbox[3].sha256]),
                            try #require(local[inbox[4].sha256]))
        #expect(try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(l2.uid)", "+$Local"]).status == 0)
        #expect(try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(l4.uid)", "+$L"]).status == 0)
        #expect(try await imapctl.run(["expunge", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(l3.uid)"]).status == 0)
        let localInbox = try #require(try await store.findMailbox(userID: "u1", name: "INBOX"))
        let newLocal = Array("From: a@example.org\r\nSubject: new local\r\nMessage-ID: <fallback-l@example.org>\r\n\r\nLocal\r\n".utf8)
        _ = try await store.append(mailboxID: localInbox.id, [
            AppendedMessage(flags: ["$Mine"], internalDate: 1_700_000_000, body: MessageBytes(newLocal)),
        ])

        let both = try await e2e.sync(imapctl, identifier: id)
        let summary = try #require(both.mailbox("INBOX"), "\(both)")
        #expect(summary.copied.local == 1 && summary.copied.remote == 1, "\(both)")
        #expect(summary.expunged.local == 1 && summary.expunged.remote == 1, "\(both)")
        #expect(summary.flagsUpdated.local == 3 && summary.flagsUpdated.remote == 2, "0, 5 and the union on 4 locally; 2 and the union on 4 remotely: \(both)")
        try await SyncRemoteCrashTests.expectAgreement(server, store, manifest, "changes on both sides")
        #expect(try await flags(store, inbox[0].sha256).isSuperset(of: ["\\Flagged", "$Remote"]))
        #expect(try await flags(store, inbox[4].sha256).isSuperset(of: ["$R", "$L"]), "the conflict's union")
        let now = try await e2e.localMessages(store, "INBOX")
        #expect(now[inbox[1].sha256] == nil && now[inbox[3].sha256] == nil)
        let remote = try await remoteSession(server, """
            a EXAMINE INBOX\r
            b UID SEARCH KEYWORD $Local\r
            c UID SEARCH UID \(inbox[3].uid)\r
            d UID SEARCH KEYWORD $Mine HEADER Message-ID fallback-l\r
            e UID SEARCH KEYWORD $R KEYWORD $L\r

            """)
        let searches = remote.split(separator: "\r\n").filter { $0.hasPrefix("* SEARCH") }
        #expect(searches.count == 4 && searches[0] == "* SEARCH \(inbox[2].uid)" && searches[1] == "* SEARCH"
                && searches[2] != "* SEARCH" && searches[3] == "* SEARCH \(inbox[4].uid)", "\(remote)")
        #expect(now.count == inbox.count, "two expunged, two new: \(now.count)")

        // Removals on one side, the other unchanged: they are not undone by a union.
        let kept = try #require(now[inbox[5].sha256])
        #expect(kept.flags.contains("$Keep"))
        #expect(try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(kept.uid)", "-$Keep"]).status == 0)
        _ = try await remoteSession(server, "a SELECT INBOX\r\nb UID STORE \(inbox[4].uid) -FLAGS.SILENT ($R)\r\n")
        let removals = try await e2e.sync(imapctl, identifier: id)
        #expect(removals.mailbox("INBOX")?.flagsUpdated.local == 1 && removals.mailbox("INBOX")?.flagsUpdated.remote == 1,
                "\(removals)")
        try await SyncRemoteCrashTests.expectAgreement(server, store, manifest, "removals")
        #expect(try await !flags(store, inbox[5].sha256).contains("$Keep"))
        #expect(try await !flags(store, inbox[4].sha256).contains("$R"))

        let last = try await e2e.sync(imapctl, identifier: id)
        #expect(didNothing(last), "\(last)")
    }

    @Test func killedRunsAreResumedWithNothingLostOrDuplicated() async throws {
        let (server, manifest, imapctl, id, store) = try await account(messages: 60, seed: 23)
        defer { server.stop() }

        let firstKills = try await SyncRemoteCrashTests.killRepeatedly(imapctl, id: id, store: store, points: [1, 2, 1, 3], upTo: 8)
        #expect(try await !SyncRemoteCrashTests.run(imapctl, id: id, killAfter: nil, store: store))
        try await SyncRemoteCrashTests.expectAgreement(server, store, manifest, "first sync after \(firstKills) kills")

        let uids = try #require(manifest.mailboxes["INBOX"]?.messages).map(\.uid)
        _ = try await remoteSession(server, """
            a SELECT INBOX\r
            b UID STORE \(uids[0...5].map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Flagged $Crash)\r
            c UID STORE \(uids[6...8].map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Deleted)\r
            d UID STORE \(uids[12]) +FLAGS.SILENT ($Both)\r

            """)
        _ = try await remoteSession(server, "a SELECT INBOX\r\nb UID EXPUNGE \(uids[6...8].map(String.init).joined(separator: ","))\r\n")
        let byHash = try await e2e.localMessages(store, "INBOX")
        let inbox = try #require(manifest.mailboxes["INBOX"]?.messages)
        let (l9, l10, l11, l12) = (try #require(byHash[inbox[9].sha256]), try #require(byHash[inbox[10].sha256]),
                                   try #require(byHash[inbox[11].sha256]), try #require(byHash[inbox[12].sha256]))
        #expect(try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(l9.uid),\(l10.uid),\(l12.uid)",
                                       "+$Local"]).status == 0)
        #expect(try await imapctl.run(["expunge", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(l11.uid)"]).status == 0)

        let kills = try await SyncRemoteCrashTests.killRepeatedly(imapctl, id: id, store: store, points: [1, 2, 3, 4, 5], upTo: 8)
        #expect(try await !SyncRemoteCrashTests.run(imapctl, id: id, killAfter: nil, store: store))
        #expect(firstKills + kills >= 10, "only \(firstKills) + \(kills) runs were killed")
        try await SyncRemoteCrashTests.expectAgreement(server, store, manifest, "incremental after \(kills) kills")
        let after = try await e2e.localMessages(store, "INBOX")
        #expect(after.count == inbox.count - 3 - 1)
        #expect(Set(try #require(after[inbox[12].sha256]).flags).isSuperset(of: ["$Both", "$Local"]))
        #expect(Set(try #require(after[inbox[0].sha256]).flags).isSuperset(of: ["\\Flagged", "$Crash"]))
        let last = try await e2e.sync(imapctl, identifier: id)
        #expect(didNothing(last), "\(last)")
    }
}
