import Foundation
import MailStore
import TestSupport
import Testing

@Suite struct MessageWriterTests {
    @Test func batchesAreIdempotentOnTheOrigin() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        // HIGHESTMODSEQ starts at 1 (0 would read as NOMODSEQ to a sync peer).
        #expect(inbox.uidNext == 1 && inbox.uidValidity != 0 && inbox.highestModSeq == 1)

        let writer = store.makeWriter(maxBatchCount: 7)
        var commits = 0
        for uid in UInt32(1)...20 where try writer.add(incoming(inbox, uid: uid)) { commits += 1 }
        #expect(commits == 2 && writer.pendingCount == 6)
        try writer.flush()
        #expect(writer.inserted == 20 && writer.skipped == 0 && writer.committedBatches == 3)
        #expect(try store.messageCount(mailboxID: inbox.id) == 20)
        #expect(try store.storedOriginUIDs(userID: "u1", account: "bob@imap.example.org:993", mailbox: "INBOX",
                                           uidValidity: 42) == Set(1...20))
        #expect(try store.storedOriginUIDs(userID: "u1", account: "bob@imap.example.org:993", mailbox: "INBOX",
                                           uidValidity: 43).isEmpty)
        #expect(try store.storedOriginUIDs(userID: "u2", account: "bob@imap.example.org:993", mailbox: "INBOX",
                                           uidValidity: 42).isEmpty)

        // The same origins again, mixed with 5 new ones: only the new ones are stored, with the next UIDs.
        let again = store.makeWriter(maxBatchCount: 100)
        for uid in UInt32(1)...25 { try again.add(incoming(inbox, uid: uid)) }
        try again.flush()
        #expect(again.inserted == 5 && again.skipped == 20)
        let messages = try storedMessages(store, inbox)
        #expect(messages.map(\.uid) == Array(1...25))
        #expect(messages.compactMap(\.origin?.uid) == Array(1...25))
        let reopened = try #require(try store.mailbox(id: inbox.id))
        #expect(reopened.uidNext == 26)
        #expect(reopened.highestModSeq == 5)
        #expect(messages.last?.modSeq == 5)
    }

    @Test func uidsAscendPerMailboxAndContentIsKept() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let lists = try store.ensureMailbox(userID: "u1", name: "Lists/Développement")
        let otherUser = try store.ensureMailbox(userID: "u2", name: "INBOX")
        #expect(inbox.id != otherUser.id)
        let writer = store.makeWriter()
        for uid in UInt32(1)...10 {
            try writer.add(incoming(uid.isMultiple(of: 2) ? lists : inbox, uid: 1000 + uid,
                                    flags: ["\\seen", "$Label1", "\\Recent", "\\SEEN", "\\flagged"], size: Int(uid) * 3000))
            // The same origin for another user is another message.
            try writer.add(incoming(otherUser, uid: 1000 + uid))
        }
        try writer.flush()
        #expect(writer.inserted == 20 && writer.committedBatches == 1)

        let inboxMessages = try storedMessages(store, inbox)
        let listMessages = try storedMessages(store, lists)
        #expect(inboxMessages.map(\.uid) == [1, 2, 3, 4, 5])
        #expect(listMessages.map(\.uid) == [1, 2, 3, 4, 5])
        #expect(inboxMessages.compactMap(\.origin?.uid) == [1001, 1003, 1005, 1007, 1009])
        #expect(try store.messageCount(mailboxID: otherUser.id) == 10)
        for message in inboxMessages + listMessages {
            let originUID = try #require(message.origin?.uid)
            let expected = sampleRaw(uid: originUID, size: Int(originUID - 1000) * 3000)
            #expect(message.raw == expected)
            #expect(message.size == expected.count)
            #expect(message.sha256.count == 64 && message.sha256 == message.sha256.lowercased())
            #expect(message.flags == ["$Label1", "\\Flagged", "\\Seen"])
            #expect(message.internalDate.epoch == 1_700_000_000 + Int64(originUID))
            #expect(message.internalDate.utcOffsetMinutes == 120)
            #expect(message.origin?.account == "bob@imap.example.org:993")
        }
        #expect(Set((inboxMessages + listMessages).map(\.sha256)).count == 10)
    }

    @Test func aDroppedWriterLosesOnlyItsUnflushedBatch() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.open()
            let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
            do {
                let writer = store.makeWriter(maxBatchBytes: 1 << 30, maxBatchCount: 5)
                for uid in UInt32(1)...12 { try writer.add(incoming(inbox, uid: uid)) }
                #expect(writer.inserted == 10 && writer.pendingCount == 2)
            }
            #expect(try store.messageCount(mailboxID: inbox.id) == 10)
        }
        let store = try fixture.open()
        let inbox = try #require(try store.mailbox(userID: "u1", name: "INBOX"))
        #expect(try storedMessages(store, inbox).map(\.uid) == Array(1...10))
        #expect(inbox.uidNext == 11)
        #expect(try store.integrityCheck())
    }

    @Test func theByteLimitCommitsBigMessagesEarly() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let writer = store.makeWriter(maxBatchBytes: 100_000, maxBatchCount: 500)
        #expect(try !writer.add(incoming(inbox, uid: 1, size: 60_000)))
        #expect(try writer.add(incoming(inbox, uid: 2, size: 60_000)))
        #expect(writer.pendingBytes == 0 && writer.inserted == 2)
        #expect(try writer.add(incoming(inbox, uid: 3, size: 250_000)))
        #expect(writer.committedBatches == 2 && writer.inserted == 3)
    }

    @Test func aMessageForAMissingMailboxFailsItsBatch() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "INBOX")
        let writer = store.makeWriter()
        try writer.add(incoming(inbox, uid: 1))
        var ghost = incoming(inbox, uid: 2)
        ghost.mailboxID = 9999
        try writer.add(ghost)
        #expect(throws: MailStoreError.notFound("mailbox 9999")) { try writer.flush() }
        #expect(try store.messageCount(mailboxID: inbox.id) == 0)
        #expect(writer.pendingCount == 0 && writer.inserted == 0)
    }

    @Test func mailboxNamesAreUnicodeAndNormalised() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let composed = try store.ensureMailbox(userID: "u1", name: "Lists/D\u{E9}veloppement")
        let decomposed = try store.ensureMailbox(userID: "u1", name: "Lists/De\u{301}veloppement")
        #expect(composed == decomposed)
        let japanese = try store.ensureMailbox(userID: "u1", name: "日本語/受信箱", delimiter: "/")
        #expect(japanese.delimiter == "/" && japanese.subscribed)
        #expect(try store.mailboxes(userID: "u1").map(\.name) == ["Lists/Développement", "日本語/受信箱"])
        #expect(try store.mailbox(userID: "u1", name: "Lists/De\u{301}veloppement")?.id == composed.id)
        #expect(throws: MailStoreError.invalidArgument("empty mailbox name")) {
            try store.ensureMailbox(userID: "u1", name: "")
        }
        #expect(throws: MailStoreError.self) { try store.ensureMailbox(userID: "u1", name: "bad\nname") }
    }

    /// RFC 3501: INBOX is case-insensitive, so "inbox" must not become a second mailbox.
    @Test func inboxIsOneMailboxWhateverItsCase() throws {
        let fixture = try StoreFixture()
        let store = try fixture.open()
        let inbox = try store.ensureMailbox(userID: "u1", name: "inbox")
        #expect(inbox.name == "INBOX")
        #expect(try store.ensureMailbox(userID: "u1", name: "INBOX") == inbox)
        #expect(try store.ensureMailbox(userID: "u1", name: "InBoX") == inbox)
        #expect(try store.mailbox(userID: "u1", name: "Inbox")?.id == inbox.id)
        #expect(try store.mailboxes(userID: "u1").map(\.name) == ["INBOX"])
        // Only that name: other names keep their case, and a non-ASCII look-alike is another name.
        #expect(try store.ensureMailbox(userID: "u1", name: "Archive") != store.ensureMailbox(userID: "u1", name: "archive"))
        #expect(MailStore.canonicalMailboxName("\u{131}nbox") == "\u{131}nbox")
        #expect(MailStore.canonicalMailboxName("inbox/Sub") == "inbox/Sub")
    }

    @Test func flagsAreNormalised() {
        #expect(MessageFlags.normalised(["\\SEEN", "\\answered", "\\Recent", "$Junk", "\\Seen", "", "a b"])
                == ["$Junk", "\\Answered", "\\Seen"])
        #expect(MessageFlags.maildirLetters(["\\Seen", "\\Deleted", "\\Draft", "\\Answered", "\\Flagged", "$X"])
                == "DFRST")
        #expect(MessageFlags.maildirLetters([]) == "")
    }
}
