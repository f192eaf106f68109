import IMAPCore
import Testing
@testable import SyncEngine

@Suite("One mailbox's sync as a state machine (actions and commit points)")
struct MailboxSyncMachineTests {
    static func summary(_ u: UInt32, size: Int = 10) -> MessageSummary {
        MessageSummary(uid: uid(u), flags: .empty, modSeq: 1, size: size)
    }

    static let limits = PerSide(local: AppendBatchLimits.multiappend, remote: AppendBatchLimits.multiappend)

    /// A mailbox synced before: local 1–4 paired with remote 101–104.
    static func knownMachine() -> MailboxSyncMachine {
        let committed = PerSide(local: SideState(uidValidity: 7, uidNext: 5, highestModSeq: 30),
                                remote: SideState(uidValidity: 9, uidNext: 105, highestModSeq: 70))
        return MailboxSyncMachine(committed: committed, mapping: mapping([(1, 101), (2, 102), (3, 103), (4, 104)]),
                                  appendLimits: limits)
    }

    @Test("a known mailbox: updates, commit 1, new messages remote first, commit 2 per batch, commit 3")
    func knownMailbox() throws {
        var machine = Self.knownMachine()
        guard case .select(let points) = machine.start() else { Issue.record("select first"); return }
        #expect(points.local?.knownUIDs?.imapString == "1:4")
        #expect(points.remote?.knownUIDs?.imapString == "1:104")
        #expect(points.remote?.sample == SequenceMatchSample(sequenceNumbers: 1...4, uids: UIDSet(uid(101)...uid(104))))
        #expect(points.local?.highestModSeq == 30)

        let selected = PerSide(
            local: SelectResult.resynced(MailboxSnapshot(uidValidity: 7, uidNext: 6, highestModSeq: 31),
                                         report(changed: [(1, flags("\\Seen"), 31)], hms: 31)),
            remote: SelectResult.resynced(MailboxSnapshot(uidValidity: 9, uidNext: 107, highestModSeq: 70), report(hms: 70)))
        guard case .apply(let plan) = try machine.handle(.selected(selected)) else { Issue.record("apply"); return }
        #expect(storeSummary(plan.flagStores.remote) == ["(\\Seen) 101 <70"])
        #expect(try machine.handle(.applied(PerSide(local: [], remote: [StoreResult()]))) == .fetchChanges)
        #expect(try machine.handle(.changes(PerSide(local: report(hms: 31), remote: report(hms: 71))))
                == .commitHighestModSeq(PerSide(local: 31, remote: 71)))
        #expect(try machine.handle(.committed) == .listNewMessages(PerSide(local: UIDSet(uid(5)...UID.max),
                                                                             remote: UIDSet(uid(105)...UID.max))))
        // Local 5 is new; remote 105 is new and 106 is empty (skipped).
        let listed = PerSide(local: [Self.summary(5)], remote: [Self.summary(105), Self.summary(106, size: 0)])
        #expect(try machine.handle(.listed(listed, uidNext: PerSide(local: 6, remote: 107))) == .replicate(from: .remote, uids: [uid(105)]))
        #expect(try machine.handle(.appended(pairs([(6, 105)]))) == .replicate(from: .local, uids: [uid(5)]))
        // The second listing starts at the UIDNEXTs the first one read: below them all was seen.
        #expect(try machine.handle(.appended(pairs([(5, 107)]))) == .listNewMessages(PerSide(local: UIDSet(uid(6)...UID.max),
                                                                                           remote: UIDSet(uid(107)...UID.max))))
        // The second listing finds only what we appended (mapped): nothing to copy.
        let again = PerSide(local: [Self.summary(5), Self.summary(6)], remote: [Self.summary(105), Self.summary(106, size: 0), Self.summary(107)])
        #expect(try machine.handle(.listed(again, uidNext: PerSide(local: 7, remote: 108))) == .fetchChanges)
        #expect(machine.mapping.counterpart(of: uid(105), on: .remote) == uid(6))
        // A flag change on a message replicated in this run is propagated before the final commit.
        guard case .apply(let late) = try machine.handle(.changes(PerSide(local: report(changed: [(6, flags("\\Flagged"), 33)], hms: 33),
                                                                         remote: report(hms: 72)))) else {
            Issue.record("apply the late change"); return
        }
        #expect(storeSummary(late.flagStores.remote) == ["(\\Flagged) 105 <72"])
        #expect(try machine.handle(.applied(PerSide(local: [], remote: [StoreResult()]))) == .fetchChanges)
        #expect(try machine.handle(.changes(PerSide(local: report(hms: 33), remote: report(hms: 73))))
                == .commitSynced(PerSide(local: MailboxSnapshot(uidValidity: 7, uidNext: 7, highestModSeq: 33),
                                         remote: MailboxSnapshot(uidValidity: 9, uidNext: 108, highestModSeq: 73))))
        #expect(try machine.handle(.committed) == .finished)
    }

    @Test("flags only: settled, commit 1, a listing with nothing new, then commit 3 without another round")
    func flagsOnly() throws {
        var machine = Self.knownMachine()
        _ = machine.start()
        let selected = PerSide(
            local: SelectResult.resynced(MailboxSnapshot(uidValidity: 7, uidNext: 5, highestModSeq: 30), report(hms: 30)),
            remote: SelectResult.resynced(MailboxSnapshot(uidValidity: 9, uidNext: 106, highestModSeq: 72),
                                          report(changed: [(102, flags("\\Flagged"), 72)], hms: 72)))
        guard case .apply(let plan) = try machine.handle(.selected(selected)) else { Issue.record("apply"); return }
        #expect(storeSummary(plan.flagStores.local) == ["(\\Flagged) 2 <30"])
        #expect(try machine.handle(.applied(PerSide(local: [StoreResult()], remote: []))) == .fetchChanges)
        #expect(try machine.handle(.changes(PerSide(local: report(hms: 31), remote: report(hms: 72))))
                == .commitHighestModSeq(PerSide(local: 31, remote: 72)))
        #expect(try machine.handle(.committed) == .listNewMessages(PerSide(local: UIDSet(uid(5)...UID.max),
                                                                             remote: UIDSet(uid(105)...UID.max))))
        // Remote 105 came and went: UIDNEXT moved, nothing to copy. Changes made from now on are
        // above the committed HIGHESTMODSEQ: the next run finds them, no further round here.
        #expect(try machine.handle(.listed(PerSide(local: [], remote: []), uidNext: PerSide(local: 5, remote: 106)))
                == .commitSynced(PerSide(local: MailboxSnapshot(uidValidity: 7, uidNext: 5, highestModSeq: 31),
                                         remote: MailboxSnapshot(uidValidity: 9, uidNext: 106, highestModSeq: 72))))
        #expect(try machine.handle(.committed) == .finished)
    }

    @Test("a first sync: initial state, then everything is new")
    func firstSync() throws {
        var machine = MailboxSyncMachine(committed: nil, mapping: UIDMapping(), appendLimits: Self.limits)
        #expect(machine.start() == .select(PerSide(local: nil, remote: nil)))
        let fresh = PerSide(local: SelectResult.fresh(MailboxSnapshot(uidValidity: 3, uidNext: 3, highestModSeq: 4)),
                            remote: SelectResult.fresh(MailboxSnapshot(uidValidity: 8, uidNext: 1, highestModSeq: 1)))
        #expect(try machine.handle(.selected(fresh)) == .recordInitialState(PerSide(local: 3, remote: 8)))
        #expect(try machine.handle(.committed) == .listNewMessages(PerSide(local: UIDSet(UID.min...UID.max),
                                                                             remote: UIDSet(UID.min...UID.max))))
        #expect(try machine.handle(.listed(PerSide(local: [Self.summary(1), Self.summary(2)], remote: []),
                                           uidNext: PerSide(local: 3, remote: 1))) == .replicate(from: .local, uids: [uid(1), uid(2)]))
        #expect(try machine.handle(.appended(pairs([(1, 1), (2, 2)]))) == .listNewMessages(PerSide(local: UIDSet(uid(3)...UID.max),
                                                                                                  remote: UIDSet(UID.min...UID.max))))
        #expect(try machine.handle(.listed(PerSide(local: [Self.summary(1), Self.summary(2)], remote: [Self.summary(1), Self.summary(2)]),
                                           uidNext: PerSide(local: 3, remote: 3))) == .fetchChanges)
        #expect(try machine.handle(.changes(PerSide(local: report(hms: 4), remote: report(hms: 3))))
                == .commitSynced(PerSide(local: MailboxSnapshot(uidValidity: 3, uidNext: 3, highestModSeq: 4),
                                         remote: MailboxSnapshot(uidValidity: 8, uidNext: 3, highestModSeq: 3))))
    }

    @Test("a UIDVALIDITY change stops for re-matching; a wrong event is an error")
    func rematchAndMisuse() throws {
        let committed = PerSide(local: SideState(uidValidity: 7, uidNext: 5, highestModSeq: 30),
                                remote: SideState(uidValidity: 9, uidNext: 105, highestModSeq: 70))
        var machine = MailboxSyncMachine(committed: committed, mapping: UIDMapping(), appendLimits: Self.limits)
        _ = machine.start()
        #expect(throws: MailboxSyncMachine.MachineError.self) { try machine.handle(.committed) }
        let results = PerSide(local: SelectResult.resynced(MailboxSnapshot(uidValidity: 7, uidNext: 5, highestModSeq: 30), report(hms: 30)),
                              remote: SelectResult.uidValidityChanged(MailboxSnapshot(uidValidity: 10, uidNext: 3, highestModSeq: 2)))
        #expect(try machine.handle(.selected(results)) == .rematch([.remote]))
    }

    @Test("the QRESYNC sample: highest mapped UIDs, about 256 bytes, numbered from the end")
    func sample() throws {
        let sample = try #require(SequenceMatchSample.of(mappedUIDs: (1...2000).map(uid)))
        #expect(sample.sequenceNumbers == 977...2000)
        #expect(sample.uids.imapString == "977:2000")
        // Sparse UIDs: the set stops growing once its wire form passes ~256 bytes.
        let sparse = try #require(SequenceMatchSample.of(mappedUIDs: stride(from: 100_000, to: 200_000, by: 2).map { uid(UInt32($0)) }))
        #expect(sparse.uids.imapString.count <= 256 + 16)
        #expect(sparse.sequenceNumbers.upperBound == 50_000)
        #expect(sparse.sequenceNumbers.count == sparse.uids.count)
        #expect(SequenceMatchSample.of(mappedUIDs: []) == nil)
    }
}
