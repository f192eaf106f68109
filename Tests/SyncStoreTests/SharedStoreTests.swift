import Foundation
import IMAPCore
import MailStore
import SyncEngine
import SyncStore
import TestSupport
import Testing

/// Several processes and connections on one store file (WAL): each sees the others' changes,
/// none corrupts the file, UIDs stay unique.
@Suite struct SharedStoreTests {
    @Test func imapctlInAnotherProcessIsSeenByPendingChanges() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(.inbox)
        _ = try await endpoint.select(.inbox, since: nil)
        _ = try await endpoint.append(appendBatch((1...4).map { Draft(bytes: sampleMessage($0)) }))
        let base = try await endpoint.snapshot()
        _ = try await endpoint.select(.inbox, since: ResyncPoint(uidValidity: base.uidValidity, highestModSeq: base.highestModSeq,
                                                                   knownUIDs: UIDSet(UID.min...UID(4)!)))
        let imapctl = try builtExecutable("imapctl")
        let flag = try await runCommand(imapctl, ["flag", "--db", fixture.path, "--userid", "u1", "--mailbox", "inbox",
                                                  "--uid", "2", "+\\Seen", "+$Work", "--json"])
        #expect(flag.status == 0, "\(flag.stderr)")
        let expunge = try await runCommand(imapctl, ["expunge", "--db", fixture.path, "--userid", "u1", "--uid", "3", "4"])
        #expect(expunge.status == 0, "\(expunge.stderr)")

        let changes = try await endpoint.pendingChanges()
        #expect(changes.flagChanges.keys.map(\.rawValue) == [2])
        #expect(changes.flagChanges[UID(2)!]?.flags == [.seen, MessageFlag("$Work")])
        #expect(uidList(changes.vanished) == [3, 4])
        #expect(try fixture.store.integrityCheck())
    }

    @Test func twoConnectionsAppendingAtOnceNeverShareAUID() async throws {
        let fixture = try EndpointFixture()
        try await fixture.endpoint.createMailbox(.inbox)
        let second = try fixture.openAgain()
        let stores = [fixture.store, second]
        try await withThrowingTaskGroup(of: [UInt32].self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    let endpoint = StoreMailboxEndpoint(store: store, userID: "u1")
                    _ = try await endpoint.select(.inbox, since: nil)
                    var assigned: [UInt32] = []
                    for round in 0..<20 {
                        let drafts = (0..<5).map { Draft(bytes: sampleMessage(index * 1000 + round * 10 + $0, size: 3000)) }
                        assigned += try await endpoint.append(appendBatch(drafts)).assignedUIDs.map(\.rawValue)
                    }
                    return assigned
                }
            }
            var all: [UInt32] = []
            for try await assigned in group {
                #expect(assigned == assigned.sorted())
                all += assigned
            }
            #expect(all.sorted() == Array(1...200))
        }
        #expect(try await fixture.store.statistics(userID: "u1").messages == 200)
        #expect(try second.integrityCheck())
    }
}

@Suite struct SelectedMailboxGoneTests {
    @Test func aSelectedMailboxDeletedByAnotherWriterIsNoSuchMailbox() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(MailboxName("Old"))
        try await endpoint.createMailbox(MailboxName("New"))
        _ = try await endpoint.select(MailboxName("Old"), since: nil)
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(1))]))
        try await fixture.openAgain().deleteMailbox(userID: "u1", name: "Old")
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Old"))) { try await endpoint.pendingChanges() }
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Old"))) { try await endpoint.snapshot() }
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Old"))) {
            try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(2))]))
        }
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Old"))) {
            try await endpoint.move(uids(1), to: MailboxName("New"))
        }
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 0)
    }
}
