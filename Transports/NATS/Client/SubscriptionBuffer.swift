import NIOConcurrencyHelpers
import NIOCore

/// The messages received for one subscription and not yet taken by its consumer.
///
/// Bounded in messages and bytes: when full, new messages are dropped (counted) and the first
/// drop of an episode is reported as a slow consumer, so a stalled consumer never grows memory.
/// The consumer takes everything pending at once (one lock per batch, not per message). Several
/// tasks may wait at once; each message goes to one of them.
final class SubscriptionBuffer: Sendable {
    enum Take {
        case batch(CircularBuffer<NATSMessage>)
        case finished
        case mustWait
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<NATSMessage?, Never>
    }

    private struct State {
        var pending = CircularBuffer<NATSMessage>(initialCapacity: 64)
        var pendingBytes = 0
        var waiters = CircularBuffer<Waiter>()
        var nextWaiterID: UInt64 = 0
        var finished = false
        var dropped = 0
        var overflowing = false
    }

    let messagesLimit: Int
    let bytesLimit: Int
    private let state = NIOLockedValueBox(State())

    init(messagesLimit: Int, bytesLimit: Int) {
        self.messagesLimit = max(1, messagesLimit)
        self.bytesLimit = max(1, bytesLimit)
    }

    /// Enqueues the messages of one read at once (one lock), on the event loop. Returns true when
    /// this batch started an overflow episode (a slow consumer to report).
    func enqueue(contentsOf messages: [NATSMessage], sizes: [Int]) -> Bool {
        var handed: [(CheckedContinuation<NATSMessage?, Never>, NATSMessage)] = []
        let startedOverflow: Bool = state.withLockedValue { s in
            if s.finished { return false }
            var index = 0
            while index < messages.count, let waiter = s.waiters.popFirst() {
                handed.append((waiter.continuation, messages[index]))
                index += 1
            }
            var started = false
            while index < messages.count {
                if s.pending.count >= messagesLimit || s.pendingBytes + sizes[index] > bytesLimit {
                    s.dropped += 1
                    if !s.overflowing {
                        s.overflowing = true
                        started = true
                    }
                } else {
                    s.pending.append(messages[index])
                    s.pendingBytes += sizes[index]
                }
                index += 1
            }
            return started
        }
        for (continuation, message) in handed { continuation.resume(returning: message) }
        return startedOverflow
    }

    /// Takes every pending message.
    func take() -> Take {
        state.withLockedValue { s in
            if !s.pending.isEmpty {
                var batch = CircularBuffer<NATSMessage>(initialCapacity: 64)
                swap(&batch, &s.pending)
                s.pendingBytes = 0
                s.overflowing = false
                return .batch(batch)
            }
            return s.finished ? .finished : .mustWait
        }
    }

    /// Waits for the next message; nil when the subscription ended or the task was cancelled.
    nonisolated(nonsending) func wait() async -> NATSMessage? {
        await wait(isolation: #isolation)
    }

    /// The operation closure captures the isolated parameter so that it runs on the caller's
    /// executor (SE-0420): a message resumes the consumer without a hop through the global pool.
    private func wait(isolation: isolated (any Actor)?) async -> NATSMessage? {
        let id = state.withLockedValue { s in
            defer { s.nextWaiterID += 1 }
            return s.nextWaiterID
        }
        return await withTaskCancellationHandler(operation: {
            _ = isolation
            return await withCheckedContinuation { (continuation: CheckedContinuation<NATSMessage?, Never>) in
                enum Now { case message(NATSMessage), end, later }
                let now: Now = state.withLockedValue { s in
                    if let first = s.pending.popFirst() {
                        s.pendingBytes = max(0, s.pendingBytes - first.payload.readableBytes)
                        return .message(first)
                    }
                    if s.finished || Task.isCancelled { return .end }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return .later
                }
                switch now {
                case .message(let message): continuation.resume(returning: message)
                case .end: continuation.resume(returning: nil)
                case .later: break
                }
            }
        }, onCancel: {
            self.state.withLockedValue { s -> CheckedContinuation<NATSMessage?, Never>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }?.resume(returning: nil)
        }, isolation: isolation)
    }

    /// No more messages will come; consumers still get those already pending.
    func finish() {
        let waiters = state.withLockedValue { s in
            s.finished = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    var isEmpty: Bool { state.withLockedValue { $0.pending.isEmpty } }
    var pendingCount: Int { state.withLockedValue { $0.pending.count } }
    var droppedCount: Int { state.withLockedValue { $0.dropped } }
}
