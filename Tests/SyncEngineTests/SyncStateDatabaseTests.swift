import Foundation
import GRDB
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

@Suite("State database (InterIMAP 0.5.7 schema)")
struct SyncStateDatabaseTests {
    /// What interimap 0.5.7 leaves in sqlite_master (copied from a file it created), so the
    /// check does not depend on our own schema strings.
    static let interimapSchema = [
        "CREATE TABLE mailboxes (idx        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, mailbox    BLOB COLLATE BINARY NOT NULL CHECK (mailbox != '') UNIQUE, subscribed BOOLEAN NOT NULL)",
        "CREATE TABLE sqlite_sequence(name,seq)",
        "CREATE TABLE local (idx           INTEGER         NOT NULL PRIMARY KEY REFERENCES mailboxes(idx), UIDVALIDITY   UNSIGNED INT    NOT NULL CHECK (UIDVALIDITY > 0), UIDNEXT       UNSIGNED INT    NOT NULL, HIGHESTMODSEQ UNSIGNED BIGINT NOT NULL)",
        "CREATE TABLE remote (idx           INTEGER         NOT NULL PRIMARY KEY REFERENCES mailboxes(idx), UIDVALIDITY   UNSIGNED INT    NOT NULL CHECK (UIDVALIDITY > 0), UIDNEXT       UNSIGNED INT    NOT NULL, HIGHESTMODSEQ UNSIGNED BIGINT NOT NULL)",
        "CREATE TABLE mapping (idx  INTEGER      NOT NULL REFERENCES mailboxes(idx), lUID UNSIGNED INT NOT NULL CHECK (lUID > 0), rUID UNSIGNED INT NOT NULL CHECK (rUID > 0), PRIMARY KEY (idx,lUID), UNIQUE      (idx,rUID))",
    ]

