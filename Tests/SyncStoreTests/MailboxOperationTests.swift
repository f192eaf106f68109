import IMAPCore
import MailStore
import SyncEngine
import SyncStore
import Testing

@Suite struct MailboxOperationTests {
    @Test func capabilitiesAreEverythingTheEngineNeeds() async throws {
        let fixture = try EndpointFixture()
        let capabilities = try await fixture.endpoint.capabilities()
        #expect(capabilities.missingRequired.isEmpty)
        #expect(capabilities.isSuperset(of: [.multiappend, .move, .listStatus]))
    }

    @Test func createMakesParentsAndListMatchesPatterns() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(.inbox)
        try await endpoint.createMailbox(MailboxName("Lists/日本語/Été"))
        try await endpoint.createMailbox(MailboxName("Lists"))  // made as a parent already: not an error
        try await endpoint.createMailbox(MailboxName("Archive"))

        let all = try await endpoint.listMailboxes(MailboxListRequest())
        #expect(all.delimiter == "/")
        #expect(all.mailboxes.map(\.name.name) == ["Archive", "INBOX", "Lists", "Lists/日本語", "Lists/日本語/Été"])
        let lists = try #require(all.mailboxes.first { $0.name.name == "Lists" })
        // Unsubscribed, parents too, as IMAP's CREATE leaves them.
        #expect(lists.attributes.contains(.hasChildren) && !lists.isSubscribed)
        #expect(all.mailboxes.allSatisfy { !$0.isSubscribed })
        #expect(all.mailboxes.first { $0.name.name == "Archive" }?.attributes.contains(.hasNoChildren) == true)
        for entry in all.mailboxes {
            let status = try #require(entry.status)
            #expect(status.uidNext == 1 && status.highestModSeq >= 1 && status.uidValidity != 0)
        }
        // `%` stops at the delimiter; `\0` in a pattern stands for it; INBOX matches in any case.
        let top = try await endpoint.listMailboxes(MailboxListRequest(patterns: [Array("%".utf8)]))
        #expect(top.mailboxes.map(\.name.name) == ["Archive", "INBOX", "Lists"])
        let children = try await endpoint.listMailboxes(MailboxListRequest(patterns: [Array("Lists".utf8) + [0] + Array("%".utf8)]))
        #expect(children.mailboxes.map(\.name.name) == ["Lists/日本語"])
        let inbox = try await endpoint.listMailboxes(MailboxListRequest(patterns: [Array("inbox".utf8)]))
        #expect(inbox.mailboxes.map(\.name) == [.inbox])
    }

    @Test func inboxIsCaseInsensitive() async throws {
        let fixture = try EndpointFixture()
        try await fixture.store.createMailbox(userID: "u1", name: "inbox")
        await #expect(throws: MailStoreError.self) { try await fixture.store.createMailbox(userID: "u1", name: "InBoX") }
        let listed = try await fixture.store.listMailboxes(userID: "u1")
        #expect(listed.map(\.name) == ["INBOX"])
        _ = try await fixture.endpoint.select(MailboxName(raw: Array("Inbox".utf8)), since: nil)
    }

    @Test func renameIsRecursiveAndKeepsUIDValidityAndMessages() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(MailboxName("a/b/c"))
        try await endpoint.createMailbox(MailboxName("ab"))
        _ = try await endpoint.select(MailboxName("a/b"), since: nil)
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(1))]))
        let before = try await fixture.store.listMailboxes(userID: "u1")

        try await endpoint.renameMailbox(MailboxName("a"), to: MailboxName("x/y"))
        let after = try await fixture.store.listMailboxes(userID: "u1")
        #expect(after.map(\.name) == ["ab", "x", "x/y", "x/y/b", "x/y/b/c"])
        for (old, new) in [("a", "x/y"), ("a/b", "x/y/b"), ("a/b/c", "x/y/b/c")] {
            let was = try #require(before.first { $0.name == old })
            let now = try #require(after.first { $0.name == new })
            #expect(was.id == now.id && was.uidValidity == now.uidValidity)
        }
        let renamed = try #require(after.first { $0.name == "x/y/b" })
        #expect(try fixture.store.messageCount(mailboxID: renamed.id) == 1)
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("a"))) {
            try await endpoint.renameMailbox(MailboxName("a"), to: MailboxName("z"))
        }
        await #expect(throws: MailStoreError.alreadyExists("mailbox ab of user u1")) {
            try await endpoint.renameMailbox(MailboxName("x"), to: MailboxName("ab"))
        }
    }

    @Test func aDeletedNameNeverGetsItsUIDValidityBack() async throws {
        let fixture = try EndpointFixture()
        var seen = Set<UInt32>()
        for round in 0..<20 {
            let mailbox = try await fixture.store.createMailbox(userID: "u1", name: "Trash")
            #expect(seen.insert(mailbox.uidValidity).inserted, "round \(round) reused \(mailbox.uidValidity)")
            try await fixture.endpoint.deleteMailbox(MailboxName("Trash"))
        }
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Trash"))) {
            try await fixture.endpoint.deleteMailbox(MailboxName("Trash"))
        }
        await #expect(throws: MailStoreError.invalidArgument("INBOX cannot be deleted")) {
            try await fixture.store.deleteMailbox(userID: "u1", name: "inbox")
        }
    }

    @Test func deleteFreesBodiesNoOtherMailboxHolds() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(.inbox)
        try await endpoint.createMailbox(MailboxName("Old"))
        _ = try await endpoint.select(.inbox, since: nil)
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(1))]))
        _ = try await endpoint.select(MailboxName("Old"), since: nil)
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(1)), Draft(bytes: sampleMessage(2))]))
        #expect(try await fixture.store.statistics(userID: "u1").bodies == 2)
        try await endpoint.deleteMailbox(MailboxName("Old"))
        let statistics = try await fixture.store.statistics(userID: "u1")
        #expect(statistics.messages == 1 && statistics.bodies == 1)
        await #expect(throws: MailboxEndpointError.noMailboxSelected) { try await endpoint.snapshot() }
    }

    @Test func subscriptionIsKeptAndListedWithSubscribedOnly() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(MailboxName("Spam"))
        try await endpoint.createMailbox(MailboxName("Work"))
        try await endpoint.setSubscribed(true, mailbox: MailboxName("Spam"))
        try await endpoint.setSubscribed(true, mailbox: MailboxName("Work"))
        try await endpoint.setSubscribed(false, mailbox: MailboxName("Spam"))
        let subscribed = try await endpoint.listMailboxes(MailboxListRequest(selectOptions: ["SUBSCRIBED"]))
        #expect(subscribed.mailboxes.map(\.name.name) == ["Work"])
        let all = try await endpoint.listMailboxes(MailboxListRequest())
        #expect(all.mailboxes.first { $0.name.name == "Spam" }?.isSubscribed == false)
        await #expect(throws: MailboxEndpointError.noSuchMailbox(MailboxName("Nope"))) {
            try await endpoint.setSubscribed(true, mailbox: MailboxName("Nope"))
        }
    }
}

