import NIOCore
import NIOPosix
import Testing
import TestSupport

/// Collects everything the server sends until it closes the connection.
private final class CollectUntilClose: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var bytes: [UInt8] = []
    private let done: EventLoopPromise<[UInt8]>

    init(done: EventLoopPromise<[UInt8]>) { self.done = done }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes += unwrapInboundIn(data).readableBytesView
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(bytes)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

/// A raw client: sends `lines`, returns what the server sent by the time it closed the connection
/// (or by the time `closeWhen` returns for a server that does not close).
private func exchange(with server: ScriptedIMAPServer, sending lines: [String],
                      closeWhen: (() async -> Void)? = nil) async throws -> String {
    let done = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: [UInt8].self)
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(CollectUntilClose(done: done))
            }
        }
        .connect(host: server.host, port: server.port)
        .get()
    for line in lines {
        try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n"))
    }
    if let closeWhen {
        await closeWhen()
        await server.stop()
    }
    return String(decoding: try await done.futureResult.get(), as: UTF8.self)
}

@Suite struct ScriptedIMAPServerTests {
    @Test func playsTheScriptAndRemembersTheTag() async throws {
        let server = try await ScriptedIMAPServer.start(script: IMAPScript.greeting("* OK ready")
            .expectCommand("login")
            .sendTagged("OK LOGIN completed")
            .expect("B2 SELECT INBOX")
            .sendLine("* 1 EXISTS")
            .sendLine("* 1 FETCH (BODY[] {100}")
            .send("only part of the lit")
            .close())
        let received = try await exchange(with: server, sending: [#"B1 LOGIN alice "secret""#, "B2 SELECT INBOX"])
        #expect(received == "* OK ready\r\nB1 OK LOGIN completed\r\n* 1 EXISTS\r\n* 1 FETCH (BODY[] {100}\r\nonly part of the lit")
        await server.waitUntilFinished()
        #expect(server.receivedLines == [#"B1 LOGIN alice "secret""#, "B2 SELECT INBOX"])
        #expect(server.mismatches.isEmpty)
        #expect(server.connectionCount == 1)
    }

    @Test func aMismatchIsRecordedAndClosesTheConnection() async throws {
        let server = try await ScriptedIMAPServer.start(script: IMAPScript.greeting()
            .expectCommand("LOGIN")
            .sendTagged("OK done"))
        let received = try await exchange(with: server, sending: ["A1 CAPABILITY"])
        #expect(received.hasPrefix("* OK "))
        #expect(!received.contains("A1 OK"))
        await server.waitUntilFinished()
        #expect(server.mismatches.count == 1)
        #expect(server.mismatches.first?.contains("A1 CAPABILITY") == true)
    }

    @Test func stallSendsNothingMoreAndStopClosesIt() async throws {
        let server = try await ScriptedIMAPServer.start(script: IMAPScript.greeting("* OK stall test")
            .expectCommand("LOGIN")
            .stall())
        let received = try await exchange(with: server, sending: ["A1 LOGIN a b"]) {
            await server.waitUntilFinished()
        }
        #expect(received == "* OK stall test\r\n")
        #expect(server.receivedLines.first == "A1 LOGIN a b")
    }

    @Test func eachConnectionPlaysItsOwnScript() async throws {
        let server = try await ScriptedIMAPServer.start(scripts: [
            IMAPScript().sendLine("* BYE too busy").close(),
            IMAPScript().send(bytes: [0x00, 0xFF, 0x7B]).sendLine("garbage").close(),
        ])
        let first = try await exchange(with: server, sending: [])
        let second = try await exchange(with: server, sending: [])
        let third = try await exchange(with: server, sending: [])
        #expect(first == "* BYE too busy\r\n")
        #expect(Array(second.utf8.prefix(1)) == [0x00])
        #expect(second.hasSuffix("garbage\r\n"))
        #expect(third == second)
        await server.waitUntilFinished(connections: 3)
        #expect(server.connectionCount == 3)
    }
}