    static func schema(of path: String) throws -> (sql: [String], indexes: [String], version: Int) {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            (try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"),
             try Int.fetchOne(db, sql: "PRAGMA user_version") ?? -1)
        }
    }

    static func name(_ text: String) -> StoredMailboxName {
        guard let name = StoredMailboxName(bytes: Array(text.utf8)) else { preconditionFailure("empty name") }
        return name
    }

    @Test("a new file gets exactly interimap's schema, user_version 1, mode 0600")
    func createsInterimapSchema() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        _ = try SyncStateDatabase(path: path)
        let schema = try Self.schema(of: path)
        #expect(schema.sql == Self.interimapSchema)
        #expect(schema.indexes == ["sqlite_autoindex_mailboxes_1", "sqlite_autoindex_mapping_1", "sqlite_autoindex_mapping_2"])
        #expect(schema.version == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("reopening keeps the data; a missing file is not created when told so")
    func reopens() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        do {
            let db = try SyncStateDatabase(path: path)
            _ = try db.write { try $0.createMailbox(Self.name("INBOX"), subscribed: true) }
        }
        let again = try SyncStateDatabase(path: path, create: false)
        #expect(try again.read { try $0.mailboxes() }.map(\.name.description) == ["INBOX"])
        #expect(throws: SyncStateError.cannotOpen(path: dir.file("none.db"), reason: "no such file")) {
            try SyncStateDatabase(path: dir.file("none.db"), create: false)
        }
    }

    @Test("a newer schema is refused, naming the file and both versions")
    func refusesNewerSchema() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = 2") }
        let error = #expect(throws: SyncStateError.self) { try SyncStateDatabase(path: path) }
        #expect(error == .newerSchema(path: path, found: 2, supported: 1))
        #expect(error?.description.contains(path) == true)
    }

    @Test("a pre-0.5 interimap file and a foreign file are refused, untouched")
    func refusesOtherFiles() throws {
        let dir = try TemporaryDirectory()
        let legacy = dir.file("legacy.db")
        try DatabaseQueue(path: legacy).write { try $0.execute(sql: "CREATE TABLE mailboxes (idx INTEGER)") }
        #expect(throws: SyncStateError.legacySchema(path: legacy)) { try SyncStateDatabase(path: legacy) }

        let foreign = dir.file("foreign.db")
        try DatabaseQueue(path: foreign).writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TABLE mailboxes (idx INTEGER)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        #expect(throws: SyncStateError.notAStateDatabase(path: foreign, missingTables: ["local", "remote", "mapping"])) {
            try SyncStateDatabase(path: foreign)
        }

        let garbage = dir.file("garbage.db")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: SyncStateError.self) { try SyncStateDatabase(path: garbage) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == Data(repeating: 0x41, count: 4096))
    }

    @Test("mailbox names keep \\0 for the delimiter; rename takes the children; delete takes everything")
    func mailboxes() throws {
        let dir = try TemporaryDirectory()
        let db = try SyncStateDatabase(path: dir.file("state.db"))
        let listed = try #require(StoredMailboxName(MailboxName("Lists/Développement"), delimiter: "/"))
        #expect(listed.bytes == Array("Lists\u{0}D&AOk-veloppement".utf8))
        #expect(listed.mailboxName(delimiter: ".")?.raw == Array("Lists.D&AOk-veloppement".utf8))
        #expect(listed.mailboxName(delimiter: nil) == nil)
        #expect(listed.description == "Lists/Développement")

        let (lists, inbox) = try db.write { tx in
            let lists = try tx.createMailbox(Self.name("Lists"), subscribed: false)
            _ = try tx.createMailbox(listed, subscribed: true)
            let inbox = try tx.createMailbox(Self.name("inbox"), subscribed: true)
            try tx.insertInitialState(mailbox: inbox.id, uidValidity: PerSide(local: 1, remote: 2))
            try tx.insertMappings(mailbox: inbox.id, pairs([(1, 1)]))
            return (lists, inbox)
        }
        #expect(inbox.name.bytes == Array("INBOX".utf8))
        #expect(try db.read { try $0.mailbox(named: listed) }?.isSubscribed == true)

        let renamed = try db.write { try $0.renameMailbox(Self.name("Lists"), to: Self.name("Old\u{0}Lists")) }
        #expect(renamed == 2)
        #expect(try db.read { try $0.mailboxes() }.map(\.name.description).sorted()
                == ["INBOX", "Old/Lists", "Old/Lists/Développement"])
        #expect(try db.read { try $0.mailbox(named: Self.name("Old\u{0}Lists")) }?.id == lists.id)

        try db.write { try $0.setSubscribed(true, mailbox: lists.id) }
        #expect(try db.read { try $0.mailbox(named: Self.name("Old\u{0}Lists")) }?.isSubscribed == true)
        try db.write { try $0.deleteMailbox(inbox.id) }
        #expect(try db.read { try $0.state(mailbox: inbox.id) } == nil)
        #expect(try db.read { try $0.mappingCount(mailbox: inbox.id) } == 0)
    }

    @Test("states: initial 0/0, commit points, HIGHESTMODSEQ above 2^63 stored as interimap does")
    func states() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let db = try SyncStateDatabase(path: path)
        let box = try db.write { tx in
            let box = try tx.createMailbox(Self.name("INBOX"), subscribed: true)
            try tx.insertInitialState(mailbox: box.id, uidValidity: PerSide(local: 1_700_000_000, remote: 4_000_000_000))
            return box
        }
        #expect(try db.read { try $0.state(mailbox: box.id) }
                == PerSide(local: SideState(uidValidity: 1_700_000_000, uidNext: 0, highestModSeq: 0),
                           remote: SideState(uidValidity: 4_000_000_000, uidNext: 0, highestModSeq: 0)))
        try db.write { try $0.commitHighestModSeq(mailbox: box.id, PerSide(local: 17, remote: 1 << 63 + 5)) }
        #expect(try db.read { try $0.sideState(.remote, mailbox: box.id) }?.highestModSeq == 1 << 63 + 5)
        try db.write {
            try $0.commitSynced(mailbox: box.id, PerSide(local: MailboxSnapshot(uidValidity: 1_700_000_000, uidNext: 12, highestModSeq: 20),
                                                         remote: MailboxSnapshot(uidValidity: 4_000_000_000, uidNext: 7, highestModSeq: 30)))
        }
        #expect(try db.read { try $0.state(mailbox: box.id) }?.local == SideState(uidValidity: 1_700_000_000, uidNext: 12, highestModSeq: 20))
        // The raw column holds the signed 64-bit value interimap writes with sprintf("%lld").
        try db.write { try $0.commitHighestModSeq(mailbox: box.id, PerSide(local: 20, remote: ModSeqValue(Int64.max) + 1)) }
        #expect(try db.read { try Int64.fetchOne($0.db, sql: "SELECT HIGHESTMODSEQ FROM remote") } == Int64.min)
        try db.write { try $0.resetSide(.remote, mailbox: box.id, uidValidity: 99) }
        #expect(try db.read { try $0.sideState(.remote, mailbox: box.id) } == SideState(uidValidity: 99, uidNext: 0, highestModSeq: 0))
    }

    @Test("mappings: bulk insert, lookup both ways, delete by UID sets, invariants roll the transaction back")
    func mappings() throws {
        let dir = try TemporaryDirectory()
        let db = try SyncStateDatabase(path: dir.file("state.db"))
        let box = try db.write { tx in
            let box = try tx.createMailbox(Self.name("INBOX"), subscribed: true)
            try tx.insertInitialState(mailbox: box.id, uidValidity: PerSide(local: 1, remote: 2))
            try tx.insertMappings(mailbox: box.id, (1...50).map { UIDPair(local: uid($0), remote: uid($0 + 1000)) })
            return box
        }
        #expect(try db.read { try $0.counterpart(of: uid(7), on: .local, mailbox: box.id) } == uid(1007))
        #expect(try db.read { try $0.counterpart(of: uid(1008), on: .remote, mailbox: box.id) } == uid(8))
        #expect(try db.read { try $0.counterpart(of: uid(51), on: .local, mailbox: box.id) } == nil)
        #expect(try db.read { try $0.highestMappedUIDs(mailbox: box.id, side: .remote, limit: 3) } == [1050, 1049, 1048].map(uid))

        let deleted = try db.write { tx in
            try tx.deleteMappings(mailbox: box.id, side: .local, uids: try #require(UIDSet(parsing: "1:5,10")))
                + tx.deleteMappings(mailbox: box.id, side: .remote, uids: try #require(UIDSet(parsing: "1020:1030,2000")))
        }
        #expect(deleted == 6 + 11)
        let mapping = try db.read { try $0.mapping(mailbox: box.id) }
        #expect(mapping.count == 50 - 17)
        #expect(mapping.counterpart(of: uid(6), on: .local) == uid(1006))
        #expect(mapping.counterpart(of: uid(1025), on: .remote) == nil)

        // A remote UID mapped twice breaks UNIQUE (idx,rUID): nothing of the batch stays.
        let error = #expect(throws: SyncStateError.self) {
            try db.write { try $0.insertMappings(mailbox: box.id, pairs([(60, 2060), (61, 1006)])) }
        }
        guard case .invariant = error else {
            Issue.record("expected an invariant error, got \(String(describing: error))")
            return
        }
        #expect(try db.read { try $0.counterpart(of: uid(60), on: .local, mailbox: box.id) } == nil)
    }

    @Test("interrupted runs are the mailboxes with pairs at or above a committed UIDNEXT")
    func interruptedRuns() throws {
        let dir = try TemporaryDirectory()
        let db = try SyncStateDatabase(path: dir.file("state.db"))
        let (a, b) = try db.write { tx in
            let a = try tx.createMailbox(Self.name("A"), subscribed: false)
            let b = try tx.createMailbox(Self.name("B"), subscribed: false)
            for box in [a, b] {
                try tx.insertInitialState(mailbox: box.id, uidValidity: PerSide(local: 1, remote: 1))
                try tx.commitSynced(mailbox: box.id, PerSide(local: MailboxSnapshot(uidValidity: 1, uidNext: 10, highestModSeq: 5),
                                                             remote: MailboxSnapshot(uidValidity: 1, uidNext: 20, highestModSeq: 5)))
                try tx.insertMappings(mailbox: box.id, pairs([(9, 19)]))
            }
            try tx.insertMappings(mailbox: b.id, pairs([(10, 20), (11, 21)]))
            return (a, b)
        }
        #expect(try db.read { try $0.interruptedMailboxes() } == [b.id])
        #expect(try db.read { try $0.pairsAboveCommittedUIDNext(mailbox: b.id) } == pairs([(10, 20), (11, 21)]))
        #expect(try db.read { try $0.pairsAboveCommittedUIDNext(mailbox: a.id) }.isEmpty)
    }

    @Test("the file is locked while open, as interimap locks it")
    func exclusiveLock() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let first = try SyncStateDatabase(path: path)
        _ = try first.write { try $0.createMailbox(Self.name("INBOX"), subscribed: true) }
        #expect(throws: SyncStateError.locked(path: path)) { try SyncStateDatabase(path: path) }
    }
}