@Suite struct InboxRenameTests {
    @Test func renamingInboxMovesItsMessagesAndLeavesItEmpty() async throws {
        let fixture = try EndpointFixture()
        let endpoint = fixture.endpoint
        try await endpoint.createMailbox(.inbox)
        try await endpoint.createMailbox(MailboxName("INBOX/Child"))
        guard case .fresh(let before) = try await endpoint.select(.inbox, since: nil) else {
            Issue.record("expected a fresh select")
            return
        }
        _ = try await endpoint.append(appendBatch([Draft(bytes: sampleMessage(1), flags: [.seen]), Draft(bytes: sampleMessage(2))]))
        try await endpoint.renameMailbox(.inbox, to: MailboxName("Old/Mail"))

        let names = try await fixture.store.listMailboxes(userID: "u1").map(\.name)
        #expect(names == ["INBOX", "INBOX/Child", "Old", "Old/Mail"])
        let inbox = try #require(try await fixture.store.findMailbox(userID: "u1", name: "INBOX"))
        #expect(inbox.uidValidity == before.uidValidity && inbox.uidNext == 3)
        #expect(try await fixture.store.messageRecords(mailboxID: inbox.id).isEmpty)
        let moved = try #require(try await fixture.store.findMailbox(userID: "u1", name: "Old/Mail"))
        let records = try await fixture.store.messageRecords(mailboxID: moved.id)
        #expect(records.map(\.uid) == [1, 2] && records[0].flags == ["\\Seen"])
        // A peer of INBOX learns that both went.
        let peer = StoreMailboxEndpoint(store: fixture.store, userID: "u1")
        let point = ResyncPoint(uidValidity: before.uidValidity, highestModSeq: before.highestModSeq,
                                knownUIDs: UIDSet(UID.min...UID(2)!))
        guard case .resynced(_, let changes) = try await peer.select(.inbox, since: point) else {
            Issue.record("expected a resync")
            return
        }
        #expect(uidList(changes.vanished) == [1, 2])
        await #expect(throws: MailStoreError.alreadyExists("mailbox Old/Mail of user u1")) {
            try await endpoint.renameMailbox(.inbox, to: MailboxName("Old/Mail"))
        }
    }
}
