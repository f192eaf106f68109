import MailJobs
import SyncEngine
import Testing

/// Which vanished remote mailboxes `syncremote` takes as renamed (and so renames locally).
@Suite struct RemoteRenamePlannerTests {
    func name(_ text: String) -> StoredMailboxName {
        StoredMailboxName(bytes: Array(text.replacingOccurrences(of: "/", with: "\u{0}").utf8))!
    }

    func plan(known: [String: UInt32?], remote: [String: UInt32], local: [String]) -> [String] {
        RemoteRenamePlanner.plan(known: Dictionary(uniqueKeysWithValues: known.map { (name($0.key), $0.value) }),
                                 remote: Dictionary(uniqueKeysWithValues: remote.map { (name($0.key), $0.value) }),
                                 local: Set(local.map(name)))
            .map { "\($0.from) → \($0.to)" }
    }

    @Test func aVanishedMailboxWithItsUIDValidityElsewhereIsRenamed() {
        #expect(plan(known: ["INBOX": 1, "A": 7], remote: ["INBOX": 1, "B": 7], local: ["INBOX", "A"]) == ["A → B"])
    }

    @Test func aParentsRenameCoversItsChildren() {
        #expect(plan(known: ["A": 7, "A/x": 8, "A/y": 9], remote: ["B": 7, "B/x": 8, "C": 9],
                     local: ["A", "A/x", "A/y"]) == ["A → B", "B/y → C"])
    }

    @Test func nothingOnAGuess() {
        // Another UIDVALIDITY, two candidates, a target that exists locally, a mailbox gone locally too,
        // a mailbox never committed.
        #expect(plan(known: ["A": 7], remote: ["B": 8], local: ["A"]).isEmpty)
        #expect(plan(known: ["A": 7], remote: ["B": 7, "C": 7], local: ["A"]).isEmpty)
        #expect(plan(known: ["A": 7], remote: ["B": 7], local: ["A", "B"]).isEmpty)
        #expect(plan(known: ["A": 7], remote: ["B": 7], local: []).isEmpty)
        #expect(plan(known: ["A": nil], remote: ["B": 7], local: ["A"]).isEmpty)
        #expect(plan(known: ["A": 7, "Z": 7], remote: ["B": 7], local: ["A", "Z"]).isEmpty)
    }
}
