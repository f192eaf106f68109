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
        var expired: TimeAmount?
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

    /// The timeout error, if this handler closed the channel: a failed write or read after that
    /// is reported as the timeout it really is.
    var expiredError: IMAPClientError? {
        state.withLockedValue { s in
            s.expired.map { .timeout("no answer from the server for \($0.nanoseconds / 1_000_000_000) s") }
        }
    }

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
            let expired = state.withLockedValue { s in
                guard s.armed && NIODeadline.now() - s.lastActivity > s.timeout else { return false }
                s.expired = s.timeout
                return true
            }
            if expired, let error = expiredError {
                context.fireErrorCaught(error)
                context.close(promise: nil)
            } else {
                schedule(context: context)
            }
        }
    }
}
