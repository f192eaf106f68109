import Foundation
import GRDB
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// Two daemon-less Dovecot Maildirs synchronised by the real interimap 0.5.7 over two tunnels,
/// and its database read (and written) by ``SyncStateDatabase``.
@Suite("Compatibility with interimap 0.5.7")
struct InterIMAPCompatibilityTests {
    /// A local and a remote account with different mail, interimap's config and environment.
    struct Setup {
        let dir: TemporaryDirectory
        var local: String { dir.path + "/l" }
        var remote: String { dir.path + "/r" }
        var localMaildir: DovecotMaildir { DovecotMaildir(root: local + "/home/alice/Maildir") }
        var remoteMaildir: DovecotMaildir { DovecotMaildir(root: remote + "/home/bob/Maildir") }

        /// Made, and synchronised once by interimap into `state.db`.
        static func synced() async throws -> (Setup, String) {
            let setup = try await make()
            let path = setup.dir.file("state.db")
            _ = try await setup.interimap(database: path)
            return (setup, path)
        }

        static func make() async throws -> Setup {
            let setup = Setup(dir: try TemporaryDirectory(prefix: "imapworker-interimap"))
            // Hierarchy (a/b, and its parent a), a non-ASCII name (日本語), mailboxes on one side only.
            try await DovecotServer.generateCorpus(CorpusOptions(messages: 9, seed: 11, mailboxes: "INBOX=3,a/b=3,日本語=3"),
                                                   maildir: setup.local + "/home/alice/Maildir", manifest: setup.dir.file("l.json"))
            try await DovecotServer.generateCorpus(CorpusOptions(messages: 6, seed: 12, mailboxes: "INBOX=2,Archive=2,日本語=2"),
                                                   maildir: setup.remote + "/home/bob/Maildir", manifest: setup.dir.file("r.json"))
            return setup
        }

        func writeConfig(database: String) throws -> String {
            let file = dir.file("config-\((database as NSString).lastPathComponent)")
            try """
                database = \(database)
                [local]
                type = tunnel
                command = \(harnessScript("tunnel-imap.sh")) \(local) alice
                [remote]
                type = tunnel
                command = \(harnessScript("tunnel-imap.sh")) \(remote) bob
                """.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        /// Runs interimap once; returns its log (it logs to stderr).
        func interimap(database: String) async throws -> String {
            let config = try writeConfig(database: database)
            let result = try await runCommand("/usr/bin/interimap", ["--config=\(config)"],
                                              environment: ["HOME": dir.path, "XDG_DATA_HOME": dir.path,
                                                            "XDG_CONFIG_HOME": dir.path, "PATH": "/usr/bin:/bin"],
                                              timeout: .seconds(300))
            #expect(result.status == 0, "interimap failed: \(result.stderr)")
            return result.stdout + result.stderr
        }
    }

