import Foundation
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// `imapctl sync` between a local tunnel account and a remote Dovecot over imaps: every
/// scenario of the issue, checked on the Maildirs themselves and in the state database.
@Suite("imapctl sync scenarios", .serialized)
struct SyncCommandScenarioTests {
    static let localCorpus = CorpusOptions(messages: 7, seed: 21, mailboxes: "INBOX=3,a/b=2,日本語=2")
    static let remoteCorpus = CorpusOptions(messages: 7, seed: 22, mailboxes: "INBOX=3,Archive=2,日本語=2")

    /// Made, and synchronised once.
    static func synced() async throws -> SyncScenario {
        let scenario = try await SyncScenario.make(local: localCorpus, remote: remoteCorpus)
        let first = try await scenario.syncReport()
        #expect(first.total(\.copied) == SideCounts(local: 7, remote: 7))
        #expect(try scenario.checkInSync() == 7 + 7)
        return scenario
    }

    @Test("first sync, then new messages, flags, a conflict and expunges on each side")
    func changesOnEachSide() async throws {
        let scenario = try await Self.synced()
        #expect(try await scenario.syncReport().isAllClean, "a second run with no change selects nothing")

        let pairs = try scenario.mapping(.inbox).pairs
        try #require(pairs.count >= 6)
        _ = try await scenario.session(.local, """
            s SELECT INBOX\r
            a UID STORE \(pairs[0].local) FLAGS.SILENT (\\Flagged)\r
            b UID STORE \(pairs[2].local) FLAGS.SILENT (\\Answered \\Draft)\r
            c UID STORE \(pairs[3].local) +FLAGS.SILENT (\\Deleted)\r
            d UID EXPUNGE \(pairs[3].local)\r

            """)
        _ = try await scenario.session(.remote, """
            s SELECT INBOX\r
            a UID STORE \(pairs[1].remote) FLAGS.SILENT (\\Seen \\Draft)\r
            b UID STORE \(pairs[2].remote) FLAGS.SILENT (\\Flagged \\Draft)\r
            c UID STORE \(pairs[4].remote) +FLAGS.SILENT (\\Deleted)\r
            d UID EXPUNGE \(pairs[4].remote)\r

            """)
        try await scenario.append(.local, subject: "new local", flags: "\\Seen")
        try await scenario.append(.remote, subject: "new remote")

        let report = try await scenario.syncReport()
        #expect(report.total(\.copied) == SideCounts(local: 1, remote: 1))
        #expect(report.total(\.expunged) == SideCounts(local: 1, remote: 1))
        #expect(report.conflicts == 1)
        #expect(report.total(\.flagsUpdated).total >= 3)
        try scenario.checkInSync()
        let local = try scenario.localMaildir.mailbox(.inbox)
        let remote = try scenario.remoteMaildir.mailbox(.inbox)
        #expect(local.flags[pairs[2].local.rawValue] == FlagList([.answered, .draft, .flagged]), "conflict: the union locally")
        #expect(remote.flags[pairs[2].remote.rawValue] == FlagList([.answered, .draft, .flagged]), "conflict: the union remotely")
        #expect(remote.flags[pairs[0].remote.rawValue] == FlagList([.flagged]))
        #expect(local.flags[pairs[1].local.rawValue] == FlagList([.seen, .draft]))
        #expect(local.messages[pairs[4].local.rawValue] == nil)
        #expect(remote.messages[pairs[3].remote.rawValue] == nil)
        #expect(try await scenario.syncReport().isAllClean)
    }

