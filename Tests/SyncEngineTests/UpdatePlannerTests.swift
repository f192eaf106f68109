import IMAPCore
import Testing
@testable import SyncEngine

/// One row of the update-round table: a mapping, each side's report, and what must be done.
struct UpdateCase: CustomTestStringConvertible, Sendable {
    var name: String
    var mapping: [(UInt32, UInt32)] = [(1, 101), (2, 102), (3, 103), (4, 104)]
    var uidNext = PerSide<UInt32>(local: 5, remote: 105)
    var seen = PerSide<ModSeqValue>(local: 10, remote: 50)
    var local: ChangeSet = report(hms: 10)
    var remote: ChangeSet = report(hms: 50)
    var unapplied: UnappliedFlagStores = .none
    // expected
    var settled = false
    var expunge = PerSide<[UInt32]>(local: [], remote: [])
    var deleted: [(UInt32, UInt32)] = []
    var stores = PerSide<[String]>(local: [], remote: [])
    var conflicts: [(UInt32, UInt32)] = []
    var dropped = PerSide<[UInt32]>(local: [], remote: [])
    var warnings: [String] = []

    var testDescription: String { name }
}

extension UpdateCase {
    static let all: [UpdateCase] = [
        UpdateCase(name: "nothing changed: settled, commit the reported HIGHESTMODSEQs",
                   local: report(hms: 12), remote: report(hms: 50), settled: true),
        UpdateCase(name: "flags changed locally: one conditional store on the remote side",
                   local: report(changed: [(1, flags("\\Seen"), 11)], hms: 11),
                   stores: PerSide(local: [], remote: ["(\\Seen) 101 <50"])),
        UpdateCase(name: "flags changed remotely: one conditional store on the local side",
                   remote: report(changed: [(102, flags("\\Flagged", "\\Seen"), 51)], hms: 51),
                   stores: PerSide(local: ["(\\Flagged \\Seen) 2 <10"], remote: [])),
        UpdateCase(name: "one store per distinct flag list, UIDs as a set",
                   local: report(changed: [(1, flags("\\Seen"), 11), (2, flags("\\Seen"), 12), (4, flags("\\Seen"), 13),
                                           (3, flags("$Forwarded", "\\Seen"), 14)], hms: 14),
                   stores: PerSide(local: [], remote: ["($Forwarded \\Seen) 103 <50", "(\\Seen) 101:102,104 <50"])),
        UpdateCase(name: "the same change on both sides: nothing to store",
                   local: report(changed: [(1, flags("\\Seen"), 11)], hms: 11),
                   remote: report(changed: [(101, flags("\\Seen"), 51)], hms: 51)),
        UpdateCase(name: "conflict: both sides get the union, with a warning",
                   local: report(changed: [(1, flags("\\Seen"), 11)], hms: 11),
                   remote: report(changed: [(101, flags("\\Flagged"), 51)], hms: 51),
                   stores: PerSide(local: ["(\\Flagged \\Seen) 1 <11"], remote: ["(\\Flagged \\Seen) 101 <51"]),
                   conflicts: [(1, 101)],
                   warnings: ["conflicting flag update for local UID 1 (\\Seen) and remote UID 101 (\\Flagged): setting both to the union (\\Flagged \\Seen)"]),
        UpdateCase(name: "conflict where one side already has the union: only the other is stored",
                   local: report(changed: [(2, flags("\\Seen"), 11)], hms: 11),
                   remote: report(changed: [(102, flags("\\Seen", "\\Answered"), 51)], hms: 51),
                   stores: PerSide(local: ["(\\Answered \\Seen) 2 <11"], remote: []),
                   conflicts: [(2, 102)],
                   warnings: ["conflicting flag update for local UID 2 (\\Seen) and remote UID 102 (\\Answered \\Seen): setting both to the union (\\Answered \\Seen)"]),
        UpdateCase(name: "expunged locally: expunge the counterpart remotely, delete the pair",
                   local: report(vanished: [2, 3], hms: 11),
                   expunge: PerSide(local: [], remote: [102, 103]), deleted: [(2, 102), (3, 103)]),
        UpdateCase(name: "expunged remotely: expunge the counterpart locally",
                   remote: report(vanished: [104], hms: 51),
                   expunge: PerSide(local: [4], remote: []), deleted: [(4, 104)]),
        UpdateCase(name: "both sides expunged the same message: only the pair goes",
                   local: report(vanished: [1], hms: 11), remote: report(vanished: [101], hms: 51),
                   deleted: [(1, 101)]),
        UpdateCase(name: "expunged on one side, flags changed on the other: the expunge wins",
                   local: report(vanished: [3], hms: 11),
                   remote: report(changed: [(103, flags("\\Flagged"), 51)], hms: 51),
                   expunge: PerSide(local: [], remote: [103]), deleted: [(3, 103)],
                   dropped: PerSide(local: [], remote: [103])),
        UpdateCase(name: "changed then expunged on the same side: only the expunge",
                   local: report(vanished: [1], changed: [(1, flags("\\Seen"), 11)], hms: 12),
                   expunge: PerSide(local: [], remote: [101]), deleted: [(1, 101)]),
        UpdateCase(name: "vanished before being replicated (at or above UIDNEXT): nothing to do",
                   local: report(vanished: [5, 6], hms: 12), settled: true),
        UpdateCase(name: "vanished but never mapped below UIDNEXT: warned and ignored",
                   mapping: [(1, 101), (3, 103)],
                   remote: report(vanished: [102], hms: 51),
                   warnings: ["no match for 1 vanished remote UID(s) 102: ignoring"]),
        UpdateCase(name: "flag change of a new message (at or above UIDNEXT) is left to replication",
                   remote: report(changed: [(105, flags("\\Seen"), 51)], hms: 51), settled: true),
        UpdateCase(name: "flag change already handled (modseq not above the seen one) is ignored",
                   local: report(changed: [(1, flags("\\Seen"), 10)], hms: 10), settled: true),
        UpdateCase(name: "\\Recent is never stored",
                   local: report(changed: [(1, flags("\\Recent", "\\Seen"), 11)], hms: 11),
                   stores: PerSide(local: [], remote: ["(\\Seen) 101 <50"])),
        UpdateCase(name: "\\Recent does not make a conflict",
                   local: report(changed: [(1, flags("\\Recent", "\\Seen"), 11)], hms: 11),
                   remote: report(changed: [(101, flags("\\Seen"), 51)], hms: 51)),
        UpdateCase(name: "a known UID changed without a counterpart: warned",
                   mapping: [(1, 101)],
                   local: report(changed: [(2, flags("\\Seen"), 11)], hms: 11),
                   warnings: ["no match for modified local UID 2"]),
        UpdateCase(name: "MODIFIED last round, new flags there now differ from ours: union on both",
                   remote: report(changed: [(102, flags("\\Flagged"), 52)], hms: 52),
                   unapplied: UnappliedFlagStores(intended: PerSide(local: [:], remote: [uid(102): flags("\\Seen")])),
                   stores: PerSide(local: ["(\\Flagged \\Seen) 2 <10"], remote: ["(\\Flagged \\Seen) 102 <52"]),
                   conflicts: [(2, 102)],
                   warnings: ["conflicting flag update for local UID 2 (\\Seen) and remote UID 102 (\\Flagged): setting both to the union (\\Flagged \\Seen)"]),
        UpdateCase(name: "MODIFIED last round, the other side now has our flags: converged",
                   remote: report(changed: [(102, flags("\\Seen"), 52)], hms: 52),
                   unapplied: UnappliedFlagStores(intended: PerSide(local: [:], remote: [uid(102): flags("\\Seen")]))),
        UpdateCase(name: "MODIFIED last round and no news for it: the store is tried again",
                   unapplied: UnappliedFlagStores(intended: PerSide(local: [uid(3): flags("\\Deleted")], remote: [:])),
                   stores: PerSide(local: ["(\\Deleted) 3 <10"], remote: [])),
        UpdateCase(name: "MODIFIED last round, then expunged on the other side: no store, expunge",
                   remote: report(vanished: [103], hms: 52),
                   unapplied: UnappliedFlagStores(intended: PerSide(local: [uid(3): flags("\\Seen")], remote: [:])),
                   expunge: PerSide(local: [3], remote: []), deleted: [(3, 103)]),
    ]
}

