import Foundation
import IMAPClient
import IMAPCore
import NIOCore
import Testing
import TestSupport

/// Servers that try to make the client hang, allocate or mix up data: typed errors, bounded
/// memory, ranges kept as ranges. Short timeouts; errors asserted by kind, never by time.
@Suite(.timeLimit(.minutes(2))) struct HostileServerTests {
    private func configuration(port: Int, timeout: Duration = .seconds(60),
                               maxMessageSize: Int = IMAPClientConfiguration.defaultMaxMessageSize) -> IMAPClientConfiguration {
        IMAPClientConfiguration(server: ServerAddress(host: "127.0.0.1", port: port), kind: .plain,
                                username: "alice", password: "secret-pw", connectTimeout: .seconds(60),
                                commandTimeout: timeout, maxMessageSize: maxMessageSize)
    }

    /// The error `body` ended with (nil when it did not throw).
    private func failure(_ configuration: IMAPClientConfiguration,
                         _ body: (IMAPSession) async throws -> Void) async -> IMAPClientError? {
        do {
            try await IMAPSession.withSession(configuration, logger: testLogger, body)
            return nil
        } catch let error as IMAPClientError {
            #expect(!"\(error)".contains("secret-pw"))
            return error
        } catch {
            Issue.record("untyped error \(error)")
            return nil
        }
    }

    /// Logged in, and EXAMINE INBOX answered with an empty mailbox (no UID map to learn).
    private static let examined = IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready")
        .expectCommand("AUTHENTICATE").sendTagged("OK [CAPABILITY IMAP4rev1 CONDSTORE] in")
        .expectCommand("EXAMINE").sendLine("* 0 EXISTS").sendTagged("OK [READ-ONLY] examined")

    @Test func enableIsNotSentWhenNotAdvertised() async throws {
        let server = try await ScriptedIMAPServer.start(script: Self.examined.expectCommand("LOGOUT").sendTagged("OK bye"))
        try await IMAPSession.withSession(configuration(port: server.port), logger: testLogger) { session in
            #expect(session.hasCapability(.condstore))
            #expect(session.enabled.isEmpty)
            _ = try await session.examine("INBOX").value
        }
        await server.waitUntilFinished()
        #expect(server.mismatches.isEmpty)
        #expect(!server.receivedLines.contains { $0.uppercased().contains("ENABLE") })
    }

    @Test func hugeLiteralIsSkippedAndAnOversizedMessageReported() async throws {
        let script = Self.examined
            .expectCommand("UID")
            .sendLine("* 1 FETCH (UID 1 RFC822.SIZE 5000 BODY[] {5000}").send(String(repeating: "x", count: 5000)).sendLine(")")
            .sendLine("* 2 FETCH (UID 2 RFC822.SIZE 5 BODY[] {5}").send("small").sendLine(")")
            .sendTagged("OK fetched")
            .expectCommand("UID")
            .sendLine("* 3 FETCH (UID 3 RFC822.SIZE 99999999999 BODY[] {99999999999}")
            .send(String(repeating: "y", count: 2 * 1024 * 1024))
            .close()
        let server = try await ScriptedIMAPServer.start(script: script)
        let error = await failure(configuration(port: server.port, maxMessageSize: 1000)) { session in
            _ = try await session.examine("INBOX").value
            var bodies: [UID: String] = [:]
            let skipped = try await session.uidFetchMessages([UIDSet(UID.min...UID(2)!)]) { message in
                if let uid = message.uid { bodies[uid] = String(buffer: message.body) }
            }
            #expect(skipped == [SkippedMessage(uid: UID(1), announcedSize: 5000)])
            #expect(bodies == [UID(2)!: "small"])
            // 99,999,999,999 announced: streamed and dropped, never allocated; the cut is an error.
            try await session.uidFetchMessages([UIDSet(UID(3)!)]) { _ in Issue.record("a message was delivered") }
        }
        guard case .connectionClosed? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func fullRangesStayRanges() async throws {
        let script = Self.examined
            .expectCommand("UID")
            .sendLine("* VANISHED 1:4294967295")
            .sendTagged("OK [MODIFIED 1:4294967295] conditional store failed")
            .expectCommand("LOGOUT").sendTagged("OK bye")
        let server = try await ScriptedIMAPServer.start(script: script)
        try await IMAPSession.withSession(configuration(port: server.port), logger: testLogger) { session in
            let events = session.mailboxEvents()
            _ = try await session.examine("INBOX").value
            let all = UIDSet(UID.min...UID.max)
            let result = try await session.uidStore(all, .add([.seen]), unchangedSince: ModSequence(5)).value
            #expect(result.modified == all)
            var iterator = events.makeAsyncIterator()
            #expect(try await iterator.next() == .vanished(all, earlier: false))
        }
    }

    @Test func serverThatStopsReadingDuringALiteralPlusAppendTimesOut() async throws {
        let server = try await StallingIMAPServer.start(.stopReading)
        let error = await failure(configuration(port: server.port, timeout: .seconds(2))) { session in
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 8 * 1024 * 1024)
            _ = try await session.append([AppendMessage(data: big)], to: "INBOX").value
        }
        // The write side's deadline, not the read side's.
        guard case .timeout(let text)? = error, text.contains("did not accept") else {
            Issue.record("got \(String(describing: error))")
            return
        }
        await server.stop()
    }

    @Test func tricklingServerTimesOut() async throws {
        let server = try await StallingIMAPServer.start(.trickle)
        let error = await failure(configuration(port: server.port, timeout: .seconds(3))) { session in
            try await session.noop().value
        }
        guard case .timeout? = error else { Issue.record("got \(String(describing: error))"); return }
        await server.stop()
    }

    struct ConsumerFailed: Error {}

    @Test func consumerThatThrowsMidFetchLeavesTheNextCommandItsOwnData() async throws {
        var script = Self.examined.expectCommand("UID")
        for uid in 1...3 {
            script = script.sendLine("* \(uid) FETCH (UID \(uid) BODY[] {1000}").send(String(repeating: "b", count: 1000)).sendLine(")")
        }
        script = script.sendTagged("OK fetched")
            .expectCommand("UID").sendLine("* 1 FETCH (UID 1 FLAGS (\\Seen))").sendTagged("OK flags")
            .expectCommand("LOGOUT").sendTagged("OK bye")
        let server = try await ScriptedIMAPServer.start(script: script)
        try await IMAPSession.withSession(configuration(port: server.port), logger: testLogger) { session in
            _ = try await session.examine("INBOX").value
            let stream = session.uidFetch(UIDSet(UID.min...UID(3)!), [.uid, .bodyPeek()])
            await #expect(throws: ConsumerFailed.self) {
                for try await part in stream {
                    if case .bodyChunk = part { throw ConsumerFailed() }
                }
            }
            try await stream.completion.value
            let flags = try await session.uidFetchFlags(UIDSet(UID.min...UID(3)!), changedSince: nil).value
            #expect(flags.updates == [FlagUpdate(uid: UID.min, flags: [.seen])])
        }
        #expect(server.mismatches.isEmpty)
    }

    @Test func namesThatAreNotModifiedUTF7AreSelectedByteForByte() async throws {
        let script = IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+] ready")
            .expectCommand("AUTHENTICATE").sendTagged("OK [CAPABILITY IMAP4rev1 LITERAL+] in")
            .expectCommand("LIST")
            .sendLine("* LIST () \"/\" a&b")
            .send(bytes: Array("* LIST () \"/\" {5}\r\ncaf".utf8) + [0xC3, 0xA9] + Array("\r\n".utf8))
            .sendTagged("OK listed")
            .expectCommand("EXAMINE").sendLine("* 0 EXISTS").sendTagged("OK [READ-ONLY] stray ampersand")
            .expectCommand("EXAMINE").expect("caf").sendLine("* 0 EXISTS").sendTagged("OK [READ-ONLY] utf-8")
            .expectCommand("LOGOUT").sendTagged("OK bye")
        let server = try await ScriptedIMAPServer.start(script: script)
        try await IMAPSession.withSession(configuration(port: server.port), logger: testLogger) { session in
            let listed = try await session.list().value.map(\.name)
            #expect(listed.map(\.raw) == [Array("a&b".utf8), Array("caf".utf8) + [0xC3, 0xA9]])
            for name in listed {
                let selection = try await session.examine(name).value
                #expect(selection.name == name)
            }
        }
        #expect(server.mismatches.isEmpty)
        let lines = server.receivedLines
        #expect(lines.contains { $0.hasSuffix(" EXAMINE a&b") })
        #expect(lines.contains { $0.hasSuffix(" EXAMINE {5+}") })
    }
}
