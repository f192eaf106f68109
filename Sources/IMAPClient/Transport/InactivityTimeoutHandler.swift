import NIOCore
import NIOConcurrencyHelpers

/// Fails the channel when the server stays silent for longer than the timeout while the session
/// is waiting for it. The session arms it when it starts waiting and disarms it when idle (or in IDLE).
final class InactivityTimeoutHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private struct State {
        var armed = false
        var timeout: TimeAmount
        var lastActivity = NIODeadline.now()
    }

    private let state: NIOLockedValueBox<State>

    init(timeout: TimeAmount) {
        state = NIOLockedValueBox(State(timeout: timeout))
    }

    /// Starts (or restarts) counting silence from now.
    func arm(timeout: TimeAmount? = nil) {
        state.withLockedValue {
            $0.armed = true
            if let timeout { $0.timeout = timeout }
            $0.lastActivity = .now()
        }
    }

    func disarm() { state.withLockedValue { $0.armed = false } }

    func handlerAdded(context: ChannelHandlerContext) { schedule(context: context) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state.withLockedValue { $0.lastActivity = .now() }
        context.fireChannelRead(data)
    }

    private func schedule(context: ChannelHandlerContext) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(1)) { [self] in
            let context = loopBoundContext.value
            guard context.channel.isActive else { return }
            let (expired, timeout) = state.withLockedValue { s in
                (s.armed && NIODeadline.now() - s.lastActivity > s.timeout, s.timeout)
            }
            if expired {
                let seconds = timeout.nanoseconds / 1_000_000_000
                context.fireErrorCaught(IMAPClientError.timeout("no answer from the server for \(seconds) s"))
                context.close(promise: nil)
            } else {
                schedule(context: context)
            }
        }
    }
}
