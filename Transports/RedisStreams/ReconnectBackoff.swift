/// Exponential backoff between reconnection attempts: `initial`, doubling up to `maximum`,
/// each delay spread by ±20 % so that many workers do not reconnect in lockstep.
public struct ReconnectBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    /// After failing to reconnect for this long, a request fails with `RedisError.unavailable`
    /// (the next request starts a new window). `nil`: keep trying for ever.
    public var giveUpAfter: Duration?

    public static let `default` = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(5), giveUpAfter: .seconds(300))

    public init(initial: Duration, maximum: Duration, giveUpAfter: Duration?) {
        self.initial = initial
        self.maximum = maximum
        self.giveUpAfter = giveUpAfter
    }

    /// The nominal delay before attempt `failures + 1` (no jitter); 0 before the first retry.
    public func nominalDelay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = initial
        for _ in 1..<min(failures, 40) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    func delay(afterFailures failures: Int) -> Duration {
        nominalDelay(afterFailures: failures) * Double.random(in: 0.8...1.2)
    }
}