@Suite("Update rounds (expunges and flags through the mapping)")
struct UpdatePlannerTests {
    @Test(arguments: UpdateCase.all)
    func plansTheRound(_ row: UpdateCase) throws {
        let input = UpdateRoundInput(mapping: mapping(row.mapping), changes: PerSide(local: row.local, remote: row.remote),
                                     uidNext: row.uidNext, seenModSeq: row.seen, unapplied: row.unapplied)
        let round = UpdatePlanner.plan(input)
        guard case .apply(let plan) = round else {
            #expect(row.settled, "settled although work was expected")
            #expect(round == .settled(highestModSeq: PerSide(local: row.local.highestModSeq, remote: row.remote.highestModSeq)))
            return
        }
        #expect(!row.settled, "work planned although nothing was to be done")
        for side in Side.allCases {
            #expect(plan.expunges[side].uids == row.expunge[side].map(uid), "expunges on \(side)")
            #expect(storeSummary(plan.flagStores[side]) == row.stores[side], "stores on \(side)")
            #expect(plan.flagChangesDroppedForExpunge[side].uids == row.dropped[side].map(uid), "dropped on \(side)")
        }
        #expect(plan.mappingsToDelete == pairs(row.deleted))
        #expect(plan.conflicts.map(\.pair) == pairs(row.conflicts))
        #expect(plan.warnings.map(\.description) == row.warnings)
        #expect(plan.seenModSeq == PerSide(local: max(row.seen.local, row.local.highestModSeq),
                                           remote: max(row.seen.remote, row.remote.highestModSeq)))
    }

    @Test("the stores a MODIFIED response refused are carried into the next round")
    func modifiedStoresAreCarriedOver() throws {
        let input = UpdateRoundInput(
            mapping: mapping([(1, 101), (2, 102), (3, 103)]),
            changes: PerSide(local: report(changed: [(1, flags("\\Seen"), 11), (2, flags("\\Seen"), 11),
                                                     (3, flags("\\Flagged"), 12)], hms: 12),
                             remote: report(hms: 50)),
            uidNext: PerSide(local: 4, remote: 104), seenModSeq: PerSide(local: 10, remote: 50))
        guard case .apply(let plan) = UpdatePlanner.plan(input) else {
            Issue.record("expected work")
            return
        }
        #expect(storeSummary(plan.flagStores.remote) == ["(\\Flagged) 103 <50", "(\\Seen) 101:102 <50"])
        let carried = plan.unapplied(after: PerSide(local: [], remote: [StoreResult(modified: uids([103])),
                                                                          StoreResult(modified: uids([102]))]))
        #expect(carried.intended.remote == [uid(103): flags("\\Flagged"), uid(102): flags("\\Seen")])
        #expect(carried.intended.local.isEmpty)

        // Next round: the remote side reports 102's concurrent change; 103 has no news.
        let next = UpdateRoundInput(mapping: input.mapping,
                                    changes: PerSide(local: report(hms: 12),
                                                     remote: report(changed: [(102, flags("\\Answered"), 53)], hms: 53)),
                                    uidNext: input.uidNext, seenModSeq: plan.seenModSeq, unapplied: carried)
        guard case .apply(let second) = UpdatePlanner.plan(next) else {
            Issue.record("expected work in the second round")
            return
        }
        #expect(storeSummary(second.flagStores.local) == ["(\\Answered \\Seen) 2 <12"])
        #expect(storeSummary(second.flagStores.remote) == ["(\\Answered \\Seen) 102 <53", "(\\Flagged) 103 <53"])
        #expect(second.conflicts.map(\.pair) == pairs([(2, 102)]))
    }

    @Test("the loop settles once both sides report nothing new")
    func settlesAfterTheEnginesOwnChanges() {
        let input = UpdateRoundInput(mapping: mapping([(1, 101)]),
                                     changes: PerSide(local: report(hms: 15), remote: report(hms: 60)),
                                     uidNext: PerSide(local: 2, remote: 102), seenModSeq: PerSide(local: 11, remote: 51))
        #expect(UpdatePlanner.plan(input) == .settled(highestModSeq: PerSide(local: 15, remote: 60)))
    }
}

