import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import SyncEngine
import SyncIMAP
import Testing
import TestSupport

/// FETCH on one Dovecot streamed into APPEND on another, the required-capability check, and a
/// session that breaks in the middle of a body.
@Suite(.serialized) struct EndpointStreamingTests {
    @Test func fetchFromOneServerStreamsIntoAppendOnAnother() async throws {
        let source = try await DovecotServer.start()
        let target = try await DovecotServer.start()
        try await source.withOther { session in
            try await session.create("Box").value
            let big = message(1, tag: "big", padding: 3_000_000)
            let bodies = [big, message(2, tag: "small"), message(3, tag: "mid", padding: 70_000)]
            let dates = [InternalDate(epoch: 1_500_000_000), InternalDate(epoch: 1_600_000_000), InternalDate(epoch: 1_700_000_000)]
            let flags: [[MessageFlag]] = [[.seen], [.flagged, .answered, "$Custom"], []]
            let messages = (0..<3).map { AppendMessage(flags: flags[$0], internalDate: dates[$0], data: bodies[$0]) }
            _ = try await session.append(messages, to: "Box").value
        }
        try await target.withOther { try await $0.create("Copy").value }
        try await source.withEndpoint { from in
            try await target.withEndpoint(.tunnel) { to in
                _ = try await from.select("Box", since: nil)
                _ = try await to.select("Copy", since: nil)
                let sent = try await from.fetchSummaries(UIDSet(uid(1)...UID.max), fields: .identity)
                let stream = from.fetchMessages(UIDSet(uid(1)...UID.max))
                let result = try await to.append(AppendBatch(count: sent.count, messages: stream))
                #expect(result.assignedUIDs == [uid(1), uid(2), uid(3)])
                let received = try await to.fetchSummaries(UIDSet(uid(1)...UID.max), fields: .identity)
                #expect(received.count == 3)
                for (a, b) in zip(sent, received) {
                    #expect(a.contentHash == b.contentHash)
                    #expect(a.contentHash != nil)
                    #expect(a.size == b.size)
                    #expect(a.flags == b.flags)
                    #expect(a.internalDate?.secondsSince1970 == b.internalDate?.secondsSince1970)
                    #expect(a.messageID == b.messageID)
                }
                #expect(received[1].flags == [.flagged, .answered, "$Custom"])
                // Both sessions are still usable.
                #expect(try await from.snapshot().uidNext == 4)
                #expect(try await to.snapshot().uidNext == 4)
            }
        }
    }

    @Test func bodiesSkippedByTheConsumerDoNotLeakIntoTheNextMessage() async throws {
        let server = try await DovecotServer.start()
        let bodies = try await seed(server, mailbox: "Skip", count: 4)
        try await server.withEndpoint { endpoint in
            _ = try await endpoint.select("Skip", since: nil)
            var seen: [UID: ByteBuffer] = [:]
            var index = 0
            for try await message in endpoint.fetchMessages(UIDSet(uid(1)...UID.max)) {
                index += 1
                guard index % 2 == 0 else { continue }  // every other body left unread
                var bytes = ByteBuffer()
                for try await chunk in message.body { bytes.writeImmutableBuffer(chunk) }
                #expect(bytes.readableBytes == message.body.byteCount)
                seen[message.summary.uid] = bytes
            }
            #expect(index == 4)
            #expect(seen == [uid(2): bodies[uid(2)], uid(4): bodies[uid(4)]].compactMapValues { $0 })
            #expect(try await endpoint.snapshot().uidNext == 5)
        }
    }

    @Test(arguments: [("QRESYNC", "IMAP4rev1 SASL-IR LITERAL+ IDLE CONDSTORE ENABLE UIDPLUS MULTIAPPEND LIST-EXTENDED LIST-STATUS"),
                      ("UIDPLUS", "IMAP4rev1 SASL-IR LITERAL+ IDLE CONDSTORE QRESYNC ENABLE MULTIAPPEND LIST-EXTENDED LIST-STATUS")])
    func missingCapabilityNamesTheSideServerAndCapability(missing: String, capabilities: String) async throws {
        let server = try await DovecotServer.start(extraConfiguration: "imap_capability = \(capabilities)\n")
        do {
            try await server.withEndpoint { _ in Issue.record("connected without \(missing)") }
        } catch let error as MailboxEndpointError {
            #expect(error == .missingCapability("\(missing) (remote server 127.0.0.1:\(server.imapsPort))"))
            #expect("\(error)".contains(missing))
        }
    }

