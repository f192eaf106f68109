import Foundation
import MailStore
import NIOCore
import OpenSSLKit
import Testing

/// One append batch written while it arrives: all of it committed, or (aborted) none of it.
@Suite struct AppendWriterTests {
    private func appended(_ uid: UInt32, size: Int, flags: [String] = ["\\Seen"]) -> AppendedMessage {
        let raw = sampleRaw(uid: uid, size: size)
        // In several buffers, as the network hands them over.
        let cut = raw.count / 3
        let chunks = [ByteBuffer(bytes: raw[..<cut]), ByteBuffer(bytes: raw[cut...])]
        return AppendedMessage(flags: flags, internalDate: 1_700_000_000 + Int64(uid), internalDateOffset: 60,
                               body: MessageBytes(chunks: chunks))
    }

    @Test func aBatchLargerThanTheQueueIsCommittedWholeWithOneModSeq() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        // 60 messages of 20 KB through a 50 KB queue: the producer waits for the writer.
        let writer = store.makeAppendWriter(mailboxID: inbox.id, queueBytes: 50_000)
        for uid in UInt32(1)...60 { try await writer.add(appended(uid, size: 20_000, flags: uid == 2 ? ["\\Recent", "$X"] : ["\\Seen"])) }
        #expect(try storedMessages(store, inbox).isEmpty, "nothing visible before the commit")
        let outcome = try await writer.commit()
        #expect(outcome.uids == Array(1...60) && outcome.uidValidity == inbox.uidValidity)
        let messages = try storedMessages(store, inbox)
        #expect(messages.map(\.uid) == Array(1...60))
        #expect(Set(messages.map(\.modSeq)) == [try #require(outcome.modSeq)])
        for message in messages {
            let raw = sampleRaw(uid: message.uid, size: 20_000)
            #expect(message.raw == raw && message.sha256 == SHA256.hexDigest(raw))
            #expect(message.internalDate.epoch == 1_700_000_000 + Int64(message.uid) && message.internalDate.utcOffsetMinutes == 60)
        }
        #expect(messages[1].flags == ["$X"])  // \Recent is never kept
        #expect(try #require(try store.mailbox(id: inbox.id)).uidNext == 61)
        await #expect(throws: MailStoreError.self) { try await writer.add(appended(61, size: 10)) }
    }

    @Test func anAbortedBatchLeavesNothingAndTheNextOneStartsAtTheSameUID() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let aborted = store.makeAppendWriter(mailboxID: inbox.id, queueBytes: 10_000)
        for uid in UInt32(1)...5 { try await aborted.add(appended(uid, size: 8_000)) }
        aborted.abort()
        await #expect(throws: MailStoreError.self) { try await aborted.commit() }
        #expect(try storedMessages(store, inbox).isEmpty)
        #expect(try await store.statistics(userID: "u1").bodies == 0)

        let next = store.makeAppendWriter(mailboxID: inbox.id)
        try await next.add(appended(9, size: 100))
        #expect(try await next.commit().uids == [1])
    }

    @Test func aMissingMailboxFailsTheBatch() async throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let writer = store.makeAppendWriter(mailboxID: 999)
        // The failure comes with the next call once the writer found it (the add may be taken first).
        _ = try? await writer.add(appended(1, size: 100))
        await #expect(throws: MailStoreError.notFound("mailbox 999")) { try await writer.commit() }
    }
}
