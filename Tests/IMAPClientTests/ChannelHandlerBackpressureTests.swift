import IMAPCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing
@testable import IMAPClient

/// The handler on a testing channel: a FETCH consumer that does not keep up stops socket reads,
/// and catching up resumes them.
@Suite struct ChannelHandlerBackpressureTests {
    /// Counts the `read` requests that reach the socket end of the pipeline.
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = ByteBuffer
        let reads = NIOLockedValueBox(0)
        func read(context: ChannelHandlerContext) {
            reads.withLockedValue { $0 += 1 }
            context.read()
        }
    }

    @Test func slowFetchConsumerStopsReadsUntilItCatchesUp() async throws {
        let channel = NIOAsyncTestingChannel()
        let counter = ReadCounter()
        let snapshot = NIOLockedValueBox(SessionSnapshot())
        let loop = channel.testingEventLoop
        let bound = try await loop.executeInContext {
            let greeting = loop.makePromise(of: Bool.self)
            let handler = IMAPChannelHandler(timeouts: .init(greeting: .seconds(60), command: .seconds(60)),
                                             parserLimits: .init(), greeting: greeting, snapshot: snapshot,
                                             closeReason: { nil }, upgrade: { _, _ in nil })
            try channel.pipeline.syncOperations.addHandler(counter)
            try channel.pipeline.syncOperations.addHandler(handler)
            return NIOLoopBound(handler, eventLoop: loop)
        }
        let session = IMAPSession(configuration: IMAPClientConfiguration(server: ServerAddress(host: "127.0.0.1", port: 1)),
                                  channel: channel, handler: bound, snapshot: snapshot, logger: Logger(label: "test"))
        try await channel.writeInbound(ByteBuffer(string: "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n"))
        let stream = session.uidFetch(UIDSet(UID.min...UID(100)!), [.uid, .bodyPeek()])
        await loop.run()
        let command = try await channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }
        #expect(command == "A1 UID FETCH 1:100 (UID BODY.PEEK[])\r\n")
        // 100 messages of 6 parts each: far over the high watermark, nobody consuming.
        var responses = ""
        for uid in 1...100 { responses += "* \(uid) FETCH (UID \(uid) BODY[] {3}\r\nabc)\r\n" }
        try await channel.writeInbound(ByteBuffer(string: responses))
        let before = counter.reads.withLockedValue { $0 }
        try await loop.executeInContext { channel.pipeline.read() }
        #expect(counter.reads.withLockedValue { $0 } == before)
        // The consumer catches up: the held read goes out, and every part arrives in order.
        var iterator = stream.makeAsyncIterator()
        var uids: [UID] = []
        for _ in 0..<600 {
            if case .messageStart(_, let uid?) = try await iterator.next() { uids.append(uid) }
            await loop.run()
        }
        #expect(uids == (1...100).compactMap { UID(rawValue: UInt32($0)) })
        #expect(counter.reads.withLockedValue { $0 } == before + 1)
        try await channel.writeInbound(ByteBuffer(string: "A1 OK done\r\n"))
        #expect(try await iterator.next() == nil)
        try await stream.completion.value
    }
}
