import Synchronization

/// Whole messages from the FETCH commands `uidFetchMessages` keeps in flight, handed to its one
/// consumer in the order they arrive, each command read by a task of its own.
///
/// Why: a server may interleave the responses of pipelined commands (RFC 3501 §5.5; Dovecot does
/// when its output blocks, i.e. when we read slowly). Reading the commands' streams one after the
/// other then deadlocks: the later command's stream fills up, its backpressure stops socket reads,
/// and the rest of the earlier command — behind those bytes — never arrives. Here every stream is
/// drained as its data comes; a reader waits only until the consumer took its message, so memory
/// stays bounded (one message and one stream buffer per command in flight).
final class FetchHandoff: Sendable {
    enum Item: Sendable {
        case message(FetchedMessage)
        /// A command's stream ended; the messages it skipped (too large).
        case done([SkippedMessage])
        case failed(any Error)
    }

    private struct State {
        /// Items put and not taken yet, each with its reader waiting for the take.
        var items: [(item: Item, reader: CheckedContinuation<Void, Never>)] = []
        var consumer: CheckedContinuation<Item?, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    /// Hands `item` over; returns once the consumer took it, or at once after ``close()``.
    func put(_ item: Item) async {
        await withCheckedContinuation { (reader: CheckedContinuation<Void, Never>) in
            let (consumer, release) = state.withLock { state -> (CheckedContinuation<Item?, Never>?, Bool) in
                if state.closed { return (nil, true) }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return (consumer, true)
                }
                state.items.append((item, reader))
                return (nil, false)
            }
            consumer?.resume(returning: item)
            if release { reader.resume() }
        }
    }

    /// The next item, waiting for one; nil after ``close()``.
    func take() async -> Item? {
        await withCheckedContinuation { (consumer: CheckedContinuation<Item?, Never>) in
            let taken = state.withLock { state -> (item: Item, reader: CheckedContinuation<Void, Never>)?? in
                if !state.items.isEmpty { return state.items.removeFirst() }
                if state.closed { return .some(nil) }
                state.consumer = consumer
                return nil
            }
            switch taken {
            case .some(let entry?):
                entry.reader.resume()
                consumer.resume(returning: entry.item)
            case .some(nil):
                consumer.resume(returning: nil)
            case nil:
                break  // a put resumes it
            }
        }
    }

    /// The consumer stopped: every waiting reader is released, later puts return at once.
    func close() {
        let (readers, consumer) = state.withLock { state in
            state.closed = true
            defer {
                state.items = []
                state.consumer = nil
            }
            return (state.items.map(\.reader), state.consumer)
        }
        for reader in readers { reader.resume() }
        consumer?.resume(returning: nil)
    }
}
