import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import Testing
import TestSupport

/// MOVE, UID COPY, NOTIFY, NAMESPACE, ID and ESEARCH against a real Dovecot.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DovecotExtensionTests {
    private func messages(_ count: Int, tag: String) -> [AppendMessage] {
        (1...count).map { AppendMessage(data: ByteBuffer(string: "Subject: \(tag) \($0)\r\nMessage-ID: <\($0)@\(tag)>\r\n\r\nbody\r\n")) }
    }

    @Test func moveAndCopyMapSourceToDestinationUIDs() async throws {
        let server = try await DovecotServer.start()
        try await IMAPSession.withSession(server.clientConfiguration(.imaps), logger: testLogger) { session in
            for name in ["From", "Copies", "Moved"] { try await session.create(MailboxName(name)).value }
            let appended = try #require(try await session.append(messages(6, tag: "mv"), to: "From").value)
            let source = Array(appended.uids)
            _ = try await session.select("From").value
            let events = session.mailboxEvents()

            let copied = try #require(try await session.uidCopy(appended.uids, to: "Copies").value)
            #expect(copied.source == appended.uids || copied.source.normalized() == appended.uids.normalized())
            #expect(copied.destination.count == 6)

            let moving = try #require(UIDSet(uids: source[0..<3]))
            let moved = try #require(try await session.uidMove(moving, to: "Moved").value)
            #expect(moved.source.normalized() == moving.normalized())
            #expect(moved.destination.count == 3)
            // Each source UID maps to a distinct destination UID, in order.
            let mapped = source[0..<3].compactMap { moved.destination(of: $0) }
            #expect(mapped == Array(moved.destination))
            // The moved messages are gone from the source, and the expunges were announced.
            #expect(session.selected?.exists == 3)
            var iterator = events.makeAsyncIterator()
            var gone: [UID] = []
            while gone.count < 3, let event = try await iterator.next() {
                switch event {
                case .vanished(let uids, false): gone += Array(uids)
                case .expunged(_, let uid?): gone.append(uid)
                default: break
                }
            }
            #expect(Set(gone) == Set(source[0..<3]))
            let inMoved = try await session.status("Moved", [.messages]).value
            #expect(inMoved.messages == 3)
        }
    }

    @Test func notifyDeliversAMessageAppendedByAnotherConnection() async throws {
        let server = try await DovecotServer.start()
        let configuration = server.clientConfiguration(.imaps)
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            #expect(session.hasCapability("NOTIFY"))
            try await session.create("Notes").value
            var events = session.mailboxEvents().makeAsyncIterator()
            try await session.notify(NotifyParameters(groups: [
                NotifyEventGroup(.personal, [.messageNew([]), .messageExpunge]),
            ])).value
            try await IMAPSession.withSession(configuration, logger: testLogger) { other in
                _ = try await other.append(messages(1, tag: "notify"), to: "Notes").value
            }
            // No command runs: the STATUS arrives on its own.
            var status: MailboxStatus?
            while status == nil, let event = try await events.next() {
                if case .status(let name, let s) = event, name == "Notes" { status = s }
            }
            #expect(status?.messages == 1)
            try await session.notifyNone().value
        }
    }

    @Test func namespaceIDAndESearch() async throws {
        let server = try await DovecotServer.start()
        try await IMAPSession.withSession(server.clientConfiguration(.imaps), logger: testLogger) { session in
            let namespaces = try await session.namespace().value
            #expect(namespaces.personal.first?.delimiter == "/")
            let id = try await session.id(["name": "imapworker-test"]).value
            #expect(id.contains { $0.key.lowercased() == "name" })
            try await session.create("Search").value
            try await session.create("Search/Child").value
            let listed = try await session.list(pattern: "Search*", returning: ListReturn(children: true)).value
            #expect(listed.first { $0.name == "Search" }?.attributes.contains(.hasChildren) == true)
            #expect(listed.first { $0.name == "Search/Child" }?.attributes.contains(.hasNoChildren) == true)
            let appended = try #require(try await session.append(messages(5, tag: "es"), to: "Search").value)
            _ = try await session.select("Search").value
            let found = try await session.uidSearch("ALL").value
            #expect(found.count == 5)
            #expect(found.min == appended.uids.lowest)
            #expect(found.max == appended.uids.highest)
            #expect(found.all?.normalized() == appended.uids.normalized())
        }
    }
}
