import NIOCore

/// Executes a `SOCKS5Handshake` on a channel: sends its bytes, feeds it the proxy's replies, and
/// removes itself once the tunnel is up (passing on any bytes that came after the reply).
final class SOCKS5ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var handshake: SOCKS5Handshake
    private var buffered: ByteBuffer?
    let established: EventLoopPromise<Void>

    init(handshake: SOCKS5Handshake, established: EventLoopPromise<Void>) {
        self.handshake = handshake
        self.established = established
    }

    func channelActive(context: ChannelHandlerContext) {
        send(handshake.start(), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var pending = buffered {
            pending.writeBuffer(&incoming)
            incoming = pending
        }
        do {
            loop: while true {
                switch try handshake.receive(&incoming) {
                case .needMoreBytes:
                    buffered = incoming
                    break loop
                case .send(let bytes):
                    send(bytes, context: context)
                case .established:
                    buffered = nil
                    established.succeed()
                    context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                    if incoming.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(incoming)) }
                    break loop
                }
            }
        } catch {
            established.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        established.fail(IMAPClientError.proxy("the proxy closed the connection during the handshake"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        established.fail(error)
        context.fireErrorCaught(error)
    }

    private func send(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }
}
