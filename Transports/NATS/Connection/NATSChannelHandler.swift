import NIOCore

/// Reads the server's bytes through `ProtocolParser` and hands each operation to the client core;
/// reports the channel's life. It decides nothing itself.
final class NATSChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    static let name = "nats"

    private let core: ClientCore
    private let generation: UInt64
    private var parser: ProtocolParser
    /// Bytes of an operation that is not complete yet.
    private var cumulation: ByteBuffer?
    /// Messages of the current read, delivered together (reused between reads).
    private var messages: [InboundMessage] = []

    init(core: ClientCore, generation: UInt64, maxPayload: Int) {
        self.core = core
        self.generation = generation
        self.parser = ProtocolParser(maxPayload: maxPayload)
    }

    func channelActive(context: ChannelHandlerContext) {
        core.channelActive(context.channel, generation: generation)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.channelInactive(generation: generation)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        var buffer: ByteBuffer
        if var pending = cumulation {
            cumulation = nil
            pending.writeBuffer(&incoming)
            buffer = pending
        } else {
            buffer = incoming
        }
        do {
            while let operation = try parser.next(&buffer) {
                if case .message(let message) = operation {
                    messages.append(message)
                    continue
                }
                // Other operations keep their place after the messages before them (a PONG
                // answering a flush comes after the messages it covers).
                deliverMessages()
                core.received(operation, generation: generation)
            }
            deliverMessages()
        } catch {
            deliverMessages()
            // Garbage: the connection is closed and the reconnect path takes over.
            core.errorCaught(.protocolViolation(error.reason), generation: generation)
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            cumulation = buffer
        }
    }

    private func deliverMessages() {
        guard !messages.isEmpty else { return }
        core.deliver(messages, generation: generation)
        messages.removeAll(keepingCapacity: true)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        core.errorCaught(TLSSupport.natsError(for: error) ?? .io("\(error)"), generation: generation)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if TLSSupport.isHandshakeCompleted(event) {
            core.tlsEstablished(generation: generation)
        } else if let error = TLSSupport.natsError(for: event) {
            core.errorCaught(error, generation: generation)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { core.writabilityChanged(generation: generation) }
        context.fireChannelWritabilityChanged()
    }
}
