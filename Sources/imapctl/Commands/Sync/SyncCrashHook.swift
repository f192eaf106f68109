import Foundation
import Synchronization

/// The crash-safety tests' hook: `IMAPCTL_SYNC_KILL_AFTER=N` makes the run SIGKILL itself at
/// its N-th checkpoint (a change made on a server or committed to the database), the way
/// mbsync's test suite interrupts it. Unset, it costs nothing.
enum SyncCrashHook {
    static func fromEnvironment() -> (@Sendable (String) -> Void)? {
        guard let text = ProcessInfo.processInfo.environment["IMAPCTL_SYNC_KILL_AFTER"], let limit = Int(text), limit > 0
        else { return nil }
        let counter = Counter()
        return { _ in
            if counter.increment() >= limit { kill(getpid(), SIGKILL) }
        }
    }
}

private final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
