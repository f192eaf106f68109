/// When to try again after losing the connection: the first attempt is immediate, then
/// `wait`, `2·wait`, `4·wait`, … capped at `maxWait`, each plus a random jitter in [0, jitter].
struct ReconnectBackoff: Sendable, Equatable {
    var wait: Duration
    var maxWait: Duration
    var jitter: Duration

    /// `attempt` counts from 1 since the disconnect; `random` is uniform in [0, 1).
    func delay(attempt: Int, random: Double) -> Duration {
        guard attempt > 1 else { return .zero }
        var delay = wait
        var step = 2
        while step < attempt && delay < maxWait {
            delay = delay * 2
            step += 1
        }
        return min(delay, maxWait) + jitter * max(0, min(random, 1))
    }
}
