import IMAPCore
import MailStore
import SyncEngine
import SyncStore
import Testing

@Suite struct ResyncTests {
    /// Ten messages in INBOX; returns the snapshot after them.
    private func tenMessages(_ fixture: EndpointFixture) async throws -> MailboxSnapshot {
        try await fixture.endpoint.createMailbox(.inbox)
        _ = try await fixture.endpoint.select(.inbox, since: nil)
        _ = try await fixture.endpoint.append(appendBatch((1...10).map { Draft(bytes: sampleMessage($0)) }))
        return try await fixture.endpoint.snapshot()
    }

    private func point(_ snapshot: MailboxSnapshot, modSeq: ModSeqValue? = nil) -> ResyncPoint {
        ResyncPoint(uidValidity: snapshot.uidValidity, highestModSeq: modSeq ?? snapshot.highestModSeq,
                    knownUIDs: UIDSet(UID.min...UID(snapshot.uidNext - 1)!))
    }

    @Test func selectSinceAModSeqReportsExactlyWhatVanishedAndChanged() async throws {
        let fixture = try EndpointFixture()
        let base = try await tenMessages(fixture)
        let other = try fixture.openAgain()
        let inbox = try #require(try await other.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await other.storeFlags(mailboxID: inbox.id, uids: [3...3], .add, ["\\Seen", "$Important"])
        _ = try await other.expunge(mailboxID: inbox.id, uids: [5...5, 8...9])
        _ = try await other.append(mailboxID: inbox.id, [AppendedMessage(flags: ["\\Seen"], internalDate: 1, body: MessageBytes(sampleMessage(11)))])

        let peer = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        guard case .resynced(let snapshot, let changes) = try await peer.select(.inbox, since: point(base)) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(changes.vanished) == [5, 8, 9])
        #expect(changes.flagChanges.keys.map(\.rawValue) == [3])  // 11 is new: above the committed UIDNEXT
        #expect(changes.flagChanges[UID(3)!]?.flags == [.seen, MessageFlag("$Important")])
        #expect(snapshot.uidNext == 12 && changes.highestModSeq == snapshot.highestModSeq)
        #expect(changes.highestModSeq > base.highestModSeq)

        // From the new point on: nothing.
        let later = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        let next = ResyncPoint(uidValidity: snapshot.uidValidity, highestModSeq: changes.highestModSeq,
                               knownUIDs: UIDSet(UID.min...UID(11)!))
        guard case .resynced(_, let none) = try await later.select(.inbox, since: next) else {
            Issue.record("expected a resync")
            return
        }
        #expect(none.isEmpty)
    }

    @Test func anotherUIDValidityIsReportedAsChanged() async throws {
        let fixture = try EndpointFixture()
        let base = try await tenMessages(fixture)
        let stale = ResyncPoint(uidValidity: base.uidValidity &+ 1, highestModSeq: 3, knownUIDs: nil)
        guard case .uidValidityChanged(let snapshot) = try await fixture.endpoint.select(.inbox, since: stale) else {
            Issue.record("expected uidValidityChanged")
            return
        }
        #expect(snapshot == base)
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Nope"))) {
            try await fixture.endpoint.select(MailboxName("Nope"), since: nil)
        }
    }

    @Test func pendingChangesReportOtherWritersOnlyAndCoverOurOwnModSeqs() async throws {
        let fixture = try EndpointFixture()
        let base = try await tenMessages(fixture)
        let endpoint = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        _ = try await endpoint.select(.inbox, since: point(base))
        #expect(try await endpoint.pendingChanges().isEmpty)

        let other = try fixture.openAgain()
        let inbox = try #require(try await other.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await endpoint.storeFlags(FlagStoreRequest(uids: uids(1), flags: [.seen], unchangedSince: base.highestModSeq))
        _ = try await other.storeFlags(mailboxID: inbox.id, uids: [2...2], .add, ["\\Flagged"])
        _ = try await endpoint.expunge(uids(6))
        _ = try await other.expunge(mailboxID: inbox.id, uids: [4...4])
        // A message we changed, changed again by the other writer afterwards: theirs is reported.
        _ = try await endpoint.storeFlags(FlagStoreRequest(uids: uids(7), flags: [.draft], unchangedSince: nil))
        _ = try await other.storeFlags(mailboxID: inbox.id, uids: [7...7], .add, ["\\Answered"])

        let changes = try await endpoint.pendingChanges()
        #expect(changes.flagChanges.keys.map(\.rawValue).sorted() == [2, 7])
        #expect(changes.flagChanges[UID(7)!]?.flags == [.draft, .answered])
        #expect(uidList(changes.vanished) == [4])
        #expect(changes.highestModSeq == (try await endpoint.snapshot()).highestModSeq)
        #expect(try await endpoint.pendingChanges().isEmpty)
    }

    @Test func tombstonesPrunedLeaveOlderPeersAFullAnswerNeverAWrongOne() async throws {
        let fixture = try EndpointFixture()
        let base = try await tenMessages(fixture)
        let inbox = try #require(try await fixture.store.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await fixture.store.expunge(mailboxID: inbox.id, uids: [2...2])
        let afterFirst = try await fixture.endpoint.snapshot()

        // A store whose tombstones expire at once: its expunge prunes 2 and 4's tombstones.
        let pruning = try fixture.openAgain(MailStore.Options(tombstoneRetention: 0))
        try await Task.sleep(for: .milliseconds(5))
        _ = try await pruning.expunge(mailboxID: inbox.id, uids: [4...4])
        let point4 = try await fixture.store.tombstonePruningPoint(mailboxID: inbox.id)
        #expect(point4 > Int64(afterFirst.highestModSeq))

        // A peer older than the pruning point: every known UID that is gone (2 it already knew).
        let old = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        guard case .resynced(_, let full) = try await old.select(.inbox, since: point(afterFirst)) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(full.vanished) == [2, 4])
        let oldest = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        guard case .resynced(_, let fromBase) = try await oldest.select(.inbox, since: point(base)) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(fromBase.vanished) == [2, 4])

        // A peer at the pruning point or later gets exact answers again.
        let current = try await fixture.endpoint.snapshot()
        _ = try await fixture.store.expunge(mailboxID: inbox.id, uids: [5...5])
        let fresh = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        guard case .resynced(_, let exact) = try await fresh.select(.inbox, since: point(current)) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(exact.vanished) == [5])
        #expect(current.highestModSeq >= ModSeqValue(point4))
    }

    @Test func pruneTombstonesByAgeRaisesThePruningPoint() async throws {
        let fixture = try EndpointFixture()
        _ = try await tenMessages(fixture)
        let inbox = try #require(try await fixture.store.findMailbox(userID: "u1", name: "INBOX"))
        let expunged = try await fixture.store.expunge(mailboxID: inbox.id, uids: [1...3])
        #expect(try await fixture.store.pruneTombstones(expungedBefore: .distantPast) == 0)
        #expect(try await fixture.store.tombstonePruningPoint(mailboxID: inbox.id) == 0)
        #expect(try await fixture.store.pruneTombstones(expungedBefore: .distantFuture) == 3)
        #expect(try await fixture.store.tombstonePruningPoint(mailboxID: inbox.id) == expunged.modSeq)
    }
}
