import Foundation
import MailStore
import Testing
import TestSupport

/// `syncremote` killed with SIGKILL at many points of a first and of an incremental run (the
/// engine's checkpoints: after every change on an account or commit of the state database);
/// after a last run the remote and the local account agree, each message once.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SyncRemoteCrashTests {
    /// A multiset of (size, flags) per message: what both sides must agree on.
    static func remoteMessages(_ server: DovecotServer, _ mailbox: String) async throws -> [String] {
        let output = try await remoteSession(server, "a EXAMINE \"\(mailbox)\"\r\nb UID FETCH 1:* (RFC822.SIZE FLAGS)\r\n")
        return output.split(separator: "\r\n").filter { $0.hasPrefix("* ") && $0.contains(" FETCH ") }.compactMap { line in
            guard let size = line.firstMatch(of: /RFC822\.SIZE (\d+)/)?.1,
                  let flags = line.firstMatch(of: /FLAGS \(([^)]*)\)/)?.1 else { return nil }
            let list = flags.split(separator: " ").map(String.init).filter { $0 != "\\Recent" }.sorted()
            return "\(size) \(list.joined(separator: " "))"
        }.sorted()
    }

    static func localMessages(_ store: MailStore, _ mailbox: String) async throws -> (entries: [String], hashes: [String]) {
        guard let found = try await store.findMailbox(userID: "u1", name: mailbox) else { return ([], []) }
        let records = try await store.messageRecords(mailboxID: found.id)
        return (records.map { "\($0.size) \($0.flags.sorted().joined(separator: " "))" }.sorted(), records.map(\.sha256))
    }

    /// Both accounts hold the same messages with the same flags, each once locally.
    static func expectAgreement(_ server: DovecotServer, _ store: MailStore, _ manifest: CorpusManifest,
                                _ step: String) async throws {
        for name in manifest.mailboxNames {
            let remote = try await remoteMessages(server, try #require(manifest.mailboxes[name]?.mutf7))
            let local = try await localMessages(store, name)
            #expect(local.entries == remote, "\(step): \(name): local \(local.entries) remote \(remote)")
            #expect(Set(local.hashes).count == local.hashes.count, "\(step): \(name): a message stored twice")
        }
    }

    /// Runs syncremote, killed at its `killAfter`-th checkpoint when given; true when it was killed.
    static func run(_ imapctl: Imapctl, id: String, killAfter: Int?, store: MailStore) async throws -> Bool {
        var environment = ProcessInfo.processInfo.environment
        environment["IMAPCTL_SYNC_KILL_AFTER"] = killAfter.map(String.init)
        let result = try await runCommand(imapctl.binary, ["syncremote", "--local", "--userid", "u1", "--identifier", id, "--quiet",
                                                           "--db", imapctl.database], environment: environment)
        #expect(result.status == 0 || result.status == SIGKILL, "exit \(result.status): \(result.stderr)")
        // The killed run's lock stays in the store; the next run takes it at once (its holder is gone).
        return result.status == SIGKILL
    }

    /// Runs killed at `points` in turn (each run resumes what the last left), until a run ends by
    /// itself or `upTo` were killed; gives how many were.
    static func killRepeatedly(_ imapctl: Imapctl, id: String, store: MailStore, points: [Int], upTo: Int) async throws -> Int {
        var kills = 0
        for attempt in 0..<(upTo * 2) where kills < upTo {
            guard try await run(imapctl, id: id, killAfter: points[attempt % points.count], store: store) else { break }
            kills += 1
        }
        return kills
    }

    /// A run SIGKILLed mid-way leaves its lock (holder: this host, its pid, its start time); an
    /// immediate rerun finds the holder gone, takes the lock without waiting for it to expire
    /// (`identities.sync_lock_seconds`, 300 s) and ends with both accounts agreeing.
    @Test func aKilledRunsLockIsTakenOverAtOnce() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 30, seed: 31, bigMessages: 0))
        defer { server.stop() }
        let manifest = try #require(server.manifest)
        let e2e = try SyncRemoteEndToEndTests()
        let imapctl = try Imapctl(database: e2e.directory.file("lock.db"))
        let id = try await e2e.addIdentity(server, imapctl)
        let store = try e2e.openStore(imapctl.database)
        #expect(try await Self.run(imapctl, id: id, killAfter: 4, store: store), "the first run was not killed")
        let uuid = try #require(UUID(uuidString: id))
        let left = try #require(try store.identity(id: uuid)?.syncLock, "the killed run's lock is still there")
        #expect(left.expiresAt > Date() + 60 && left.owner.contains(" pid "), "\(left)")
        let rerun = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", id, "--quiet"])
        #expect(rerun.status == 0 && !rerun.stderr.contains("being synced"), "exit \(rerun.status): \(rerun.stderr)")
        #expect(try store.identity(id: uuid)?.syncLock == nil, "released at the end")
        try await Self.expectAgreement(server, store, manifest, "after the rerun")
    }

    @Test func killedAtThirtyPointsTheAccountsStillAgree() async throws {
        let server = try await DovecotServer.start(corpus: CorpusOptions(messages: 200, seed: 29, bigMessages: 0))
        defer { server.stop() }
        let manifest = try #require(server.manifest)
        let directory = try TemporaryDirectory(prefix: "imapworker-syncremote-crash")
        let path = directory.file("store.db")
        let imapctl = try Imapctl(database: path)
        let id = try await imapctl.addIdentity(of: server)
        let store = try MailStore(path: path, options: .init(keySource: StoreKeySource(keyFile: path + ".key")))

        // First run: killed again and again, each time a little further.
        var kills = 0
        let firstKills = try await Self.killRepeatedly(imapctl, id: id, store: store, points: [1, 2, 1, 3], upTo: 28)
        kills += firstKills
        #expect(try await !Self.run(imapctl, id: id, killAfter: nil, store: store))
        for name in manifest.mailboxNames {
            let local = try await Self.localMessages(store, name)
            #expect(local.hashes.sorted() == (manifest.mailboxes[name]?.messages.map(\.sha256) ?? []).sorted(), "\(name)")
        }

        // Changes on both sides, then an incremental run killed at each of its first points.
        let inbox = try #require(manifest.mailboxes["INBOX"]?.messages)
        let uids = inbox.map(\.uid)
        _ = try await remoteSession(server, """
            a SELECT INBOX\r
            b UID STORE \(uids[0...9].map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Flagged $Crash)\r
            c UID STORE \(uids[10...14].map(String.init).joined(separator: ",")) +FLAGS.SILENT (\\Deleted)\r

            """)
        _ = try await remoteSession(server, "a SELECT INBOX\r\nb UID EXPUNGE \(uids[10...14].map(String.init).joined(separator: ","))\r\n")
        let local = try #require(try await store.findMailbox(userID: "u1", name: "INBOX"))
        let records = try await store.messageRecords(mailboxID: local.id)
        let flag = try await imapctl.run(["flag", "--userid", "u1", "--mailbox", "INBOX",
                                          "--uid", records[20...24].map { String($0.uid) }.joined(separator: ","), "+$Local"])
        #expect(flag.status == 0, "\(flag.stderr)")
        let expunge = try await imapctl.run(["expunge", "--userid", "u1", "--mailbox", "INBOX",
                                             "--uid", records[25...27].map { String($0.uid) }.joined(separator: ",")])
        #expect(expunge.status == 0, "\(expunge.stderr)")
        kills += try await Self.killRepeatedly(imapctl, id: id, store: store, points: [1, 2, 1, 3], upTo: 14)
        #expect(try await !Self.run(imapctl, id: id, killAfter: nil, store: store))
        #expect(kills >= 30, "only \(kills) runs were killed (\(firstKills) in the first run)")
        for name in manifest.mailboxNames {
            let remote = try await Self.remoteMessages(server, try #require(manifest.mailboxes[name]?.mutf7))
            let mine = try await Self.localMessages(store, name)
            #expect(mine.entries == remote, "\(name): local \(mine.entries.count), remote \(remote.count)")
            #expect(Set(mine.hashes).count == mine.hashes.count, "\(name): a message stored twice")
        }
        let inboxNow = try await Self.localMessages(store, "INBOX")
        #expect(inboxNow.hashes.count == inbox.count - 5 - 3)
        // And a last run has nothing left to do.
        let last = try await imapctl.run(["syncremote", "--local", "--userid", "u1", "--identifier", id, "--json"])
        #expect(last.status == 0 && !last.stdout.contains("\"outcome\":\"synced\""), "\(last.stdout)")
    }
}
