import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport

/// A scripted NATS server on a free loopback port, for misbehaviour a real server never shows.
/// Each accepted connection gets INFO; `script(connectionIndex, line)` gives the answer to each
/// line the client sends (CONNECT, PING, SUB, …) after the INFO.
final class FakeServer: Sendable {
    typealias Script = @Sendable (_ connection: Int, _ line: String) -> String?

    let port: Int
    private let channel: any Channel
    private let connections = NIOLockedValueBox(0)

    var url: String { "nats://127.0.0.1:\(port)" }

    init(script: @escaping Script) async throws {
        let connections = self.connections
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                let index = connections.withLockedValue { count in
                    defer { count += 1 }
                    return count
                }
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ScriptedConnection(index: index, script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    var connectionCount: Int { connections.withLockedValue { $0 } }

    func stop() async throws { try await channel.close() }
}

private final class ScriptedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let index: Int
    let script: FakeServer.Script
    var pending = ""

    init(index: Int, script: @escaping FakeServer.Script) {
        self.index = index
        self.script = script
    }

    func channelActive(context: ChannelHandlerContext) {
        let info = "INFO {\"server_id\":\"FAKE\",\"version\":\"2.9.10\",\"max_payload\":1048576,\"headers\":true}\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: info)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += String(buffer: unwrapInboundIn(data))
        while let end = pending.range(of: "\r\n") {
            let line = String(pending[..<end.lowerBound])
            pending = String(pending[end.upperBound...])
            if let answer = script(index, line) {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
            }
        }
    }
}

/// Counts the PINGs each connection of a `FakeServer` sent (scripts decide by the count).
final class PingCounter: Sendable {
    private let counts = NIOLockedValueBox([Int: Int]())

    /// Records one more PING on `connection`; returns how many it has sent.
    func next(_ connection: Int) -> Int {
        counts.withLockedValue { counts in
            counts[connection, default: 0] += 1
            return counts[connection, default: 0]
        }
    }

    func count(_ connection: Int) -> Int { counts.withLockedValue { $0[connection, default: 0] } }
}
