/// Whether a failed attempt is tried again, and after how long: exponential backoff with
/// jitter, a bounded number of attempts, only for transient failures. Pure (the random source
/// is a parameter), so tests pin the decisions.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        case giveUp
    }

    /// After attempt `attempt` (1 = the first) failed with `failure`. `unit` is a random number
    /// in 0..<1: the delay is half the exponential step plus up to the other half (equal jitter),
    /// so that workers retrying after a common outage spread out.
    public func decide(afterAttempt attempt: Int, failure: JobFailure, unit: Double) -> Decision {
        guard failure.transient, attempt < maxAttempts else { return .giveUp }
        let step = min(maxBackoff, initialBackoff * Int(1 << min(attempt - 1, 30)))
        let jitter = step / 2 * min(max(unit, 0), 1)
        return .retry(after: step / 2 + jitter)
    }
}
