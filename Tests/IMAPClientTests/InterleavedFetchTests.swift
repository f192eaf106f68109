import IMAPClient
import IMAPCore
import Testing
import TestSupport

/// A server may interleave the responses of pipelined commands (RFC 3501 §5.5): Dovecot does when
/// its output blocks, which made a fullfetch re-run under load hang for good (docs/testing.md).
/// Here the second UID FETCH's messages come in the middle of the first's, more of them than a
/// stream holds before it stops socket reads: every message must still arrive, once.
@Suite struct InterleavedFetchTests {
    /// 100 kB bodies: a stream stops reads after some 64 network reads, long before the end.
    static func message(_ uid: Int) -> String {
        let body = "body of \(uid)\r\n" + String(repeating: "x", count: 100_000)
        return "* \(uid) FETCH (UID \(uid) RFC822.SIZE \(body.utf8.count) BODY[] {\(body.utf8.count)}\r\n\(body))"
    }

    @Test func pipelinedFetchesInterleavedByTheServer() async throws {
        var script = IMAPScript.greeting("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready")
            .expectCommand("AUTHENTICATE").sendTagged("OK [CAPABILITY IMAP4rev1] in")
            .expectCommand("EXAMINE").sendLine("* 0 EXISTS").sendTagged("OK [READ-ONLY] examined")
            .expectCommand("UID").expectCommand("UID")   // A3 UID FETCH 1:10, A4 UID FETCH 11:50
            .sendLine(Self.message(1))
        // The 40 messages of A4 (4 MB, hundreds of stream parts) before the rest of A3.
        for uid in 11...50 { script = script.sendLine(Self.message(uid)) }
        for uid in 2...10 { script = script.sendLine(Self.message(uid)) }
        script = script.sendLine("A3 OK fetched").sendTagged("OK fetched").expectCommand("LOGOUT").sendTagged("OK bye")
        let server = try await ScriptedIMAPServer.start(script: script)
        let configuration = IMAPClientConfiguration(server: ServerAddress(host: "127.0.0.1", port: server.port), kind: .plain,
                                                    username: "alice", password: "secret-pw", connectTimeout: .seconds(60))
        let received = try await withHangGuard {
            try await IMAPSession.withSession(configuration, logger: testLogger) { session in
                _ = try await session.examine("INBOX").value
                var bodies: [UInt32: String] = [:]
                let sets = [UIDSet(UID(1)!...UID(10)!), UIDSet(UID(11)!...UID(50)!)]
                try await session.uidFetchMessages(sets, commandsInFlight: 2) { message in
                    guard let uid = message.uid?.rawValue else { return }
                    #expect(bodies[uid] == nil, "UID \(uid) delivered twice")
                    bodies[uid] = String(buffer: message.body).prefix { $0 != "\r\n" }.description
                }
                return bodies
            }
        }
        #expect(received?.count == 50)
        #expect(received?[5] == "body of 5" && received?[50] == "body of 50")
        await server.waitUntilFinished()
        #expect(server.mismatches.isEmpty)
    }

    /// `body`'s result, or nil with an issue when it has not returned after 120 s: a hang must
    /// fail the test, not stop the suite (this is no speed check: the work takes well under a second).
    private func withHangGuard<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(120))
                return nil
            }
            defer { group.cancelAll() }
            let first = try await group.next() ?? nil
            if first == nil { Issue.record("the interleaved FETCHes did not complete: a hang") }
            return first
        }
    }
}
