import Foundation
import MailStore
import TestSupport
import Testing

@Suite struct FailureTests {
    @Test func aReadOnlyStoreRefusesWritesAndLeavesTheFileIntact() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
            let writer = store.makeWriter()
            for uid in UInt32(1)...3 { try writer.add(incoming(inbox, uid: uid)) }
            try writer.flush()
        }
        chmod(fixture.path, 0o444)
        let before = try fileBytes(fixture.path)

        let store = try fixture.open(MailStore.Options(readOnly: true))
        let inbox = try #require(try store.mailbox(userID: "u1", name: "INBOX"))
        #expect(try store.messageCount(mailboxID: inbox.id) == 3)
        #expect(try store.integrityCheck())
        #expect(throws: MailStoreError.readOnly(path: fixture.path)) {
            try store.ensureMailbox(userID: "u1", name: "Sent")
        }
        #expect(throws: MailStoreError.readOnly(path: fixture.path)) {
            try store.addIdentity(RemoteIdentity(userID: "u1", server: "h:993", login: "l"))
        }
        let writer = store.makeWriter()
        try writer.add(incoming(inbox, uid: 4))
        #expect(throws: MailStoreError.readOnly(path: fixture.path)) { try writer.flush() }
        #expect(try store.messageCount(mailboxID: inbox.id) == 3)
        #expect(try fileBytes(fixture.path) == before)
    }

    @Test func aMissingFileCannotBeOpenedReadOnly() throws {
        let fixture = try StoreFixture()
        #expect(throws: MailStoreError.cannotOpen(path: fixture.path, reason: "no such file")) {
            try fixture.open(MailStore.Options(readOnly: true))
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.path))
    }

    @Test func aFullDiskKeepsEveryCommittedBatch() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            _ = try store.ensureMailbox(userID: "u1", name: "INBOX")
        }
        let bytesBefore = try fileBytes(fixture.path).count
        // Room for about 2 MB more: batches of 10 × 50 kB fill it after a few commits.
        let store = try fixture.open(MailStore.Options(maxBytes: bytesBefore + 2_000_000))
        let inbox = try #require(try store.mailbox(userID: "u1", name: "INBOX"))
        let writer = store.makeWriter(maxBatchCount: 10)
        var failure: MailStoreError?
        var uid: UInt32 = 0
        while failure == nil, uid < 1000 {
            uid += 1
            do {
                try writer.add(incoming(inbox, uid: uid, size: 50_000))
            } catch {
                failure = error
            }
        }
        #expect(failure == .diskFull(path: fixture.path))
        #expect(writer.committedBatches >= 2)
        #expect(writer.inserted == writer.committedBatches * 10)
        #expect(try store.integrityCheck())
        #expect(try store.messageCount(mailboxID: inbox.id) == writer.inserted)
        let messages = try storedMessages(store, inbox)
        #expect(messages.map(\.uid) == Array(1...UInt32(writer.inserted)))
        #expect(messages.allSatisfy { $0.raw == sampleRaw(uid: $0.origin?.uid ?? 0, size: 50_000) })

        // Once space is back, the rerun stores what was missing, and nothing twice.
        let roomy = try fixture.open()
        let rerun = roomy.makeWriter(maxBatchCount: 10)
        for again in UInt32(1)...uid { try rerun.add(incoming(inbox, uid: again, size: 50_000)) }
        try rerun.flush()
        #expect(rerun.skipped == writer.inserted)
        #expect(try roomy.messageCount(mailboxID: inbox.id) == Int(uid))
        #expect(try roomy.integrityCheck())
    }
}
