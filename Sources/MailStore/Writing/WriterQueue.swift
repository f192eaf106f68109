/// A message waiting for a store writer thread: what it weighs in the writer's byte-bounded queue.
protocol QueuedForWriter {
    var queuedByteCount: Int { get }
}

extension IncomingMessage: QueuedForWriter {
    var queuedByteCount: Int { body.count }
}

extension AppendedMessage: QueuedForWriter {
    var queuedByteCount: Int { body.count }
}

/// The FIFO between a producer and a writer thread (`MessageIngest`, `AppendWriter`), with the
/// bytes it holds. Popping is O(1): a taken slot is emptied (its bytes leave memory at once) and
/// the array is compacted only when it drained or its dead head outweighs the rest.
struct WriterQueue<Message: QueuedForWriter> {
    private var slots: [Message?] = []
    private var head = 0
    private(set) var bytes = 0

    var isEmpty: Bool { head == slots.count }

    mutating func push(_ message: Message) {
        slots.append(message)
        bytes = bytes.addingClamped(message.queuedByteCount)
    }

    mutating func pop() -> Message? {
        guard !isEmpty, let message = slots[head] else { return nil }
        slots[head] = nil
        head += 1
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
        bytes -= message.queuedByteCount
        return message
    }

    /// Drops everything queued (the writer failed or ended).
    mutating func removeAll() {
        self = WriterQueue()
    }
}
