import IMAPCore
import MailStore
import SyncEngine
import SyncStore
import TestSupport
import Testing

/// docs/sync.md step 5 (the known-messages loop) driven by `UpdatePlanner` over two store
/// endpoints on two store files, with other writers changing both meanwhile: the loop must
/// settle (no endpoint reports its own changes back) and leave both sides alike.
@Suite struct PlannerLoopTests {
    @Test func theKnownMessagesLoopSettlesOverTwoStores() async throws {
        let local = try EndpointFixture()
        let remote = try EndpointFixture()
        let sides = PerSide(local: local, remote: remote)
        var committed = PerSide(local: MailboxSnapshot(uidValidity: 1, uidNext: 1, highestModSeq: 1),
                                remote: MailboxSnapshot(uidValidity: 1, uidNext: 1, highestModSeq: 1))
        for side in Side.allCases {
            let endpoint = sides[side].endpoint
            try await endpoint.createMailbox(.inbox)
            _ = try await endpoint.select(.inbox, since: nil)
            _ = try await endpoint.append(appendBatch((1...6).map { Draft(bytes: sampleMessage($0)) }))
            committed[side] = try await endpoint.snapshot()
        }
        var mapping = UIDMapping((1...6).compactMap { UID($0) }.map { UIDPair(local: $0, remote: $0) })

        // Other writers, on each side, after the last sync.
        let localWriter = try local.openAgain(), remoteWriter = try remote.openAgain()
        let localInbox = try #require(try await localWriter.findMailbox(userID: "u1", name: "INBOX"))
        let remoteInbox = try #require(try await remoteWriter.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await remoteWriter.storeFlags(mailboxID: remoteInbox.id, uids: [1...1], .add, ["\\Seen"])
        _ = try await localWriter.expunge(mailboxID: localInbox.id, uids: [2...2])
        _ = try await remoteWriter.expunge(mailboxID: remoteInbox.id, uids: [3...3])
        _ = try await localWriter.storeFlags(mailboxID: localInbox.id, uids: [3...3], .add, ["\\Flagged"])  // the expunge wins
        _ = try await localWriter.storeFlags(mailboxID: localInbox.id, uids: [4...4], .add, ["\\Answered"])
        _ = try await remoteWriter.storeFlags(mailboxID: remoteInbox.id, uids: [4...4], .add, ["$Work"])  // conflict: union
        _ = try await localWriter.expunge(mailboxID: localInbox.id, uids: [5...5])
        _ = try await remoteWriter.expunge(mailboxID: remoteInbox.id, uids: [5...5])  // both: the pair only

        var changes = PerSide(local: ChangeSet(highestModSeq: 0), remote: ChangeSet(highestModSeq: 0))
        for side in Side.allCases {
            let point = ResyncPoint(uidValidity: committed[side].uidValidity, highestModSeq: committed[side].highestModSeq,
                                    knownUIDs: UIDSet(UID.min...UID(committed[side].uidNext - 1)!))
            guard case .resynced(_, let found) = try await sides[side].endpoint.select(.inbox, since: point) else {
                Issue.record("expected a resync on \(side)")
                return
            }
            changes[side] = found
        }
        var seen = committed.map(\.highestModSeq)
        var unapplied = UnappliedFlagStores.none
        var rounds = 0
        var settled: PerSide<ModSeqValue>?
        while settled == nil {
            rounds += 1
            try #require(rounds < 10, "the loop never settled")
            let round = UpdatePlanner.plan(UpdateRoundInput(mapping: mapping, changes: changes,
                                                             uidNext: committed.map(\.uidNext), seenModSeq: seen,
                                                             unapplied: unapplied))
            switch round {
            case .settled(let highest):
                settled = highest
            case .apply(let plan):
                for side in Side.allCases {
                    if let expunges = plan.expunges[side] { _ = try await sides[side].endpoint.expunge(expunges) }
                }
                for pair in plan.mappingsToDelete { mapping.remove(pair.local, on: .local) }
                var results = PerSide<[StoreResult]>(local: [], remote: [])
                for side in Side.allCases {
                    for request in plan.flagStores[side] { results[side].append(try await sides[side].endpoint.storeFlags(request)) }
                }
                unapplied = plan.unapplied(after: results)
                seen = plan.seenModSeq
                for side in Side.allCases { changes[side] = try await sides[side].endpoint.pendingChanges() }
            }
        }
        #expect(rounds == 2)  // one round of effects, then nothing comes back
        #expect(mapping.pairs.map(\.local.rawValue) == [1, 4, 6])
        var flags = PerSide<[[String]]>(local: [], remote: [])
        for side in Side.allCases {
            let mailbox = try #require(try await sides[side].store.findMailbox(userID: "u1", name: "INBOX"))
            let records = try await sides[side].store.messageRecords(mailboxID: mailbox.id)
            #expect(records.map(\.uid) == [1, 4, 6], "\(side)")
            flags[side] = records.map(\.flags)
            #expect(settled?[side] == ModSeqValue(mailbox.highestModSeq), "\(side)")
        }
        #expect(flags.local == flags.remote)
        #expect(flags.local == [["\\Seen"], ["$Work", "\\Answered"], []])
    }
}
