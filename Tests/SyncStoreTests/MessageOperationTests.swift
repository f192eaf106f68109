import Foundation
import IMAPCore
import MailStore
import NIOCore
import OpenSSLKit
import SyncEngine
import SyncStore
import Testing

@Suite struct MessageOperationTests {
    @Test func appendAssignsIncreasingUIDsInOneTransactionAndDropsRecent() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox()
        let before = try await endpoint.snapshot()
        let result = try await endpoint.append(appendBatch([
            Draft(bytes: sampleMessage(1), flags: [.seen, MessageFlag("$Label1")]),
            Draft(bytes: sampleMessage(2), flags: [.recent, .flagged], date: 1_600_000_000, zone: -300),
            Draft(bytes: sampleMessage(3, size: 100_000)),
        ]))
        #expect(result.uidValidity == before.uidValidity)
        #expect(result.assignedUIDs.map(\.rawValue) == [1, 2, 3])
        let after = try await endpoint.snapshot()
        #expect(after.uidNext == 4 && after.highestModSeq > before.highestModSeq)

        let summaries = try await endpoint.fetchSummaries(UIDSet(UID.min...UID.max), fields: [.internalDate, .messageID])
        #expect(summaries.map(\.uid.rawValue) == [1, 2, 3])
        #expect(summaries[0].flags == [.seen, MessageFlag("$Label1")])
        #expect(summaries[1].flags == [.flagged])  // \Recent is never kept
        #expect(summaries[1].internalDate == MessageDate(secondsSince1970: 1_600_000_000, zoneOffsetMinutes: -300))
        #expect(summaries[2].messageID == "<3@example.org>" && summaries[2].size == sampleMessage(3, size: 100_000).count)
        #expect(Set(summaries.map(\.modSeq)).count == 1)  // one transaction, one modseq