    /// Everything the database says must be what the two Maildirs hold.
    static func checkDatabaseMatchesMaildirs(_ db: SyncStateDatabase, _ setup: Setup) async throws {
        let stored = try db.read { try $0.mailboxes() }
        let localNames = try setup.localMaildir.mailboxNames()
        let remoteNames = try setup.remoteMaildir.mailboxNames()
        let expected = ["INBOX", "Archive", "a", "a\u{0}b", "&ZeVnLIqe-"].compactMap { StoredMailboxName(bytes: Array($0.utf8)) }.sorted()
        #expect(stored.map(\.name).sorted() == expected)
        #expect(localNames == expected)
        #expect(remoteNames == expected)
        #expect(stored.map(\.name.description).contains("日本語"))
        #expect(stored.map(\.name.description).contains("a/b"))

        let wire = expected.compactMap { $0.mailboxName(delimiter: "/") }.map { String(decoding: $0.raw, as: UTF8.self) }
        let status = PerSide(local: try await tunnelStatus(dir: setup.local, user: "alice", mailboxes: wire),
                             remote: try await tunnelStatus(dir: setup.remote, user: "bob", mailboxes: wire))
        for mailbox in stored {
            let name = try #require(mailbox.name.mailboxName(delimiter: "/"))
            let wireName = String(decoding: name.raw, as: UTF8.self)
            let state = try #require(try db.read { try $0.state(mailbox: mailbox.id) }, "no state for \(mailbox.name)")
            let dirs = PerSide(local: try setup.localMaildir.mailbox(mailbox.name), remote: try setup.remoteMaildir.mailbox(mailbox.name))
            for side in Side.allCases {
                let live = try #require(status[side][wireName], "no STATUS for \(wireName) on \(side)")
                #expect(state[side].uidValidity == dirs[side].uidValidity, "\(mailbox.name) \(side) UIDVALIDITY")
                #expect(state[side].uidValidity == live.0)
                #expect(state[side].uidNext == live.1, "\(mailbox.name) \(side) UIDNEXT")
                #expect(state[side].highestModSeq == live.2, "\(mailbox.name) \(side) HIGHESTMODSEQ")
            }
            let mapping = try db.read { try $0.mapping(mailbox: mailbox.id) }
            #expect(mapping.count == dirs.local.messages.count, "\(mailbox.name): every local message mapped")
            #expect(mapping.count == dirs.remote.messages.count, "\(mailbox.name): every remote message mapped")
            for pair in mapping.pairs {
                let local = try #require(dirs.local.messages[pair.local.rawValue], "\(mailbox.name) local UID \(pair.local)")
                let remote = try #require(dirs.remote.messages[pair.remote.rawValue], "\(mailbox.name) remote UID \(pair.remote)")
                #expect(local == remote, "\(mailbox.name) pair \(pair) holds different messages")
            }
        }
        let total = try db.read { tx in try stored.reduce(0) { sum, mailbox in sum + (try tx.mappingCount(mailbox: mailbox.id)) } }
        #expect(total == 9 + 6)
    }

    @Test("the database interimap writes is read back exactly; a copy we write is accepted as is")
    func roundTrip() async throws {
        let setup = try await Setup.make()
        let theirs = setup.dir.file("interimap.db")
        let log = try await setup.interimap(database: theirs)
        #expect(log.contains("Creating new schema"))
        // Read before we open it: our open holds the file's exclusive lock (WAL) until it closes.
        let theirSchema = try SyncStateDatabaseTests.schema(of: theirs).sql

        let db = try SyncStateDatabase(path: theirs, create: false)
        try await Self.checkDatabaseMatchesMaildirs(db, setup)

        // The same state, written by us into a new file.
        let ours = setup.dir.file("ours.db")
        do {
            let copy = try SyncStateDatabase(path: ours)
            let mailboxes = try db.read { try $0.mailboxes() }
            for mailbox in mailboxes {
                let (state, mapping) = try db.read { tx in
                    (try tx.state(mailbox: mailbox.id), try tx.mapping(mailbox: mailbox.id))
                }
                let state_ = try #require(state)
                try copy.write { tx in
                    let new = try tx.createMailbox(mailbox.name, subscribed: mailbox.isSubscribed)
                    try tx.insertInitialState(mailbox: new.id, uidValidity: state_.map(\.uidValidity))
                    try tx.insertMappings(mailbox: new.id, mapping.pairs)
                    try tx.commitSynced(mailbox: new.id, state_)
                }
            }
        }
        #expect(try SyncStateDatabaseTests.schema(of: ours).sql == theirSchema)

        // interimap on our file: no error, nothing created, nothing copied.
        let quiet = try await setup.interimap(database: ours)
        for word in ["Creating", "Created", "Added", "Resuming", "Upgrading", "WARNING", "ERROR"] {
            #expect(!quiet.contains(word), "interimap on our database: \(quiet)")
        }

        // One new remote message: interimap copies exactly that one, and we read its pair.
        let message = "From: x@example.org\r\nSubject: new\r\nMessage-ID: <new@example.org>\r\n\r\nhello\r\n"
        let appended = try await setupAppend(setup, message)
        let incremental = try await setup.interimap(database: ours)
        #expect(incremental.contains("Added 1 UID(s)"), "\(incremental)")
        let reopened = try SyncStateDatabase(path: ours, create: false)
        let inbox = try #require(try reopened.read { try $0.mailbox(named: .inbox) })
        #expect(try reopened.read { try $0.counterpart(of: appended, on: .remote, mailbox: inbox.id) } != nil)
        try await Self.checkDatabaseMatchesMaildirsAfterAppend(reopened, setup)
    }