    @Test("--rename (recursive) and --delete (not recursive) with --target")
    func renameAndDelete() async throws {
        let scenario = try await Self.synced()
        let before = try scenario.checkInSync()

        var result = try await scenario.sync(["--rename", "a", "Renamed"])
        #expect(result.status == 0, "\(result.stderr)")
        for side in Side.allCases {
            let names = try scenario.maildir(side).mailboxNames().map(\.description)
            #expect(names.contains("Renamed") && names.contains("Renamed/b") && !names.contains("a/b"), "\(side): \(names)")
        }
        let renamed = try await scenario.syncReport()
        #expect(renamed.total(\.copied).total == 0, "a rename copies nothing")
        #expect(try scenario.checkInSync() == before)

        // DEST exists: refused before anything is done.
        result = try await scenario.sync(["--rename", "Archive", "Renamed"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("exists"), "\(result.stderr)")

        // Deleted locally only: the next sync refuses to guess, as interimap.
        result = try await scenario.sync(["--target=local", "--delete", "Archive"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try !scenario.localMaildir.mailboxNames().map(\.description).contains("Archive"))
        result = try await scenario.sync()
        #expect(result.status != 0)
        #expect(result.stderr.contains("--delete"), "\(result.stderr)")
        result = try await scenario.sync(["--target=remote", "--target=database", "--delete", "Archive"])
        #expect(result.status == 0, "\(result.stderr)")
        // Not recursive: deleting Renamed leaves Renamed/b (a \NonExistent parent on Maildir++).
        result = try await scenario.sync(["--delete", "Renamed"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scenario.localMaildir.mailboxNames().map(\.description).contains("Renamed/b"))
        let after = try await scenario.syncReport()
        #expect(after.failed.isEmpty, "\(after.failed)")
        try scenario.checkInSync()
    }

    @Test("--repair after the database was tampered with: pairs deleted, flags made to differ")
    func repair() async throws {
        let scenario = try await Self.synced()
        let name = try #require(StoredMailboxName(bytes: Array("&ZeVnLIqe-".utf8)))
        let pairs = try scenario.mapping(name).pairs
        try #require(pairs.count >= 3)
        // A flag change the database claims was seen already, and one lost pair.
        _ = try await scenario.session(.local, "s SELECT \"&ZeVnLIqe-\"\r\na UID STORE \(pairs[0].local) FLAGS.SILENT (\\Flagged)\r\n")
        let status = try await tunnelStatus(dir: scenario.localDir, user: "alice", mailboxes: ["&ZeVnLIqe-"])
        let modseq = try #require(status["&ZeVnLIqe-"]).2
        do {
            let db = try SyncStateDatabase(path: scenario.database, create: false)
            let box = try #require(try db.read { try $0.mailbox(named: name) })
            try db.write { tx in
                try tx.commitHighestModSeq(mailbox: box.id, PerSide(local: modseq, remote: try #require(try tx.sideState(.remote, mailbox: box.id)).highestModSeq))
                _ = try tx.deleteMappings(mailbox: box.id, side: .local, uids: UIDSet(pairs[1].local))
            }
        }
        #expect(try await scenario.syncReport().isAllClean, "the tampering is invisible to a normal sync")
        let report = try await scenario.syncReport(["--repair"])
        #expect(report.total(\.copied).total == 0, "the unmapped pair is found again by content, not copied: \(report)")
        try scenario.checkInSync()
        #expect(try scenario.remoteMaildir.mailbox(name).flags[pairs[0].remote.rawValue]?.contains(.flagged) == true)
    }

    @Test("a UIDVALIDITY change is re-matched by content: nothing copied again")
    func uidValidityChange() async throws {
        let scenario = try await Self.synced()
        let before = try scenario.localMaildir.mailbox(StoredMailboxName(bytes: Array("Archive".utf8))!)
        // Recreate Archive locally with the same messages: a new UIDVALIDITY, new UIDs.
        _ = try await scenario.session(.local, """
            a RENAME Archive Old\r
            b CREATE Archive\r
            c SELECT Old\r
            d UID MOVE 1:* Archive\r
            e CLOSE\r
            f DELETE Old\r

            """)
        let after = try scenario.localMaildir.mailbox(StoredMailboxName(bytes: Array("Archive".utf8))!)
        try #require(after.uidValidity != before.uidValidity)
        let report = try await scenario.syncReport()
        let archive = try #require(report.mailboxes.first { $0.mailbox == "Archive" })
        #expect(archive.rematched == before.messages.count)
        #expect(report.total(\.copied).total == 0, "\(report)")
        try scenario.checkInSync()
        #expect(try await scenario.syncReport().isAllClean)
    }

    @Test("non-ASCII and non-UTF-7-clean names are created on the other side and synced")
    func unusualNames() async throws {
        let scenario = try await Self.synced()
        // "R&D" (R&-D on the wire) locally; "Ünïcødé/子" remotely (modified UTF-7).
        let unicode = ModifiedUTF7.encode("Ünïcødé/子")
        _ = try await scenario.session(.local, "a CREATE \"R&-D\"\r\n")
        _ = try await scenario.session(.remote, "a CREATE \"\(unicode)\"\r\n")
        try await scenario.append(.local, mailbox: "R&-D", subject: "ampersand")
        try await scenario.append(.remote, mailbox: unicode, subject: "unicode")
        let report = try await scenario.syncReport()
        #expect(report.total(\.copied) == SideCounts(local: 1, remote: 1))
        for side in Side.allCases {
            let names = try scenario.maildir(side).mailboxNames().map(\.description)
            #expect(names.contains("R&D") && names.contains("Ünïcødé/子"), "\(side): \(names)")
        }
        try scenario.checkInSync()
        // Named on the command line (modified UTF-7): only that one is looked at.
        let only = try await scenario.syncReport([unicode])
        #expect(only.mailboxes.map(\.mailbox) == ["Ünïcødé/子"])
    }

    @Test("a move on each side is replayed as a move: nothing copied, nothing expunged")
    func moves() async throws {
        let scenario = try await Self.synced()
        let inbox = try scenario.mapping(.inbox).pairs
        let abName = try #require(StoredMailboxName(bytes: Array("a\u{0}b".utf8)))
        let ab = try scenario.mapping(abName).pairs
        try #require(inbox.count >= 2 && !ab.isEmpty)
        _ = try await scenario.session(.remote, "s SELECT INBOX\r\nm UID MOVE \(inbox[0].remote),\(inbox[1].remote) Archive\r\n")
        _ = try await scenario.session(.local, "s SELECT a/b\r\nm UID MOVE \(ab[0].local) &ZeVnLIqe-\r\n")
        let report = try await scenario.syncReport()
        #expect(report.total(\.moved) == SideCounts(local: 2, remote: 1), "\(report)")
        #expect(report.total(\.copied).total == 0, "no upload: \(report)")
        #expect(report.total(\.expunged).total == 0, "\(report)")
        #expect(report.mailboxes.allSatisfy { $0.warnings.isEmpty }, "\(report.mailboxes.flatMap(\.warnings))")
        try scenario.checkInSync()
        #expect(try await scenario.syncReport().isAllClean)
    }
}
