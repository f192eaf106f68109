import NIOConcurrencyHelpers
import NIOCore

/// The messages received for one subscription and not yet taken by its consumer.
///
/// Bounded in messages and bytes: when full, new messages are dropped (counted) and the first
/// drop of an episode is reported as a slow consumer, so a stalled consumer never grows memory.
/// The consumer takes everything pending at once (one lock per batch, not per message).
final class SubscriptionBuffer: Sendable {
    enum EnqueueResult: Equatable {
        case queued
        /// Dropped, and the buffer was not already overflowing: report a slow consumer.
        case droppedSlowConsumer
        case dropped
    }

    enum Take {
        case batch(CircularBuffer<NATSMessage>)
        case finished
        case mustWait
    }

    private struct State {
        var pending = CircularBuffer<NATSMessage>(initialCapacity: 64)
        var pendingBytes = 0
        var waiter: CheckedContinuation<NATSMessage?, Never>?
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

    /// Called on the event loop for each message of the subscription.
    func enqueue(_ message: NATSMessage, size: Int) -> EnqueueResult {
        let (result, waiter): (EnqueueResult, CheckedContinuation<NATSMessage?, Never>?) = state.withLockedValue { s in
            if s.finished { return (.dropped, nil) }
            if let waiter = s.waiter {
                s.waiter = nil
                return (.queued, waiter)
            }
            if s.pending.count >= messagesLimit || s.pendingBytes + size > bytesLimit {
                s.dropped += 1
                if s.overflowing { return (.dropped, nil) }
                s.overflowing = true
                return (.droppedSlowConsumer, nil)
            }
            s.pending.append(message)
            s.pendingBytes += size
            return (.queued, nil)
        }
        waiter?.resume(returning: message)
        return result
    }

    /// Enqueues the messages of one read at once (one lock). Returns true when this batch started
    /// an overflow episode (a slow consumer to report).
    func enqueue(contentsOf messages: [NATSMessage], sizes: [Int]) -> Bool {
        let (slowConsumer, waiter, first): (Bool, CheckedContinuation<NATSMessage?, Never>?, NATSMessage?) = state.withLockedValue { s in
            if s.finished { return (false, nil, nil) }
            var start = 0
            var waiter: CheckedContinuation<NATSMessage?, Never>?
            if let pendingWaiter = s.waiter, !messages.isEmpty {
                s.waiter = nil
                waiter = pendingWaiter
                start = 1
            }
            var startedOverflow = false
            for index in start..<messages.count {
                if s.pending.count >= messagesLimit || s.pendingBytes + sizes[index] > bytesLimit {
                    s.dropped += 1
                    if !s.overflowing {
                        s.overflowing = true
                        startedOverflow = true
                    }
                    continue
                }
                s.pending.append(messages[index])
                s.pendingBytes += sizes[index]
            }
            return (startedOverflow, waiter, waiter == nil ? nil : messages.first)
        }
        if let waiter { waiter.resume(returning: first) }
        return slowConsumer
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
        await withTaskCancellationHandler(operation: {
            _ = isolation
            return await withCheckedContinuation { (continuation: CheckedContinuation<NATSMessage?, Never>) in
                enum Now { case message(NATSMessage), end, later }
                let now: Now = state.withLockedValue { s in
                    if let first = s.pending.popFirst() {
                        s.pendingBytes = max(0, s.pendingBytes - first.payload.readableBytes)
                        return .message(first)
                    }
                    if s.finished || Task.isCancelled { return .end }
                    s.waiter = continuation
                    return .later
                }
                switch now {
                case .message(let message): continuation.resume(returning: message)
                case .end: continuation.resume(returning: nil)
                case .later: break
                }
            }
        }, onCancel: {
            self.state.withLockedValue { s in
                defer { s.waiter = nil }
                return s.waiter
            }?.resume(returning: nil)
        }, isolation: isolation)
    }

    /// No more messages will come; the consumer still gets those already pending.
    func finish() {
        state.withLockedValue { s in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }?.resume(returning: nil)
    }

    var isEmpty: Bool { state.withLockedValue { $0.pending.isEmpty } }
    var pendingCount: Int { state.withLockedValue { $0.pending.count } }
    var droppedCount: Int { state.withLockedValue { $0.dropped } }
}
