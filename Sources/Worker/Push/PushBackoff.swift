/// How long a push watcher waits before reconnecting, pure: doubling from `initial` to `max`
/// with equal jitter (`unit` in 0..<1), so that watchers dropped by one server outage spread out.
/// A refused login waits the longest step at once: retrying it fast only locks the account.
public struct PushBackoff: Sendable, Equatable {
    public var initial: Duration = .seconds(1)
    public var max: Duration = .seconds(300)

    public init(initial: Duration = .seconds(1), max: Duration = .seconds(300)) {
        self.initial = initial
        self.max = max
    }

    /// After `failures` failures in a row (1 = the first).
    public func delay(afterFailures failures: Int, permanent: Bool, unit: Double) -> Duration {
        let step = permanent ? max : Swift.min(max, initial * Int(1 << Swift.min(Swift.max(failures, 1) - 1, 30)))
        return step / 2 + step / 2 * Swift.min(Swift.max(unit, 0), 1)
    }
}
