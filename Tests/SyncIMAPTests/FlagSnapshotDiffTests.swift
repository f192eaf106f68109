import IMAPCore
import SyncEngine
import Testing
@testable import SyncIMAP

/// The fallback mode's comparison, without a server: what QRESYNC would have reported since a
/// committed modseq, from the whole mailbox's flags and the snapshot.
@Suite struct FlagSnapshotDiffTests {
    let seen: [UID: FlagSnapshotEntry] = [
        uid(1): FlagSnapshotEntry(flags: ["\\Seen"], modSeq: 0),
        uid(2): FlagSnapshotEntry(flags: [], modSeq: 3),
        uid(3): FlagSnapshotEntry(flags: ["$A"], modSeq: 6),   // seen by a run that was not committed
        uid(4): FlagSnapshotEntry(flags: [], modSeq: 2),
    ]

    @Test func reportsDifferencesAndUncommittedOnesOnlyNeverUnchangedMessages() {
        let diff = FlagSnapshotDiff(seen: seen, vanished: [uid(5): 6, uid(9): 4], counter: 6)
        let current: [UID: FlagList] = [uid(1): ["\\Seen"], uid(2): ["\\Flagged"], uid(3): ["$A"], uid(6): ["\\Seen"], uid(8): []]
        let outcome = diff.resync(current: current, since: 5, bound: 8, knownUIDs: UIDSet(uid(1)...uid(7)))
        // 1: as seen, committed → not reported (a union would undo a removal on the other side).
        #expect(outcome.changes.flagChanges[uid(1)] == nil)
        #expect(outcome.changes.flagChanges[uid(2)] == FlagChange(flags: ["\\Flagged"], modSeq: 7))
        #expect(outcome.changes.flagChanges[uid(3)] == FlagChange(flags: ["$A"], modSeq: 6))
        // 6: below the bound but never seen: reported (more than happened, never less).
        #expect(outcome.changes.flagChanges[uid(6)] == FlagChange(flags: ["\\Seen"], modSeq: 7))
        #expect(outcome.changes.flagChanges[uid(8)] == nil, "at the bound: a new message")
        // 4 vanished now, 5 in an uncommitted run; 9 before the committed modseq.
        #expect(outcome.changes.vanished == UIDSet(uids: [uid(4), uid(5)]))
        #expect(outcome.changes.highestModSeq == 7 && outcome.counter == 7)
        #expect(outcome.update.vanished == [uid(4)] && outcome.update.vanishedModSeq == 7 && outcome.update.pruneThrough == 5)
        #expect(Set(outcome.update.flags.map(\.0)) == [uid(2), uid(6)])
        #expect(outcome.seen[uid(4)] == nil && outcome.seen[uid(2)]?.modSeq == 7)
    }

    @Test func nothingChangedKeepsTheCounter() {
        let diff = FlagSnapshotDiff(seen: seen, vanished: [:], counter: 6)
        let current: [UID: FlagList] = [uid(1): ["\\Seen"], uid(2): [], uid(3): ["$A"], uid(4): []]
        let outcome = diff.resync(current: current, since: 6, bound: 5, knownUIDs: UIDSet(uid(1)...uid(4)))
        #expect(outcome.changes.isEmpty && outcome.counter == 6 && outcome.update.flags.isEmpty && outcome.update.vanished.isEmpty)
    }

    @Test func withoutASnapshotEveryKnownMessageIsChangedAndEveryMissingKnownUIDVanished() {
        let diff = FlagSnapshotDiff(seen: nil, vanished: [:], counter: 1)
        let outcome = diff.resync(current: [uid(2): ["\\Seen"], uid(4): []], since: 40, bound: 5,
                                  knownUIDs: UIDSet(uid(1)...uid(4)))
        #expect(outcome.changes.flagChanges.keys.sorted() == [uid(2), uid(4)])
        #expect(outcome.changes.flagChanges.values.allSatisfy { $0.modSeq == 41 }, "above the committed modseq")
        #expect(outcome.changes.vanished == UIDSet(uids: [uid(1), uid(3)]))
        #expect(outcome.counter == 41)
    }
}
