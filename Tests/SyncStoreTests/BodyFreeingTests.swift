import GRDB
import IMAPCore
import MailStore
import SyncEngine
import SyncStore
import Testing

/// A deletion only queues the bodies it leaves without a message (`orphaned_bodies`); the store
/// frees them in a transaction of its own right after, or at the next open.
@Suite struct BodyFreeingTests {
    /// (bodies, queued) as another connection reads the file.
    private func rawCounts(_ path: String) throws -> [Int] {
        try DatabaseQueue(path: path).read { db in
            [try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bodies") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orphaned_bodies") ?? -1]
        }
    }

    @Test func anExpungeAndAMailboxDeletionFreeTheirBodiesByThemselves() async throws {
        let fixture = try EndpointFixture()
        try await fixture.selectedInbox(holding: 3)
        #expect(uidList(try await fixture.endpoint.expunge(uids(1, 3))) == [1, 3])
        // Queued behind the store's own freeing, which already took both.
        #expect(try await fixture.store.freeOrphanedBodies() == 0)
        #expect(try rawCounts(fixture.path) == [1, 0])

        try await fixture.endpoint.createMailbox(MailboxName("Old"))
        _ = try await fixture.endpoint.select(MailboxName("Old"), since: nil)
        _ = try await fixture.endpoint.append(appendBatch([Draft(bytes: sampleMessage(7)), Draft(bytes: sampleMessage(2))]))
        try await fixture.endpoint.deleteMailbox(MailboxName("Old"))
        #expect(try await fixture.store.freeOrphanedBodies() == 0)
        // Message 2's body is INBOX's too: it stays.
        #expect(try rawCounts(fixture.path) == [1, 0])
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 1)
    }

    @Test func aQueuedBodyThatAMessageHoldsAgainStays() async throws {
        let fixture = try EndpointFixture()
        try await fixture.selectedInbox(holding: 2)
        // As a deletion followed by an append of the same content, before the freeing ran.
        try await DatabaseQueue(path: fixture.path).write { db in
            try db.execute(sql: "INSERT INTO orphaned_bodies SELECT body_id FROM messages WHERE uid = 1")
        }
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 2)
        #expect(try await fixture.store.freeOrphanedBodies() == 0)
        #expect(try rawCounts(fixture.path) == [2, 0])
        #expect(try await fixture.endpoint.fetchSummaries(uids(1, 2), fields: []).count == 2)
    }

    @Test func bodiesLeftQueuedByAProcessThatDiedAreFreedAtTheNextOpen() async throws {
        let fixture = try EndpointFixture()
        try await fixture.selectedInbox(holding: 2)
        fixture.store.close()
        // Another program's delete: the trigger queues the body, nothing frees it.
        try await DatabaseQueue(path: fixture.path).write { db in try db.execute(sql: "DELETE FROM messages WHERE uid = 2") }
        #expect(try rawCounts(fixture.path) == [2, 1])
        let reopened = try fixture.openAgain()
        #expect(try await reopened.statistics(userID: "u1").bodies == 1)  // queued counts as gone
        reopened.close()
        #expect(try rawCounts(fixture.path) == [1, 0])
    }
}
