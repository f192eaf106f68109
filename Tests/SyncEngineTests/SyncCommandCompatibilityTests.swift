import Foundation
import IMAPCore
import Testing
import TestSupport
@testable import SyncEngine

/// `imapctl sync` against the real interimap 0.5.7: it takes over interimap's database, ends
/// where interimap ends given the same changes, and survives being killed anywhere.
@Suite("imapctl sync and interimap", .serialized)
struct SyncCommandCompatibilityTests {
    static let localCorpus = CorpusOptions(messages: 6, seed: 31, mailboxes: "INBOX=3,a/b=1,日本語=2")
    static let remoteCorpus = CorpusOptions(messages: 6, seed: 32, mailboxes: "INBOX=2,Archive=2,日本語=2")

    static func tunnels() async throws -> SyncScenario {
        try await SyncScenario.make(local: localCorpus, remote: remoteCorpus, remoteOverIMAPS: false)
    }

    /// The same kinds of change on both sides of a synced pair: new messages, a one-sided flag
    /// change each way, a conflict, an expunge each way (chosen by UID, identical on twin pairs).
    static func change(_ scenario: SyncScenario) async throws {
        let pairs = try scenario.mapping(.inbox).pairs
        try #require(pairs.count >= 5)
        _ = try await scenario.session(.local, """
            s SELECT INBOX\r
            a UID STORE \(pairs[0].local) FLAGS.SILENT (\\Flagged \\Seen)\r
            b UID STORE \(pairs[2].local) FLAGS.SILENT (\\Answered \\Draft)\r
            c UID STORE \(pairs[3].local) +FLAGS.SILENT (\\Deleted)\r
            d UID EXPUNGE \(pairs[3].local)\r

            """)
        _ = try await scenario.session(.remote, """
            s SELECT INBOX\r
            a UID STORE \(pairs[1].remote) FLAGS.SILENT (\\Draft)\r
            b UID STORE \(pairs[2].remote) FLAGS.SILENT (\\Flagged \\Draft)\r
            c UID STORE \(pairs[4].remote) +FLAGS.SILENT (\\Deleted)\r
            d UID EXPUNGE \(pairs[4].remote)\r

            """)
        try await scenario.append(.local, subject: "local news", flags: "\\Seen")
        try await scenario.append(.remote, mailbox: "Archive", subject: "remote news")
        try await scenario.append(.remote, subject: "more remote news", flags: "\\Flagged")
    }

    @Test("drop-in: on interimap's database nothing is downloaded again and nothing duplicated")
    func dropIn() async throws {
        let scenario = try await Self.tunnels()
        _ = try await scenario.interimap()
        let count = try scenario.checkInSync()
        let taken = try await scenario.syncReport()
        #expect(taken.total(\.copied).total == 0, "\(taken)")
        #expect(taken.mailboxes.allSatisfy { $0.warnings.isEmpty && $0.outcome != .failed }, "\(taken)")
        #expect(try scenario.checkInSync() == count)

        try await Self.change(scenario)
        let report = try await scenario.syncReport()
        #expect(report.total(\.copied) == SideCounts(local: 2, remote: 1))
        #expect(try scenario.checkInSync() == count + 3 - 2)
        // And back: interimap finds nothing left to do in our commits.
        let log = try await scenario.interimap()
        for word in ["Added", "WARNING", "Resuming", "Removed"] { #expect(!log.contains(word), "\(log)") }
    }

    /// Per mailbox, the messages (bytes) with their flags, sorted: what two runs must agree on.
    static func contents(_ maildir: DovecotMaildir) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for name in try maildir.mailboxNames() {
            let box = try maildir.mailbox(name)
            result[name.description] = box.messages.map { uid, bytes in
                "\(bytes.base64EncodedString()) \(box.flags[uid] ?? .empty)"
            }.sorted()
        }
        return result
    }

    @Test("oracle: interimap on one pair and imapctl sync on an identical pair end with the same mailboxes, messages and flags")
    func oracle() async throws {
        let theirs = try await Self.tunnels()
        let ours = try await Self.tunnels()
        _ = try await theirs.interimap()
        _ = try await ours.syncReport()
        for side in Side.allCases {
            #expect(try Self.contents(theirs.maildir(side)) == Self.contents(ours.maildir(side)), "first sync, \(side)")
        }
        try await Self.change(theirs)
        try await Self.change(ours)
        let log = try await theirs.interimap()
        #expect(log.contains("Conflicting flag update"), "\(log)")
        let report = try await ours.syncReport()
        #expect(report.conflicts == 1)
        for side in Side.allCases {
            #expect(try Self.contents(theirs.maildir(side)) == Self.contents(ours.maildir(side)), "after the changes, \(side)")
        }
        try ours.checkInSync()
    }

    /// A copy of `template` (Maildirs and database), to kill a run in.
    static func copy(of template: SyncScenario) async throws -> SyncScenario {
        let dir = try TemporaryDirectory(prefix: "imapworker-crash")
        let result = try await runCommand("/bin/cp", ["-a", template.dir.path + "/.", dir.path])
        try #require(result.status == 0, "\(result.stderr)")
        // The tunnels' configuration names its directory: it is rewritten at each start.
        return SyncScenario(dir: dir, server: nil)
    }

    /// Kills a run of `template`'s copy at checkpoint 1, 2, … until a run gets to the end
    /// unkilled, re-running after each kill; every outcome must be the exact union. Returns
    /// how many points were killed.
    static func killEverywhere(_ template: SyncScenario, expected: Int, limit: Int = 60) async throws -> Int {
        var killed = 0
        for point in 1...limit {
            let scenario = try await copy(of: template)
            let run = try await scenario.sync(["-q"], environment: ["IMAPCTL_SYNC_KILL_AFTER": String(point)])
            if run.status == 0 { break }
            killed += 1
            let again = try await scenario.sync(["-q"])
            #expect(again.status == 0, "re-run after a kill at checkpoint \(point): \(again.stderr)")
            #expect(try scenario.checkInSync() == expected, "after a kill at checkpoint \(point)")
        }
        return killed
    }

    @Test("crash safety: SIGKILL at every checkpoint of a first and an incremental sync, then a re-run: the exact union")
    func crashSafety() async throws {
        let first = try await Self.tunnels()
        let total = 6 + 6  // each side ends with both corpora
        let firstPoints = try await Self.killEverywhere(first, expected: total)
        // An incremental template: synced, then changed on both sides.
        let incremental = try await Self.copy(of: first)
        _ = try await incremental.syncReport()
        try await Self.change(incremental)
        let incrementalPoints = try await Self.killEverywhere(incremental, expected: total + 3 - 2)
        #expect(firstPoints + incrementalPoints >= 50, "killed at \(firstPoints) + \(incrementalPoints) points")
    }
}