    /// After the extra message: same checks, one more message.
    static func checkDatabaseMatchesMaildirsAfterAppend(_ db: SyncStateDatabase, _ setup: Setup) async throws {
        let inbox = StoredMailboxName.inbox
        let box = try #require(try db.read { try $0.mailbox(named: inbox) })
        let mapping = try db.read { try $0.mapping(mailbox: box.id) }
        let local = try setup.localMaildir.mailbox(inbox)
        let remote = try setup.remoteMaildir.mailbox(inbox)
        #expect(mapping.count == local.messages.count)
        #expect(mapping.count == remote.messages.count)
        for pair in mapping.pairs {
            #expect(local.messages[pair.local.rawValue] == remote.messages[pair.remote.rawValue], "pair \(pair)")
        }
    }

    /// APPENDs `message` to the remote INBOX through a tunnel and returns its UID.
    func setupAppend(_ setup: Setup, _ message: String) async throws -> UID {
        let output = try await tunnelSession(dir: setup.remote, user: "bob",
                                             commands: "a1 APPEND INBOX (\\Seen) {\(message.utf8.count)+}\r\n\(message)\r\n")
        let line = try #require(output.split(separator: "\r\n").first { $0.hasPrefix("a1 OK [APPENDUID") }, "\(output)")
        let fields = line.split(separator: " ")
        let value = try #require(UInt32(fields[4].trimmingCharacters(in: CharacterSet(charactersIn: "]"))))
        return try #require(UID(rawValue: value))
    }
}

extension InterIMAPCompatibilityTests {
    /// A run that recorded pairs but stopped before committing UIDNEXT, as our commit order
    /// leaves it: interimap finds the same state interrupted and resumes without copying again.
    @Test("an interrupted run in our file is resumed by interimap without duplicates")
    func interruptedRunIsResumed() async throws {
        let (setup, path) = try await Setup.synced()
        let inboxName = StoredMailboxName.inbox
        let before = PerSide(local: try setup.localMaildir.mailbox(inboxName).messages.count,
                             remote: try setup.remoteMaildir.mailbox(inboxName).messages.count)
        do {
            let db = try SyncStateDatabase(path: path, create: false)
            let inbox = try #require(try db.read { try $0.mailbox(named: inboxName) })
            #expect(try db.read { try $0.interruptedMailboxes() }.isEmpty)
            // Back to before the last appends: the pairs stay, UIDNEXT does not cover them.
            let state = try #require(try db.read { try $0.state(mailbox: inbox.id) })
            var rolledBack = state
            rolledBack.local.uidNext = 1
            rolledBack.remote.uidNext = 1
            try db.write { try $0.commitSynced(mailbox: inbox.id, rolledBack) }
            #expect(try db.read { try $0.interruptedMailboxes() } == [inbox.id])
            #expect(try db.read { try $0.pairsAboveCommittedUIDNext(mailbox: inbox.id) }.count == before.local)
        }
        let log = try await setup.interimap(database: path)
        #expect(log.contains("Resuming interrupted sync for INBOX"), "\(log)")
        #expect(!log.contains("Added"), "\(log)")
        #expect(try setup.localMaildir.mailbox(inboxName).messages.count == before.local)
        #expect(try setup.remoteMaildir.mailbox(inboxName).messages.count == before.remote)
        let db = try SyncStateDatabase(path: path, create: false)
        #expect(try db.read { try $0.interruptedMailboxes() }.isEmpty)
        try await Self.checkDatabaseMatchesMaildirs(db, setup)
    }
}

extension InterIMAPCompatibilityTests {
    /// The same changes given to our planner and to interimap: what interimap does to the two
    /// Maildirs is what the plan says (conflict → union on both; expunge on one side beats a
    /// flag change on the other; a one-sided change is copied).
    @Test("interimap and UpdatePlanner agree on conflicts, expunge against flag change, one-sided changes")
    func plannerAgreesWithInterimap() async throws {
        let (setup, path) = try await Setup.synced()
        let inboxName = StoredMailboxName.inbox
        // Read, then close: the file is locked while open, as interimap locks it.
        let (inbox, state, map) = try { () throws -> (StoredMailbox, PerSide<SideState>?, UIDMapping) in
            let db = try SyncStateDatabase(path: path, create: false)
            let inbox = try #require(try db.read { try $0.mailbox(named: inboxName) })
            return try db.read { tx in (inbox, try tx.state(mailbox: inbox.id), try tx.mapping(mailbox: inbox.id)) }
        }()
        let committed = try #require(state)
        let mapped = map.pairs
        try #require(mapped.count >= 3)
        let (conflict, expunged, oneSided) = (mapped[0], mapped[1], mapped[2])

        _ = try await tunnelSession(dir: setup.local, user: "alice", commands: """
            s SELECT INBOX\r
            a UID STORE \(conflict.local) FLAGS.SILENT (\\Flagged)\r
            b UID STORE \(expunged.local) +FLAGS.SILENT (\\Deleted)\r
            c UID EXPUNGE \(expunged.local)\r
            d UID STORE \(oneSided.local) FLAGS.SILENT (\\Seen \\Draft)\r

            """)
        _ = try await tunnelSession(dir: setup.remote, user: "bob", commands: """
            s SELECT INBOX\r
            a UID STORE \(conflict.remote) FLAGS.SILENT (\\Answered)\r
            b UID STORE \(expunged.remote) FLAGS.SILENT (\\Draft)\r

            """)

        // What a QRESYNC select reports for those changes.
        let changes = PerSide(
            local: ChangeSet(vanished: UIDSet(expunged.local),
                             flagChanges: [conflict.local: FlagChange(flags: [.flagged], modSeq: committed.local.highestModSeq + 1),
                                           oneSided.local: FlagChange(flags: [.seen, .draft], modSeq: committed.local.highestModSeq + 3)],
                             highestModSeq: committed.local.highestModSeq + 3),
            remote: ChangeSet(flagChanges: [conflict.remote: FlagChange(flags: [.answered], modSeq: committed.remote.highestModSeq + 1),
                                            expunged.remote: FlagChange(flags: [.draft], modSeq: committed.remote.highestModSeq + 2)],
                              highestModSeq: committed.remote.highestModSeq + 2))
        let round = UpdatePlanner.plan(UpdateRoundInput(mapping: map, changes: changes, uidNext: committed.map(\.uidNext),
                                                        seenModSeq: committed.map(\.highestModSeq)))
        guard case .apply(let plan) = round else { Issue.record("expected work"); return }
        #expect(plan.expunges.remote.uids == [expunged.remote])
        #expect(plan.expunges.local == nil)
        #expect(plan.conflicts.map(\.pair) == [conflict])
        #expect(plan.flagChangesDroppedForExpunge.remote.uids == [expunged.remote])

        let log = try await setup.interimap(database: path)
        #expect(log.contains("Conflicting flag update"), "\(log)")

        let local = try setup.localMaildir.mailbox(inboxName)
        let remote = try setup.remoteMaildir.mailbox(inboxName)
        // Expunge: gone on both sides, and so is its pair.
        #expect(local.messages[expunged.local.rawValue] == nil)
        #expect(remote.messages[expunged.remote.rawValue] == nil, "interimap kept the remote message the plan expunges")
        let db = try SyncStateDatabase(path: path, create: false)
        #expect(try db.read { try $0.counterpart(of: expunged.local, on: .local, mailbox: inbox.id) } == nil)
        // Every store of the plan is what interimap left on that side.
        for side in Side.allCases {
            let flags = side == .local ? local.flags : remote.flags
            for request in plan.flagStores[side] {
                for u in request.uids {
                    #expect(flags[u.rawValue] == request.flags, "\(side) UID \(u): interimap left \(String(describing: flags[u.rawValue]))")
                }
            }
        }
        #expect(local.flags[conflict.local.rawValue] == FlagList([.answered, .flagged]))
        #expect(remote.flags[conflict.remote.rawValue] == FlagList([.answered, .flagged]))
        #expect(remote.flags[oneSided.remote.rawValue] == FlagList([.seen, .draft]))
    }
}
