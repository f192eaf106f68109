import IMAPCore
import NIOConcurrencyHelpers
import NIOCore

extension IMAPSession {
    /// IDLE (RFC 2177) until the server reports a change in the selected mailbox (EXISTS,
    /// EXPUNGE, VANISHED, FETCH) or `timeout` passes; returns true if something changed.
    /// Servers drop idle clients after 30 minutes, so keep `timeout` under 29 minutes.
    public func idle(timeout: Duration) async throws -> Bool {
        let tag = try await send(.idle, kind: .exclusiveWithContinuations)
        var changed = false
        // DONE must be written exactly once, by whichever comes first: a change or the deadline.
        let doneSent = NIOLockedValueBox(false)
        let claimDone: @Sendable () -> Bool = { doneSent.withLockedValue { sent in defer { sent = true }; return !sent } }
        let deadline = ContinuousClock.now + timeout
        // While idling, silence is expected: only the deadline bounds it.
        transport.timeout.arm(timeout: timeout.timeAmount + .seconds(30))
        defer { transport.timeout.arm(timeout: configuration.commandTimeout.timeAmount) }
        let stopper = Task { [channel = transport.channel.channel] in
            try await Task.sleep(until: deadline)
            if claimDone() { try await channel.writeAndFlush(ByteBuffer(string: "DONE\r\n")) }
        }
        defer { stopper.cancel() }
        _ = try checked(await wait(tag, onEvent: { event in
            switch event {
            case .untagged(.exists), .untagged(.expunge), .untagged(.vanished), .fetch:
                changed = true
                if claimDone() {
                    stopper.cancel()
                    try await self.write([ByteBuffer(string: "DONE\r\n")])
                }
            default: break
            }
        }, onContinuation: { _ in nil }), command: "IDLE")
        return changed
    }
}