        let second = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(4))]))
        #expect(second.assignedUIDs.map(\.rawValue) == [4])
    }

    @Test func aBodyThatComesShortIsNotAppended() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox()
        let bytes = sampleMessage(1)
        let short = OutgoingMessage(
            summary: MessageSummary(uid: UID.min, flags: [], modSeq: 1, size: bytes.count),
            body: MessageBody(byteCount: bytes.count + 10, chunks: AsyncThrowingStream { continuation in
                continuation.yield(ByteBuffer(bytes: bytes))
                continuation.finish()
            }))
        let good = OutgoingMessage(summary: MessageSummary(uid: UID.min, flags: [], modSeq: 1, size: bytes.count),
                                   body: MessageBody(bytes: ByteBuffer(bytes: bytes)))
        let batch = AppendBatch(count: 2, messages: AsyncThrowingStream { continuation in
            continuation.yield(good)
            continuation.yield(short)
            continuation.finish()
        })
        await #expect(throws: MailboxEndpointError.bodySizeMismatch(uid: UID.min, announced: bytes.count + 10, received: bytes.count)) {
            try await endpoint.append(batch)
        }
        #expect(try await endpoint.snapshot().uidNext == 1)
        #expect(try await fixture.store.statistics(userID: "u1").messages == 0)
    }

    @Test func fetchMessagesStreamsTheStoredBytesInChunksSizeFirst() async throws {
        let fixture = try EndpointFixture(chunkSize: 4096)
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox()
        let drafts = [Draft(bytes: sampleMessage(1, size: 50_000)), Draft(bytes: sampleMessage(2)),
                      Draft(bytes: sampleMessage(3, size: 9000))]
        _ = try await endpoint.append(appendBatch(drafts))
        let fetched = try await fetchAll(endpoint, uids(1, 3))
        #expect(fetched.map(\.0.uid.rawValue) == [1, 3])
        #expect(fetched[0].1 == drafts[0].bytes && fetched[1].1 == drafts[2].bytes)
        #expect(fetched[0].chunks == (drafts[0].bytes.count + 4095) / 4096)
        #expect(fetched.allSatisfy { $0.0.size == $0.1.count })
        let hash = try #require(fetched[0].0.contentHash)
        #expect(hash.description == SHA256.hexDigest(drafts[0].bytes))
        // `n:*`: new since n; absent UIDs are simply missing.
        let tail = try await fetchAll(endpoint, UIDSet(UID(2)!...UID.max))
        #expect(tail.map(\.0.uid.rawValue) == [2, 3])
        #expect(try await fetchAll(endpoint, uids(9)).isEmpty)
    }

    @Test func conditionalStoreRefusesMessagesChangedSinceAndBumpsModSeqs() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox(holding: 3)
        let base = try await endpoint.snapshot().highestModSeq

        // Another writer changes message 2 after `base`.
        let other = try fixture.openAgain()
        let inbox = try #require(try await other.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await other.storeFlags(mailboxID: inbox.id, uids: [2...2], .add, ["\\Answered"])

        let result = try await endpoint.storeFlags(FlagStoreRequest(uids: uids(1, 2, 3), flags: [.seen], unchangedSince: base))
        #expect(uidList(result.modified) == [2])
        let summaries = try await endpoint.fetchSummaries(uids(1, 2, 3), fields: [])
        #expect(summaries.map(\.flags) == [[.seen], [.answered], [.seen]])
        #expect(summaries[0].modSeq > base + 1 && summaries[0].modSeq == summaries[2].modSeq)

        // The same flags again change nothing: no new modseq.
        let again = try await endpoint.storeFlags(FlagStoreRequest(uids: uids(1), flags: [.seen], unchangedSince: nil))
        #expect(again.modified == nil)
        #expect(try await endpoint.fetchSummaries(uids(1), fields: [])[0].modSeq == summaries[0].modSeq)

        // The refused UID comes back with the next pendingChanges, with its current flags.
        let pending = try await endpoint.pendingChanges()
        #expect(pending.flagChanges[UID(2)!]?.flags == [.answered])
        #expect(pending.flagChanges[UID(1)!] == nil && pending.vanished == nil)
    }

    @Test("a round's stores are one transaction: one modseq, results in order, our changes never reported back")
    func aRoundOfStoresIsOneTransaction() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox(holding: 6)
        let base = try await endpoint.snapshot().highestModSeq
        let other = try fixture.openAgain()
        let inbox = try #require(try await other.findMailbox(userID: "u1", name: "INBOX"))
        _ = try await other.storeFlags(mailboxID: inbox.id, uids: [5...5], .add, ["$Other"])

        let results = try await endpoint.storeFlags([
            FlagStoreRequest(uids: uids(1, 2), flags: [.seen], unchangedSince: base),
            FlagStoreRequest(uids: uids(3), flags: [.flagged, .seen], unchangedSince: base),
            FlagStoreRequest(uids: uids(4, 5), flags: [.answered], unchangedSince: base),
            FlagStoreRequest(uids: uids(6), flags: [], unchangedSince: nil),  // no flags before: no change
        ])
        #expect(results.map { uidList($0.modified) } == [[], [], [5], []])
        let summaries = try await endpoint.fetchSummaries(uids(1, 2, 3, 4, 5, 6), fields: [])
        #expect(summaries.map(\.flags) == [[.seen], [.seen], [.flagged, .seen], [.answered], [MessageFlag("$Other")], []])
        let changed = Set(summaries[0...3].map(\.modSeq))
        #expect(changed.count == 1 && changed.first.map { $0 > base + 1 } == true, "\(summaries.map(\.modSeq))")
        #expect(summaries[5].modSeq <= base)

        // Only the other writer's message comes back (refused, with its current flags).
        let pending = try await endpoint.pendingChanges()
        #expect(pending.flagChanges.keys.map(\.rawValue) == [5] && pending.flagChanges[UID(5)!]?.flags == [MessageFlag("$Other")])
        #expect(try await endpoint.pendingChanges().flagChanges.isEmpty)
    }

    @Test("the store's own changes are left out of what changed since a modseq")
    func changesSinceLeaveOutTheGivenModSeqs() async throws {
        let fixture = try EndpointFixture()
        let store = fixture.store
        try await fixture.selectedInbox(holding: 4)
        let inbox = try #require(try await store.findMailbox(userID: "u1", name: "INBOX"))
        let base = inbox.highestModSeq
        let ours = try await store.storeFlags(mailboxID: inbox.id, uids: [1...2], .add, ["\\Seen"])
        _ = try await store.storeFlags(mailboxID: inbox.id, uids: [3...3], .add, ["\\Flagged"])
        let all = try await store.changes(mailboxID: inbox.id, since: base)
        #expect(all.changed.map(\.uid) == [1, 2, 3])
        let theirs = try await store.changes(mailboxID: inbox.id, since: base, excludingModSeqs: [try #require(ours.modSeq), base - 1])
        #expect(theirs.changed.map(\.uid) == [3] && theirs.highestModSeq == all.highestModSeq)
    }

    @Test("an expunged message's bytes held in b-tree pages are gone from the closed file")
    func expungedRowsAreZeroed() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox()
        let marker = "zq-private-subject-81723"
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(1, subject: marker)), Draft(bytes: sampleMessage(2))]))
        fixture.store.close()
        let stored = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        try #require(stored.range(of: Data(marker.utf8)) != nil, "the message is in the file before")
        let before = try MailStore(path: fixture.path)
        let after = StoreMailboxEndpoint(store: before, userID: "u1")
        _ = try await after.select(.inbox, since: nil)
        #expect(uidList(try await after.expunge(uids(1))) == [1])
        before.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        #expect(bytes.range(of: Data(marker.utf8)) == nil, "the expunged message is still in the file")
        #expect(!FileManager.default.fileExists(atPath: fixture.path + "-wal"))
    }

    @Test func expungeRemovesWritesTombstonesAndReportsOnlyWhatWasThere() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await fixture.selectedInbox(holding: 5)
        let base = try await endpoint.snapshot()
        #expect(uidList(try await endpoint.expunge(uids(2, 4, 7))) == [2, 4])
        #expect(try await endpoint.expunge(uids(2)) == nil)
        #expect(try await endpoint.fetchSummaries(UIDSet(UID.min...UID.max), fields: []).map(\.uid.rawValue) == [1, 3, 5])

        let again = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        let point = ResyncPoint(uidValidity: base.uidValidity, highestModSeq: base.highestModSeq,
                                knownUIDs: UIDSet(UID.min...UID(5)!))
        guard case .resynced(_, let changes) = try await again.select(.inbox, since: point) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(changes.vanished) == [2, 4] && changes.flagChanges.isEmpty)
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 3)
    }

    @Test func moveKeepsFlagsDatesAndBodiesInOneTransaction() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(.inbox)
        try await endpoint.createMailbox(MailboxName("Archive"))
        _ = try await endpoint.select(MailboxName("Archive"), since: nil)
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(100))]))
        _ = try await endpoint.select(.inbox, since: nil)
        _ = try await endpoint.append(appendBatch((1...3).map { Draft(bytes: sampleMessage($0), flags: [.flagged], date: 1_650_000_000 + Int64($0)) }))
        let archive = try #require(try await fixture.store.findMailbox(userID: "u1", name: "Archive"))

        let moved = try await endpoint.move(uids(1, 3), to: MailboxName("Archive"))
        #expect(moved.destinationUIDValidity == archive.uidValidity)
        #expect(moved.pairs.map(\.source.rawValue) == [1, 3] && moved.pairs.map(\.destination.rawValue) == [2, 3])
        #expect(try await endpoint.fetchSummaries(UIDSet(UID.min...UID.max), fields: []).map(\.uid.rawValue) == [2])

        let archived = try await fixture.store.messageRecords(mailboxID: archive.id)
        #expect(archived.map(\.uid) == [1, 2, 3])
        #expect(archived[1].flags == ["\\Flagged"] && archived[1].internalDate == 1_650_000_001)
        #expect(archived[2].internalDate == 1_650_000_003)
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 4)
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Nowhere"))) {
            try await endpoint.move(uids(2), to: MailboxName("Nowhere"))
        }
    }

    @Test func theSameMessageInThreeMailboxesIsStoredOnce() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        let bytes = sampleMessage(7, size: 200_000)
        for name in ["INBOX", "All Mail", "Label"] {
            try await endpoint.createMailbox(MailboxName(name))
            _ = try await endpoint.select(MailboxName(name), since: nil)
            _ = try await endpoint.append(appendBatch([Draft(bytes: bytes)]))
        }
        let statistics = try await fixture.store.statistics(userID: "u1")
        #expect(statistics.messages == 3 && statistics.bodies == 1)
        #expect(statistics.bodyBytes == Int64(bytes.count) && statistics.messageBytes == 3 * Int64(bytes.count))
        // Each reference is independent: expunging two leaves the body to the third.
        _ = try await endpoint.expunge(uids(1))
        _ = try await endpoint.select(.inbox, since: nil)
        _ = try await endpoint.expunge(uids(1))
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 1)
        _ = try await endpoint.select(MailboxName("All Mail"), since: nil)
        #expect(try await fetchAll(endpoint, uids(1)).first?.1 == bytes)
        _ = try await endpoint.expunge(uids(1))
        let emptied = try await fixture.store.statistics(userID: "u1")
        #expect(emptied.messages == 0 && emptied.bodies == 0 && emptied.bodyBytes == 0)
    }
}
