import Foundation
import MailStore
import Testing
import TestSupport

/// `addremote` then `syncremote` against a real Dovecot: the first run copies every mailbox
/// (non-ASCII names included), later runs carry remote changes (flags, expunges, new mail, a
/// rename) to the local account and local ones (`imapctl flag` / `expunge`) to the remote.
@Suite(.serialized) struct SyncRemoteEndToEndTests {
    struct Counts: Decodable { let local: Int; let remote: Int }
    struct Summary: Decodable {
        let mailbox: String
        let outcome: String
        let copied: Counts
        let flagsUpdated: Counts
        let expunged: Counts
        let rematched: Int
    }
    struct Report: Decodable {
        let mailboxes: [Summary]
        let warnings: [String]
        func copied(_ keyPath: KeyPath<Counts, Int>) -> Int { mailboxes.map { $0.copied[keyPath: keyPath] }.reduce(0, +) }
        func mailbox(_ name: String) -> Summary? { mailboxes.first { $0.mailbox == name } }
    }

    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "imapworker-syncremote")
    }

    /// Stores alice's identity (imaps, password sealed) for user u1 and gives its id.
    func addIdentity(_ server: DovecotServer, _ imapctl: Imapctl) async throws -> String {
        try await imapctl.addIdentity(of: server)
    }

    func sync(_ imapctl: Imapctl, identifier: String) async throws -> Report {
        let run = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", identifier, "--json"])
        try #require(run.status == 0, "\(run.stderr)")
        guard let line = run.stdout.split(separator: "\n").last else { throw TestHarnessError("no JSON output") }
        return try JSONDecoder().decode(Report.self, from: Data(line.utf8))
    }

    func openStore(_ path: String) throws -> MailStore {
        try MailStore(path: path, options: .init(keySource: StoreKeySource(keyFile: path + ".key")))
    }

    /// sha256 → local UID and flags of one local mailbox.
    func localMessages(_ store: MailStore, _ name: String) async throws -> [String: (uid: UInt32, flags: [String])] {
        let mailbox = try #require(try await store.findMailbox(userID: "u1", name: name), "no local \(name)")
        var byHash: [String: (uid: UInt32, flags: [String])] = [:]
        for record in try await store.messageRecords(mailboxID: mailbox.id) { byHash[record.sha256] = (record.uid, record.flags) }
        return byHash
    }

    @Test func firstRunIncrementalRunsAndLocalChangesReachTheRemote() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 300, seed: 11, bigMessages: 1))
        defer { server.stop() }
        let manifest = try #require(server.manifest)
        let path = directory.file("store.db")
        let imapctl = try Imapctl(database: path)
        let id = try await addIdentity(server, imapctl)

        // First run, the identity named by its login as in Caliopen's example; the stored password is used.
        let first = try await sync(imapctl, identifier: server.users[0].user)
        #expect(first.copied(\.local) == manifest.totals.messages && first.copied(\.remote) == 0, "\(first)")
        // imapctl closed the store before exiting: the log was emptied and removed with its last connection.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal") && !FileManager.default.fileExists(atPath: path + "-shm"))
        let store = try openStore(path)
        for name in manifest.mailboxNames {
            let local = try await localMessages(store, name)
            #expect(Set(local.keys) == Set(manifest.mailboxes[name]?.messages.map(\.sha256) ?? []), "\(name)")
        }
        #expect(try await store.statistics(userID: "u1").messages == manifest.totals.messages)
        let listed = try await imapctl.run(["remotes", "--userid", "u1", "--json"])
        #expect(listed.stdout.contains("\"error_count\":0") && !listed.stdout.contains("sync_owner"), "\(listed.stdout)")
        #expect(FileManager.default.fileExists(atPath: directory.file("sync/\(id).db")))

        // Nothing changed: nothing copied, every mailbox unchanged.
        let noop = try await sync(imapctl, identifier: id)
        #expect(noop.copied(\.local) + noop.copied(\.remote) == 0 && noop.mailboxes.allSatisfy { $0.outcome == "clean" }, "\(noop)")

        // On the remote: a flag, an expunge, a new message, a rename.
        let inbox = try #require(manifest.mailboxes["INBOX"]?.messages)
        try #require(inbox.count >= 4)
        let newMessage = "From: b@example.org\r\nSubject: new\r\nMessage-ID: <new-1@example.org>\r\n\r\nNew mail\r\n"
        let changed = try await remoteSession(server, """
            a SELECT INBOX\r
            b UID STORE \(inbox[0].uid) +FLAGS.SILENT (\\Flagged $Remote)\r
            c UID STORE \(inbox[1].uid) +FLAGS.SILENT (\\Deleted)\r

            """)
        // A session of its own: Dovecot may run a pipelined UID EXPUNGE before the STORE it follows.
        let removal = try await remoteSession(server, """
            a SELECT INBOX\r
            d UID EXPUNGE \(inbox[1].uid)\r
            e APPEND INBOX {\(newMessage.utf8.count)+}\r
            \(newMessage)\r
            f RENAME "Archive/2023" "Archive/Old"\r

            """)
        #expect(removal.contains(" EXPUNGE\r\n") || removal.contains("* VANISHED"), "\(changed)\n\(removal)")
        let incremental = try await sync(imapctl, identifier: id)
        #expect(incremental.copied(\.local) == 1 && incremental.copied(\.remote) == 0, "\(incremental)")
        #expect(incremental.warnings.contains { $0.contains("Renamed mailbox Archive/2023 to Archive/Old") }, "\(incremental)")
        var local = try await localMessages(store, "INBOX")
        #expect(local.count == inbox.count)
        #expect(local[inbox[1].sha256] == nil, "expunged on the remote: \(incremental)")
        let flags = try #require(local[inbox[0].sha256]?.flags)
        #expect(flags.contains("\\Flagged") && flags.contains("$Remote"), "\(flags)")
        #expect(try await store.findMailbox(userID: "u1", name: "Archive/2023") == nil)
        let renamed = try await localMessages(store, "Archive/Old")
        #expect(Set(renamed.keys) == Set(manifest.mailboxes["Archive/2023"]?.messages.map(\.sha256) ?? []))

        // Locally: a flag set and a message expunged with imapctl reach the remote.
        let (flagged, expunged) = (try #require(local[inbox[2].sha256]), try #require(local[inbox[3].sha256]))
        let flag = try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(flagged.uid)",
                                          "+$Local", "+\\Seen"])
        #expect(flag.status == 0, "\(flag.stderr)")
        let expunge = try await imapctl.run(["expunge", "--userid", "u1", "--mailbox", "INBOX", "--uid", "\(expunged.uid)"])
        #expect(expunge.status == 0, "\(expunge.stderr)")
        let pushed = try await sync(imapctl, identifier: id)
        let pushedInbox = try #require(pushed.mailbox("INBOX"))
        #expect(pushedInbox.flagsUpdated.remote == 1 && pushedInbox.expunged.remote == 1, "\(pushed)")
        #expect(pushed.copied(\.local) + pushed.copied(\.remote) == 0)
        let remote = try await remoteSession(server, """
            a EXAMINE INBOX\r
            b UID SEARCH KEYWORD $Local SEEN\r
            c UID SEARCH UID \(inbox[3].uid)\r

            """)
        #expect(remote.contains("* SEARCH \(inbox[2].uid)\r\n"), "\(remote)")
        #expect(remote.contains("* SEARCH\r\n"), "the expunged message is gone: \(remote)")
        local = try await localMessages(store, "INBOX")
        #expect(local.count == inbox.count - 1)

        let again = try await sync(imapctl, identifier: id)
        #expect(again.copied(\.local) + again.copied(\.remote) == 0, "\(again)")
    }

    /// `sync.connections` / `--connections`: a first run spreads the mailboxes over more remote
    /// sessions, each lane with an endpoint of its own on the same store, and ends where one
    /// connection ends.
    @Test func aFirstRunOnThreeConnectionsEndsWhereOneEnds() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 240, seed: 23, bigMessages: 0))
        defer { server.stop() }
        let manifest = try #require(server.manifest)
        try #require(manifest.mailboxNames.count >= 3)
        let expected = manifest.mailboxes.mapValues { Set($0.messages.map(\.sha256)) }
        for connections in [3, 1] {
            let path = directory.file("lanes-\(connections).db")
            let imapctl = try Imapctl(database: path)
            let id = try await addIdentity(server, imapctl)
            let run = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", id,
                                             "--connections", "\(connections)", "--log-level", "debug", "--json"])
            try #require(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains(": connection 2") == (connections == 3), "\(connections): \(run.stderr)")
            let store = try openStore(path)
            for name in manifest.mailboxNames {
                #expect(Set(try await localMessages(store, name).keys) == expected[name], "\(connections): \(name)")
            }
            store.close()
            let again = try await sync(imapctl, identifier: id)
            #expect(again.mailboxes.allSatisfy { $0.outcome == "clean" }, "\(connections): \(again)")
        }
        let refused = try await Imapctl(database: directory.file("lanes-0.db"))
            .run(["syncremote", "--local", "--userid", "u1", "--identifier", "x", "--connections", "0"])
        #expect(refused.status != 0 && refused.stderr.contains("--connections needs at least 1"), "\(refused.stderr)")
    }

    @Test func oneMessageInThreeMailboxesIsStoredOnceAndAUIDValidityChangeIsRematched() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 30, seed: 5, bigMessages: 0,
                                                                          mailboxes: "INBOX=1"))
        defer { server.stop() }
        let count = try #require(server.manifest?.totals.messages)
        _ = try await remoteSession(server, """
            a CREATE "All Mail"\r
            b CREATE "Label/&AMk-t&AOk-"\r
            c SELECT INBOX\r
            d UID COPY 1:* "All Mail"\r
            e UID COPY 1:* "Label/&AMk-t&AOk-"\r

            """)
        let path = directory.file("dedup.db")
        let imapctl = try Imapctl(database: path)
        let id = try await addIdentity(server, imapctl)
        let first = try await sync(imapctl, identifier: id)
        #expect(first.copied(\.local) == 3 * count, "\(first)")
        let store = try openStore(path)
        var statistics = try await store.statistics(userID: "u1")
        #expect(statistics.messages == 3 * count && statistics.bodies == count, "\(statistics)")
        #expect(statistics.bodyBytes * 3 == statistics.messageBytes)

        // "All Mail" recreated on the remote with the same messages: a new UIDVALIDITY, new UIDs.
        let before = try await remoteSession(server, "a STATUS \"All Mail\" (UIDVALIDITY)\r\n")
        _ = try await remoteSession(server, """
            a RENAME "All Mail" Old\r
            b CREATE "All Mail"\r
            c SELECT Old\r
            d UID MOVE 1:* "All Mail"\r
            e CLOSE\r
            f DELETE Old\r

            """)
        let after = try await remoteSession(server, "a STATUS \"All Mail\" (UIDVALIDITY)\r\n")
        try #require(statusLine(before) != statusLine(after), "\(before) \(after)")
        let rematched = try await sync(imapctl, identifier: id)
        #expect(rematched.mailbox("All Mail")?.rematched == count, "\(rematched)")
        #expect(rematched.copied(\.local) + rematched.copied(\.remote) == 0, "\(rematched)")
        statistics = try await store.statistics(userID: "u1")
        #expect(statistics.messages == 3 * count && statistics.bodies == count, "\(statistics)")
        let noop = try await sync(imapctl, identifier: id)
        #expect(noop.mailboxes.allSatisfy { $0.outcome == "clean" }, "\(noop)")
    }

    /// An identity stored without a password: syncremote asks on the terminal (echo off), and
    /// `--mailbox` (a decoded non-ASCII name) syncs that mailbox only.
    @Test func promptsWithoutAStoredPasswordAndSyncsTheNamedMailbox() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 40, seed: 3, bigMessages: 0))
        defer { server.stop() }
        let count = try #require(server.manifest?.mailboxes["日本語"]?.messages.count)
        let imapctl = try Imapctl(database: directory.file("prompt.db"))
        let added = try await imapctl.run(["addremote", "--userid", "u1", "--login", server.users[0].user,
                                           "--server", "\(server.host):\(server.imapsPort)", "--ca-file", server.caFile])
        try #require(added.status == 0, "\(added.stderr)")
        let (status, output) = try await imapctl.runOnTerminal(
            ["syncremote", "--local", "--userid", "u1", "--identifier", server.users[0].user, "--mailbox", "日本語"],
            prompt: "Password for", answer: server.users[0].password, logDirectory: directory.path)
        #expect(status == 0, "\(output)")
        #expect(output.contains("Password for alice:") && !output.contains(server.users[0].password))
        #expect(output.contains("日本語: copied 0→remote \(count)→local"), "\(output)")
        #expect(!output.contains("INBOX"), "only the named mailbox: \(output)")
    }

    /// The local account mirrors the remote's subscriptions; a run never invents one. Created
    /// subscribed, the store's copies of unsubscribed mailboxes were subscribed on the remote by
    /// the next run (a SUBSCRIBE per mailbox: Dovecot rewrites its subscriptions file each time).
    @Test func subscriptionsAreMirroredAndNoneIsInvented() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 30, seed: 5, bigMessages: 0))
        defer { server.stop() }
        let mailboxes = try #require(server.manifest?.mailboxes.keys.sorted())
        try #require(mailboxes.count > 1)
        // Only INBOX subscribed on the remote (Dovecot's list of subscriptions, one name a line).
        try "INBOX\n".write(toFile: server.maildir() + "/subscriptions", atomically: true, encoding: .utf8)
        let path = directory.file("subscriptions.db")
        let imapctl = try Imapctl(database: path)
        let identifier = try await addIdentity(server, imapctl)
        _ = try await sync(imapctl, identifier: identifier)
        let second = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", identifier, "--debug"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("\\Subscribed") && !second.stderr.contains(" SUBSCRIBE ")
                && !second.stderr.contains(" UNSUBSCRIBE "), "\(second.stderr)")
        let store = try openStore(path)
        defer { store.close() }
        let local = try store.mailboxes(userID: "u1")
        #expect(Set(local.map(\.name)).isSuperset(of: mailboxes))
        #expect(local.filter(\.subscribed).map(\.name) == ["INBOX"])
    }

    @Test func anUnknownIdentityIsAClearError() async throws {
        let imapctl = try Imapctl(database: directory.file("none.db"))
        let run = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", "nobody@example.org"])
        #expect(run.status != 0 && run.stderr.contains("identity nobody@example.org of user u1"), "\(run.stderr)")
    }
}

private func statusLine(_ output: String) -> String? {
    output.split(separator: "\r\n").first { $0.hasPrefix("* STATUS") }.map(String.init)
}