extension PerSide {
    /// Local and remote exchanged.
    var swapped: PerSide { PerSide(local: remote, remote: local) }
}

extension UpdatePlannerTests {
    /// Written once for both directions: exchanging the sides of every input exchanges the
    /// sides of every output.
    @Test("every row mirrored gives the mirrored plan", arguments: UpdateCase.all)
    func symmetric(_ row: UpdateCase) {
        let input = UpdateRoundInput(mapping: mapping(row.mapping), changes: PerSide(local: row.local, remote: row.remote),
                                     uidNext: row.uidNext, seenModSeq: row.seen, unapplied: row.unapplied)
        let mirrored = UpdateRoundInput(mapping: mapping(row.mapping.map { ($0.1, $0.0) }), changes: input.changes.swapped,
                                        uidNext: row.uidNext.swapped, seenModSeq: row.seen.swapped,
                                        unapplied: UnappliedFlagStores(intended: row.unapplied.intended.swapped))
        switch (UpdatePlanner.plan(input), UpdatePlanner.plan(mirrored)) {
        case (.settled(let a), .settled(let b)):
            #expect(a == b.swapped)
        case (.apply(let a), .apply(let b)):
            #expect(a.expunges == b.expunges.swapped)
            #expect(a.flagStores == b.flagStores.swapped)
            #expect(a.flagChangesDroppedForExpunge == b.flagChangesDroppedForExpunge.swapped)
            #expect(a.seenModSeq == b.seenModSeq.swapped)
            #expect(Set(a.mappingsToDelete) == Set(b.mappingsToDelete.map { UIDPair(local: $0.remote, remote: $0.local) }))
            #expect(Set(a.conflicts.map(\.union)) == Set(b.conflicts.map(\.union)))
        default:
            Issue.record("one direction settled, the other did not")
        }
    }
}
