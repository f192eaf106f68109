import Foundation
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// `imapctl sync --connections N`: mailboxes synchronised side by side on more connections to
/// the same two accounts end exactly where one connection ends.
@Suite("imapctl sync on several connections", .serialized)
struct SyncLanesTests {
    static let localCorpus = CorpusOptions(messages: 12, seed: 41, mailboxes: "INBOX=4,a/b=3,日本語=2,Sent=3")
    static let remoteCorpus = CorpusOptions(messages: 12, seed: 42, mailboxes: "INBOX=3,Archive=4,日本語=3,Trash=2")

    /// Every mailbox name and its messages' bodies and flags, UIDs left out (the order in which
    /// mailboxes are filled differs between runs).
    static func contents(_ maildir: DovecotMaildir) throws -> [String: [String]] {
        var contents: [String: [String]] = [:]
        for name in try maildir.mailboxNames() {
            let box = try maildir.mailbox(name)
            contents[name.description] = box.messages.map { uid, body in
                "\(String(decoding: body, as: UTF8.self))|\(box.flags[uid].map { "\($0)" } ?? "")"
            }.sorted()
        }
        return contents
    }

    @Test("--connections 3: every mailbox on one of three connections, the same result as --connections 1")
    func sideBySide() async throws {
        let lanes = try await SyncScenario.make(local: Self.localCorpus, remote: Self.remoteCorpus)
        let run = try await lanes.sync(["--connections", "3", "--debug", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        // Each connection of each side has its own trace label; the extra ones selected mailboxes.
        for label in ["local#2", "remote#2", "local#3", "remote#3"] {
            #expect(run.stderr.contains("\(label): C:"), "\(label) never spoke")
        }
        #expect(run.stderr.contains(": connection 2") && run.stderr.contains(": connection 3"), "a lane took no mailbox")
        let total = try lanes.checkInSync()
        #expect(total == 24)

        let single = try await SyncScenario.make(local: Self.localCorpus, remote: Self.remoteCorpus)
        let one = try await single.sync(["--connections", "1", "--debug", "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(!one.stderr.contains("#2: C:"), "one connection per side")
        #expect(try single.checkInSync() == total)
        for side in Side.allCases {
            #expect(try Self.contents(lanes.maildir(side)) == Self.contents(single.maildir(side)), "\(side)")
        }
        // The report lists the mailboxes in the same order, whichever connection did them.
        let reports = try [run, one].map { result in
            try JSONDecoder().decode(SyncReport.self, from: Data((result.stdout.split(separator: "\n").last ?? "").utf8))
        }
        #expect(reports[0].mailboxes.map(\.mailbox) == reports[1].mailboxes.map(\.mailbox))
        #expect(reports[0].mailboxes.map(\.copied) == reports[1].mailboxes.map(\.copied))
        #expect(try await lanes.syncReport(["--connections", "3"]).isAllClean)
    }

    // One, not two: Dovecot counts a login only once it is done, so two lanes logging in at once
    // can both pass a limit of two; the run's own connection is in before the lanes start.
    @Test("a server that allows one connection per user: a warning, and the run ends in sync on it")
    func refusedConnections() async throws {
        let scenario = try await SyncScenario.make(local: Self.localCorpus, remote: Self.remoteCorpus,
                                                   remoteConfiguration: "protocol imap {\n  mail_max_userip_connections = 1\n}\n")
        let run = try await scenario.sync(["--connections", "3", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("could not be used"), "\(run.stderr)")
        #expect(!run.stderr.contains("bobpw"))
        #expect(try scenario.checkInSync() == 24)

        // An incremental after changes on both sides, again refused: nothing lost, nothing twice.
        try await scenario.append(.local, mailbox: "Sent", subject: "sent later")
        try await scenario.append(.remote, mailbox: "Archive", subject: "archived later")
        let again = try await scenario.sync(["--connections", "3", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try scenario.checkInSync() == 26)
    }

    @Test("--connections 0 is refused")
    func zeroConnections() async throws {
        let scenario = try await SyncScenario.make(local: nil, remote: nil, remoteOverIMAPS: false)
        let run = try await scenario.sync(["--connections", "0"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--connections needs at least 1"), "\(run.stderr)")
    }
}
