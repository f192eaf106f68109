import IMAPCore
import Testing
@testable import SyncEngine

@Suite("New messages, append batches, interrupted runs, mailbox selection")
struct ReplicationPlannerTests {
    @Test("new messages on each side go to the other; mapped ones (an interrupted run's) never again")
    func newMessagesOnEachSide() {
        // Committed UIDNEXT: local 10, remote 200. The last run appended local 10 → remote 200
        // and remote 201 → local 11, recorded the pairs, and stopped before committing UIDNEXT.
        let plan = ReplicationPlanner.plan(
            newUIDs: PerSide(local: [10, 11, 12, 14].map(uid), remote: [200, 201, 202].map(uid)),
            mapping: mapping([(1, 100), (10, 200), (11, 201)]))
        #expect(plan.toReplicate.local.uids == [12, 14].map(uid))
        #expect(plan.toReplicate.remote.uids == [202].map(uid))
        #expect(plan.alreadyMapped.local.uids == [10, 11].map(uid))
        #expect(plan.alreadyMapped.remote.uids == [200, 201].map(uid))
    }

    @Test("nothing new: nothing to replicate")
    func nothingNew() {
        let plan = ReplicationPlanner.plan(newUIDs: PerSide(local: [], remote: []), mapping: mapping([(1, 100)]))
        #expect(plan.toReplicate == PerSide(local: nil, remote: nil))
    }

    @Test("the range asked for starts at the committed UIDNEXT (1 on a first sync)")
    func newMessageRange() {
        #expect(ReplicationPlanner.newMessageRange(uidNext: 0).imapString == "1:*")
        #expect(ReplicationPlanner.newMessageRange(uidNext: 57).imapString == "57:*")
    }

    @Test("remote first, as InterIMAP pulls")
    func replicationOrder() {
        #expect(Side.replicationOrder == [.remote, .local])
    }

    @Test("appended UIDs become pairs in the source's orientation; a count mismatch records nothing")
    func appendedPairs() throws {
        #expect(try ReplicationPlanner.pairs(source: .remote, sent: [uid(7), uid(9)], assigned: [uid(30), uid(31)])
                == pairs([(30, 7), (31, 9)]))
        #expect(try ReplicationPlanner.pairs(source: .local, sent: [uid(7)], assigned: [uid(30)]) == pairs([(7, 30)]))
        #expect(throws: MailboxEndpointError.appendUIDCountMismatch(sent: 2, assigned: 1)) {
            try ReplicationPlanner.pairs(source: .local, sent: [uid(7), uid(8)], assigned: [uid(30)])
        }
    }

    static let batchCases: [(String, [(UInt32, Int)], AppendBatchLimits, [[UInt32]], [UInt32])] = [
        ("all in one batch", [(1, 100), (2, 100), (3, 100)], .multiappend, [[1, 2, 3]], []),
        ("cut at the message count", [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)],
         AppendBatchLimits(maxMessages: 2, maxBytes: 1000), [[1, 2], [3, 4], [5]], []),
        ("cut before the byte limit is passed", [(1, 600), (2, 500), (3, 400), (4, 100)],
         AppendBatchLimits(maxMessages: 10, maxBytes: 1000), [[1], [2, 3, 4]], []),
        ("a message bigger than the limit goes alone", [(1, 10), (2, 5000), (3, 10)],
         AppendBatchLimits(maxMessages: 10, maxBytes: 1000), [[1], [2], [3]], []),
        ("0-byte messages are skipped", [(1, 10), (2, 0), (3, 10)], .multiappend, [[1, 3]], [2]),
        ("one message per batch without MULTIAPPEND", [(1, 10), (2, 10)], .single, [[1], [2]], []),
        ("128 messages per batch, as InterIMAP", (1...130).map { (UInt32($0), 10) }, .multiappend,
         [Array(1...128), [129, 130]], []),
    ]

    @Test("append batches", arguments: batchCases)
    func appendBatches(_ row: (String, [(UInt32, Int)], AppendBatchLimits, [[UInt32]], [UInt32])) {
        let summaries = row.1.map { MessageSummary(uid: uid($0.0), flags: .empty, modSeq: 1, size: $0.1) }
        let result = AppendBatchPlanner.batches(summaries, limits: row.2)
        #expect(result.batches == row.3.map { $0.map(uid) }, "\(row.0)")
        #expect(result.skippedEmpty == row.4.map(uid), "\(row.0)")
    }

    @Test("interrupted run: pairs above UIDNEXT are checked, not copied; a half-vanished pair is removed")
    func interruptedRun() {
        let plan = InterruptedRunPlanner.plan(
            pairs: pairs([(10, 200), (11, 201), (12, 202), (13, 203)]),
            present: PerSide(local: [uid(10): flags("\\Seen"), uid(11): flags(), uid(13): flags("\\Seen")],
                             remote: [uid(200): flags("\\Seen"), uid(201): flags("\\Flagged"), uid(202): flags()]),
            unchangedSince: PerSide(local: 30, remote: 70))
        #expect(plan.mappingsToDelete == pairs([(12, 202), (13, 203)]))
        #expect(plan.expunges.local.uids == [uid(13)])
        #expect(plan.expunges.remote.uids == [uid(202)])
        #expect(plan.conflicts.map(\.pair) == pairs([(11, 201)]))
        #expect(storeSummary(plan.flagStores.local) == ["(\\Flagged) 11 <30"])
        #expect(plan.flagStores.remote.isEmpty)
        #expect(plan.warnings.count == 3)
    }

    static let selectionCases: [(String, PerSide<SideState>?, PerSide<MailboxSnapshot>, MailboxSelectionPlanner.Decision)] = {
        let stored = PerSide(local: SideState(uidValidity: 7, uidNext: 10, highestModSeq: 30),
                             remote: SideState(uidValidity: 9, uidNext: 200, highestModSeq: 70))
        let same = PerSide(local: MailboxSnapshot(uidValidity: 7, uidNext: 10, highestModSeq: 30),
                           remote: MailboxSnapshot(uidValidity: 9, uidNext: 200, highestModSeq: 70))
        var newMail = same
        newMail.remote.uidNext = 201
        var flagged = same
        flagged.local.highestModSeq = 31
        var reset = same
        reset.remote.uidValidity = 10
        return [
            ("unchanged counters: not selected", stored, same, .clean),
            ("new mail on one side", stored, newMail, .sync),
            ("a flag change on one side", stored, flagged, .sync),
            ("UIDVALIDITY changed", stored, reset, .uidValidityChanged([.remote])),
            ("never synchronised", nil, same, .firstSync),
        ]
    }()

    @Test("which mailboxes are selected", arguments: selectionCases)
    func selection(_ row: (String, PerSide<SideState>?, PerSide<MailboxSnapshot>, MailboxSelectionPlanner.Decision)) {
        #expect(MailboxSelectionPlanner.decide(stored: row.1, listed: row.2) == row.3, "\(row.0)")
    }
}

