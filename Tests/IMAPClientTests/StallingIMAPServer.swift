import NIOCore
import NIOPosix

/// A misbehaving server the scripted one cannot play, because it must act on time or stop
/// reading: it greets with PREAUTH and then either stops reading the socket (the client's
/// writes back up), or answers every line with a response that never ends, one byte a second.
final class StallingIMAPServer: Sendable {
    enum Behaviour: Sendable {
        case stopReading
        case trickle
    }

    let port: Int
    private let channel: any Channel

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start(_ behaviour: Behaviour,
                      greeting: String = "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] stalling server") async throws -> StallingIMAPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Small buffers: the client's writes back up after a few hundred KiB, not many MiB.
            .childChannelOption(.socketOption(.so_rcvbuf), value: 16 * 1024)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Player(behaviour: behaviour, greeting: greeting))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else { throw IOError(errnoCode: 0, reason: "no port") }
        return StallingIMAPServer(channel: channel, port: port)
    }

    func stop() async { try? await channel.close() }

    private final class Player: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        let greeting: String
        var trickling = false

        init(behaviour: Behaviour, greeting: String) {
            self.behaviour = behaviour
            self.greeting = greeting
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting + "\r\n")), promise: nil)
            if behaviour == .stopReading {
                context.channel.setOption(.autoRead, value: false).whenComplete { _ in }
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard behaviour == .trickle, !trickling else { return }
            trickling = true
            trickle(context: context, remaining: Array("* OK this response never ends ".utf8)[...])
        }

        private func trickle(context: ChannelHandlerContext, remaining: ArraySlice<UInt8>) {
            guard context.channel.isActive else { return }
            let byte = remaining.first ?? UInt8(ascii: "x")
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: [byte])), promise: nil)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(1)) {
                let (player, context) = bound.value
                player.trickle(context: context, remaining: remaining.dropFirst())
            }
        }
    }
}