    @Test func withoutMoveAndListStatusTheFallbacksGiveTheSameAnswers() async throws {
        let server = try await DovecotServer.start(extraConfiguration: """
            imap_capability = IMAP4rev1 SASL-IR LITERAL+ IDLE CONDSTORE QRESYNC ENABLE UIDPLUS MULTIAPPEND LIST-EXTENDED

            """)
        try await seed(server, mailbox: "From", count: 4)
        try await seed(server, mailbox: "To", count: 1)
        try await server.withEndpoint { endpoint in
            let caps = try await endpoint.capabilities()
            #expect(!caps.contains(.move))
            #expect(!caps.contains(.listStatus))
            let listing = try await endpoint.listMailboxes(MailboxListRequest())
            let status = try #require(listing.mailboxes.first { $0.name == "From" }?.status)
            #expect(status.uidNext == 5)
            #expect(status.highestModSeq > 0)
            _ = try await endpoint.select("From", since: nil)
            // COPY + STORE \Deleted + UID EXPUNGE: the pairs from COPYUID, only the moved ones gone.
            let moved = try await endpoint.move(uidSet(2, 3), to: "To")
            #expect(moved.pairs.map(\.source) == [uid(2), uid(3)])
            #expect(moved.pairs.map(\.destination) == [uid(2), uid(3)])
            #expect(try await endpoint.fetchSummaries(UIDSet(uid(1)...UID.max), fields: []).map(\.uid) == [uid(1), uid(4)])
            #expect(try await endpoint.pendingChanges().isEmpty)
        }
    }

    @Test func aMailboxWithoutModSequencesIsRefused() async throws {
        // In-memory indexes keep no modseqs: Dovecot answers SELECT with [NOMODSEQ].
        let server = try await DovecotServer.start(extraConfiguration: "mail_location = maildir:~/Maildir:INDEX=MEMORY\n")
        try await seed(server, mailbox: "Volatile", count: 1)
        try await server.withEndpoint { endpoint in
            await #expect(throws: MailboxEndpointError.noModSequences(mailbox: "Volatile")) {
                _ = try await endpoint.select("Volatile", since: nil)
            }
            // The endpoint stays usable for other requests.
            let listed = try await endpoint.listMailboxes(MailboxListRequest())
            #expect(listed.mailboxes.contains { $0.name == "Volatile" })
        }
    }

    @Test func aSessionErrorInTheMiddleOfABodyIsAnErrorNotAHang() async throws {
        let server = try await DovecotServer.start()
        try await server.withOther { session in
            try await session.create("Big").value
            _ = try await session.append([AppendMessage(data: message(1, tag: "huge", padding: 40_000_000))], to: "Big").value
        }
        let outcome: String = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                do {
                    return try await server.withEndpoint { endpoint -> String in
                        _ = try await endpoint.select("Big", since: nil)
                        for try await message in endpoint.fetchMessages(UIDSet(uid(1)...UID.max)) {
                            var received = 0
                            for try await chunk in message.body {
                                if received == 0 { killIMAPProcesses(of: server) }
                                received += chunk.readableBytes
                            }
                            return "the body ended normally after \(received) of \(message.body.byteCount) bytes"
                        }
                        return "no message"
                    }
                } catch {
                    return "error"
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(90))
                return "hang"
            }
            let first = try await group.next() ?? "none"
            group.cancelAll()
            return first
        }
        #expect(outcome == "error")
    }
}

/// SIGKILLs the `imap` processes of this test's own Dovecot (children of its master, by PID):
/// the connection breaks in the middle of whatever it was sending.
func killIMAPProcesses(of server: DovecotServer) {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
        guard let pid = Int32(entry),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let name = stat[stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)..<close]
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard name == "imap", fields.count > 1, Int32(fields[1]) == server.pid else { continue }
        kill(pid, SIGKILL)
    }
}
