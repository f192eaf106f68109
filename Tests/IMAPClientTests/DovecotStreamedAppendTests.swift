import IMAPClient
import IMAPCore
import NIOCore
import OpenSSLKit
import Testing
import TestSupport

/// Streamed APPEND against a real Dovecot: with LITERAL+ and MULTIAPPEND, and with neither
/// (synchronising literals, one APPEND per message); a wrong byte count or a failing body
/// stores nothing and leaves the session usable.
@Suite(.serialized) struct DovecotStreamedAppendTests {
    struct SourceFailed: Error {}

    static func body(_ bytes: ByteBuffer, chunk: Int = 64 * 1024, failAfter: Int? = nil) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            var rest = bytes
            var sent = 0
            while rest.readableBytes > 0, let slice = rest.readSlice(length: min(chunk, rest.readableBytes)) {
                if let failAfter, sent >= failAfter {
                    continuation.finish(throwing: SourceFailed())
                    return
                }
                continuation.yield(slice)
                sent += slice.readableBytes
            }
            continuation.finish()
        }
    }

    static func messageBytes(_ n: Int, size: Int) -> ByteBuffer {
        var text = "Subject: streamed \(n)\r\nMessage-ID: <s\(n)@example.org>\r\n\r\n"
        while text.utf8.count < size { text += "line \(n) of a streamed message body, long enough to wrap\r\n" }
        return ByteBuffer(string: text)
    }

    static func stream(_ messages: [StreamedAppendMessage]) -> AsyncThrowingStream<StreamedAppendMessage, any Error> {
        AsyncThrowingStream { continuation in
            for message in messages { continuation.yield(message) }
            continuation.finish()
        }
    }

    func check(_ server: DovecotServer, literalPlus: Bool) async throws {
        try await IMAPSession.withSession(server.clientConfiguration(.imaps), logger: testLogger) { session in
            #expect(session.hasCapability(.literalPlus) == literalPlus)
            #expect(session.hasCapability(.multiappend) == literalPlus)
            try await session.create("Streamed").value
            let bodies = [Self.messageBytes(1, size: 2_000_000), Self.messageBytes(2, size: 100), Self.messageBytes(3, size: 70_000)]
            let date = InternalDate(epoch: 1_650_000_000)
            let messages = bodies.enumerated().map { index, bytes in
                StreamedAppendMessage(flags: index == 1 ? [.seen, .flagged] : [], internalDate: date,
                                      byteCount: bytes.readableBytes, body: Self.body(bytes))
            }
            let outcome = try await session.appendStreaming(Self.stream(messages), to: "Streamed")
            #expect(outcome.count == 3)
            let uids = try #require(outcome.appendUID?.uids)
            #expect(uids.count == 3)
            let digests = try await fetchDigests(session, mailbox: "Streamed")
            #expect(Array(uids).map { digests[$0.rawValue] } == bodies.map { SHA256.hexDigest(Array($0.readableBytesView)) })

            // Short, long and failing bodies: an error, nothing stored, the session goes on.
            let good = Self.messageBytes(4, size: 5000)
            let cases: [(String, [StreamedAppendMessage])] = [
                ("short", [StreamedAppendMessage(byteCount: good.readableBytes + 10, body: Self.body(good, chunk: 1000))]),
                ("long", [StreamedAppendMessage(byteCount: good.readableBytes - 10, body: Self.body(good, chunk: 1000))]),
                ("failing", [StreamedAppendMessage(byteCount: good.readableBytes, body: Self.body(good, chunk: 1000, failAfter: 2000))]),
                ("second short", [StreamedAppendMessage(byteCount: good.readableBytes, body: Self.body(good)),
                                  StreamedAppendMessage(byteCount: 7, body: Self.body(ByteBuffer(string: "abc")))]),
            ]
            for (name, batch) in cases {
                do {
                    _ = try await session.appendStreaming(Self.stream(batch), to: "Streamed")
                    Issue.record("\(name): the APPEND succeeded")
                } catch let error as IMAPClientError {
                    guard case .bodySizeMismatch = error else { Issue.record("\(name): \(error)"); continue }
                } catch is SourceFailed {
                    #expect(name == "failing")
                }
                try await session.noop().value
                let expected: UInt32 = literalPlus || name != "second short" ? 3 : 4  // without MULTIAPPEND the first one of two is its own command
                #expect(try await session.status("Streamed", [.messages]).value.messages == expected, "\(name)")
            }
            let after = try await session.appendStreaming(Self.stream([StreamedAppendMessage(byteCount: good.readableBytes, body: Self.body(good))]),
                                                          to: "Streamed")
            #expect(after.count == 1)
        }
    }

    @Test func literalPlusAndMultiappend() async throws {
        try await check(try await DovecotServer.start(), literalPlus: true)
    }

    @Test func synchronisingLiteralsOneCommandEach() async throws {
        let server = try await DovecotServer.start(extraConfiguration: """
            imap_capability = IMAP4rev1 SASL-IR IDLE CONDSTORE QRESYNC ENABLE UIDPLUS NAMESPACE LIST-EXTENDED LIST-STATUS ESEARCH

            """)
        try await check(server, literalPlus: false)
    }
}