@Suite("Mailbox list (creations and subscriptions)")
struct MailboxListPlannerTests {
    static func n(_ text: String) -> StoredMailboxName {
        guard let name = StoredMailboxName(bytes: Array(text.utf8)) else { preconditionFailure("empty name") }
        return name
    }

    @Test("creations, subscriptions and deletions as interimap decides them")
    func plansTheList() {
        typealias L = MailboxListPlanner.Listed
        let stored = [StoredMailbox(id: 1, name: Self.n("INBOX"), isSubscribed: true),
                      StoredMailbox(id: 2, name: Self.n("Work"), isSubscribed: false),
                      StoredMailbox(id: 3, name: Self.n("Old"), isSubscribed: false),
                      StoredMailbox(id: 4, name: Self.n("Lists"), isSubscribed: true)]
        let listed = PerSide(
            local: [Self.n("INBOX"): L(isSubscribed: true), Self.n("Work"): L(isSubscribed: true),
                    Self.n("Old"): L(isSubscribed: false), Self.n("a"): L(isSelectable: false, isSubscribed: false),
                    Self.n("a\u{0}b"): L(isSubscribed: true), Self.n("Lists"): L(isSubscribed: false),
                    Self.n("virtual"): L(isSubscribed: false)],
            remote: [Self.n("INBOX"): L(isSubscribed: true), Self.n("Work"): L(isSubscribed: false),
                     Self.n("Archive"): L(isSubscribed: false), Self.n("Both"): L(isSubscribed: false),
                     Self.n("Lists"): L(isSubscribed: true)])
        let plan = MailboxListPlanner.plan(listed: PerSide(local: listed.local.merging([Self.n("Both"): L(isSubscribed: true)]) { $1 },
                                                           remote: listed.remote),
                                           stored: stored, ignored: { $0 == Self.n("virtual") })
        #expect(plan.mailboxes.map(\.description) == ["Archive", "Both", "INBOX", "Lists", "Work", "a/b"])
        #expect(plan.actions == [
            .recordMailbox(Self.n("Archive"), subscribed: false), .create(.local, Self.n("Archive"), subscribe: false),
            .recordMailbox(Self.n("Both"), subscribed: true), .setSubscribed(.remote, Self.n("Both"), true),
            // Lists: subscribed in the database, unsubscribed locally since: unsubscribe remotely.
            .setSubscribed(.remote, Self.n("Lists"), false), .recordSubscribed(mailbox: 4, false),
            // Work: unsubscribed in the database, subscribed locally since: subscribe remotely.
            .setSubscribed(.remote, Self.n("Work"), true), .recordSubscribed(mailbox: 2, true),
            .recordMailbox(Self.n("a\u{0}b"), subscribed: true), .create(.remote, Self.n("a\u{0}b"), subscribe: true),
        ])
        #expect(plan.deletedOnOneSide.map(\.0) == [Self.n("Old")])
        #expect(plan.deletedOnOneSide.map(\.missingOn) == [.remote])
    }
}
