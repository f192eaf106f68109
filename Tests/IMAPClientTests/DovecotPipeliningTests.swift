import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import Testing
import TestSupport

/// Several commands and connections at once against a real Dovecot: handles, the event stream,
/// IDLE, and byte-exact mailbox names.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DovecotPipeliningTests {
    private func messages(_ range: ClosedRange<Int>, tag: String) -> [AppendMessage] {
        range.map { i in
            AppendMessage(data: ByteBuffer(string: "Subject: \(tag) \(i)\r\nMessage-ID: <\(i)@\(tag)>\r\n\r\n"
                + String(repeating: "line \(i) of a message body\r\n", count: 40)))
        }
    }

    @Test func twoHundredStoresInFlightWhileAnotherConnectionStreams() async throws {
        let server = try await DovecotServer.start()
        let configuration = server.clientConfiguration(.plain)
        let (pushed, theirs) = try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            try await session.create("Many").value
            let appended = try #require(try await session.append(messages(1...260, tag: "many"), to: "Many").value)
            let all = Array(appended.uids)
            #expect(all.count == 260)
            let ours = Array(all[..<200]), theirs = Array(all[200...])
            _ = try await session.select("Many").value
            let events = session.mailboxEvents()
            let pushed = Task {
                var uids: Set<UID> = []
                for try await event in events {
                    if case .flags(_, let uid?, _, _) = event { uids.insert(uid) }
                }
                return uids
            }
            // Another client changes other messages' flags meanwhile: Dovecot pushes those to us.
            async let pusher: Void = IMAPSession.withSession(configuration, logger: testLogger) { other in
                _ = try await other.select("Many").value
                let handles = theirs.map { other.uidStore(UIDSet($0), .add([.seen]), silent: true) }
                for handle in handles { _ = try await handle.value }
            }
            // And a third streams every message.
            async let streamed: Int = IMAPSession.withSession(configuration, logger: testLogger) { reader in
                _ = try await reader.examine("Many").value
                var bodies = 0
                for try await part in reader.uidFetch(UIDSet(UID.min...UID.max), [.uid, .bodyPeek()]) {
                    if case .bodyEnd = part { bodies += 1 }
                }
                return bodies
            }
            // Every handle is created before the first is awaited.
            let handles = ours.map { session.uidStore(UIDSet($0), .add([.flagged])) }
            for (uid, handle) in zip(ours, handles) {
                let result = try await handle.value
                #expect(result.updated.map(\.uid) == [uid])
                #expect(result.updated.first?.flags.contains(.flagged) == true)
            }
            try await pusher
            #expect(try await streamed == 260)
            // The other client's changes, announced at the latest by this NOOP, went to the stream.
            try await session.noop().value
            return (pushed, theirs)
        }
        // The stream ends with the session.
        let seen = try await pushed.value
        #expect(!seen.isEmpty)
        #expect(seen.isSubset(of: Set(theirs)))
    }

    @Test func idleDeliversExistsFromAnotherConnectionAndEndsOnRequest() async throws {
        let server = try await DovecotServer.start()
        let configuration = server.clientConfiguration(.imaps)
        try await IMAPSession.withSession(configuration, logger: testLogger) { session in
            try await session.create("Idle").value
            _ = try await session.select("Idle").value
            var events = session.mailboxEvents().makeAsyncIterator()
            let idle = session.idle()
            try await idle.waitUntilIdling()
            try await IMAPSession.withSession(configuration, logger: testLogger) { other in
                _ = try await other.append(messages(1...1, tag: "idle"), to: "Idle").value
            }
            var first = try await events.next()
            while case .recent? = first { first = try await events.next() }
            #expect(first == .exists(1))
            idle.end()
            let received = try await idle.value
            #expect(received.contains(.exists(1)))
            #expect(session.selected?.exists == 1)
            try await session.noop().value
        }
    }

    @Test func withoutUnselectUIDPlusAndEnableNothingIsExpungedAndNothingRefusedIsSent() async throws {
        // A server offering CONDSTORE but neither ENABLE, UNSELECT nor UIDPLUS.
        let server = try await DovecotServer.start(extraConfiguration: """
            imap_capability = IMAP4rev1 SASL-IR LITERAL+ IDLE CONDSTORE NAMESPACE MULTIAPPEND LIST-EXTENDED

            """)
        try await IMAPSession.withSession(server.clientConfiguration(.imaps), logger: testLogger) { session in
            #expect(!session.hasCapability(.unselect))
            #expect(!session.hasCapability(.uidplus))
            #expect(session.enabled.isEmpty)
            try await session.create("Keep").value
            _ = try await session.append(messages(1...2, tag: "keep"), to: "Keep").value
            let selection = try await session.select("Keep").value
            #expect(!selection.readOnly)
            #expect(selection.highestModSeq != nil)
            _ = try await session.uidStore(UIDSet(UID.min...UID.max), .add([.deleted])).value
            do {
                _ = try await session.uidExpunge(UIDSet(UID.min...UID.max)).value
                Issue.record("UID EXPUNGE was sent without UIDPLUS")
            } catch let error as IMAPClientError {
                #expect(error == .missingCapability(command: "UID EXPUNGE", capability: "UIDPLUS"))
            }
            try await session.unselect().value
            #expect(session.selected == nil)
            // CLOSE would have expunged both: they are still there.
            #expect(try await session.status("Keep", [.messages]).value.messages == 2)
        }
    }

    @Test func mailboxNamesRoundTripByteForByte() async throws {
        // Dovecot only sends modified UTF-7 (a directory that is not, it lists re-encoded and
        // cannot select itself): names with `&` and 8-bit characters, listed and selected back.
        let server = try await DovecotServer.start()
        try await IMAPSession.withSession(server.clientConfiguration(.imaps), logger: testLogger) { session in
            for name in ["a&b", "Reçus & envoyés/été"] { try await session.create(MailboxName(name)).value }
            let listed = try await session.list().value
            for name in ["a&b", "Reçus & envoyés/été"] {
                let entry = try #require(listed.first { $0.name.name == name }, "listed: \(listed.map(\.name))")
                let selection = try await session.examine(entry.name).value
                #expect(selection.name.raw == entry.name.raw)
                #expect(session.selected?.name.raw == entry.name.raw)
            }
        }
    }
}
