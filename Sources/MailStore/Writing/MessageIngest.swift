import CShims
import Dispatch
import Foundation
import Synchronization

/// The fetcher's way into the store: messages are handed over as they arrive and stored by a
/// dedicated writer thread (hashing, SQLite, fsyncs), so that the download never waits for the disk
/// and no SQLite call runs on the cooperative pool or an event loop.
///
/// - Memory is bounded by bytes: `submit` suspends (without blocking a thread) while the queue holds
///   `queueBytes` or more; one message is always admitted, however big. A message leaves memory as
///   soon as SQLite has it.
/// - Crash safety is the writer's: one transaction per batch (`batchBytes`/`batchMessages`, or
///   whatever arrived when the download pauses for `batchDelay`); after a SIGKILL every committed
///   batch is there and no part of another. The write lock is never held longer than `batchDelay`
///   waiting for the network.
/// - A failure (e.g. `.diskFull`) stops the writer: the failed batch is rolled back, the committed
///   ones stay, and `submit`/`finish` throw it.
public final class MessageIngest: Sendable {
    public struct Limits: Sendable, Equatable {
        public var queueBytes: Int
        public var batchBytes: Int
        public var batchMessages: Int
        public var batchDelay: Duration

        public init(queueBytes: Int = 2 << 20, batchBytes: Int = 8 << 20, batchMessages: Int = 500,
                    batchDelay: Duration = .milliseconds(50)) {
            self.queueBytes = max(1, queueBytes)
            self.batchBytes = max(1, batchBytes)
            self.batchMessages = max(1, batchMessages)
            self.batchDelay = batchDelay
        }
    }

    /// What the committed batches did.
    public struct Summary: Sendable, Equatable {
        public var inserted = 0
        /// Messages whose origin was already stored: not inserted again.
        public var skipped = 0
        public var committedBatches = 0
    }

    private let core: IngestCore

    init(store: MailStore, limits: Limits) {
        core = IngestCore(store: store, limits: limits)
        let core = self.core
        let thread = Thread {
            cshim_set_thread_name("store-ingest")
            core.run()
        }
        thread.start()
    }

    /// Dropped without `finish()`: what was submitted is still committed, then the thread ends.
    deinit { core.close() }

    /// Queues the message for the writer; suspends while the queue is full. Throws the writer's
    /// failure, or `.invalidArgument` after `finish()`.
    public func submit(_ message: IncomingMessage) async throws(MailStoreError) {
        if let immediate = core.trySubmit(message) { return try immediate.get() }
        try await withCheckedContinuation { continuation in core.submitOrWait(message, continuation) }.get()
    }

    /// Commits everything submitted and waits for the writer; returns what the batches did.
    public func finish() async throws(MailStoreError) -> Summary {
        try await withCheckedContinuation { continuation in core.finish(continuation) }.get()
    }

    /// The committed batches so far.
    public var summary: Summary { core.summary }

    /// Bytes queued for the writer, and how many `submit` calls wait for room (for metrics and tests).
    public var backlog: (bytes: Int, waitingProducers: Int) { core.backlog }
}

extension MailStore {
    /// An ingest with its own writer thread (see `MessageIngest`).
    public func makeIngest(_ limits: MessageIngest.Limits = .init()) -> MessageIngest {
        MessageIngest(store: self, limits: limits)
    }
}

/// The queue shared by the producer (any task) and the writer thread.
private final class IngestCore: Sendable {
    typealias Submitted = CheckedContinuation<Result<Void, MailStoreError>, Never>
    typealias Finished = CheckedContinuation<Result<MessageIngest.Summary, MailStoreError>, Never>

    private struct State {
        var queue = WriterQueue<IncomingMessage>()
        var closed = false
        var writerDone = false
        var writerWaiting = false
        var failure: MailStoreError?
        /// Producers waiting for room, in order.
        var blocked: [(message: IncomingMessage, continuation: Submitted)] = []
        var finishWaiters: [Finished] = []
        var summary = MessageIngest.Summary()

        func hasRoom(for size: Int, limit: Int) -> Bool { queue.isEmpty || queue.bytes.addingClamped(size) <= limit }

        /// Wakes the writer if it sleeps; the caller signals the semaphore when this returns true.
        mutating func takeWriterWaiting() -> Bool {
            defer { writerWaiting = false }
            return writerWaiting
        }
    }

    private enum Taken {
        case message(IncomingMessage)
        case timedOut
        case closed
    }

    let store: MailStore
    let limits: MessageIngest.Limits
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    init(store: MailStore, limits: MessageIngest.Limits) {
        self.store = store
        self.limits = limits
    }

    var summary: MessageIngest.Summary { state.withLock { $0.summary } }
    var backlog: (bytes: Int, waitingProducers: Int) { state.withLock { ($0.queue.bytes, $0.blocked.count) } }

    // MARK: - Producer side

    /// Queues the message if there is room now; nil when the caller must wait.
    func trySubmit(_ message: IncomingMessage) -> Result<Void, MailStoreError>? {
        let (result, signal) = state.withLock { state -> (Result<Void, MailStoreError>?, Bool) in
            if let refusal = refusal(state) { return (.failure(refusal), false) }
            guard state.blocked.isEmpty, state.hasRoom(for: message.body.count, limit: limits.queueBytes) else {
                return (nil, false)
            }
            state.queue.push(message)
            return (.success(()), state.takeWriterWaiting())
        }
        if signal { wake.signal() }
        return result
    }

    func submitOrWait(_ message: IncomingMessage, _ continuation: Submitted) {
        // Parked: the writer resumes the continuation once there is room (or with its failure).
        let (result, signal) = state.withLock { state -> (Result<Void, MailStoreError>?, Bool) in
            if let refusal = refusal(state) { return (.failure(refusal), false) }
            guard state.blocked.isEmpty, state.hasRoom(for: message.body.count, limit: limits.queueBytes) else {
                state.blocked.append((message, continuation))
                return (nil, state.takeWriterWaiting())
            }
            state.queue.push(message)
            return (.success(()), state.takeWriterWaiting())
        }
        if signal { wake.signal() }
        if let result { continuation.resume(returning: result) }
    }

    func finish(_ continuation: Finished) {
        let (immediate, signal) = state.withLock { state -> (Result<MessageIngest.Summary, MailStoreError>?, Bool) in
            state.closed = true
            if state.writerDone { return (state.failure.map { .failure($0) } ?? .success(state.summary), false) }
            state.finishWaiters.append(continuation)
            return (nil, state.takeWriterWaiting())
        }
        if signal { wake.signal() }
        if let immediate { continuation.resume(returning: immediate) }
    }

    func close() {
        let signal = state.withLock { state in
            state.closed = true
            return state.takeWriterWaiting()
        }
        if signal { wake.signal() }
    }

    private func refusal(_ state: State) -> MailStoreError? {
        if let failure = state.failure { return failure }
        if state.closed { return .invalidArgument("message submitted after the ingest was finished") }
        return nil
    }

    // MARK: - Writer thread

    func run() {
        while case .message(let first) = take(waiting: nil) {
            var reachedEnd = false
            do {
                let (inserted, skipped) = try store.write { db in
                    var insertion = try BatchInsertion(db)
                    var next: IncomingMessage? = first
                    var bytes = 0
                    var count = 0
                    while let message = next {
                        next = nil
                        try insertion.insert(PendingMessage(message))
                        bytes = bytes.addingClamped(message.body.count)
                        count += 1
                        if bytes >= limits.batchBytes || count >= limits.batchMessages { break }
                        switch take(waiting: limits.batchDelay) {
                        case .message(let message): next = message
                        case .timedOut: break
                        case .closed: reachedEnd = true
                        }
                    }
                    try insertion.finish()
                    return (insertion.inserted, insertion.skipped)
                }
                state.withLock { state in
                    state.summary.inserted += inserted
                    state.summary.skipped += skipped
                    state.summary.committedBatches += 1
                }
                returnFreedMemory()
            } catch {
                fail(error)
                return
            }
            if reachedEnd { break }
        }
        end()
    }

    /// The next queued message, waiting for one up to `timeout` (nil: until one comes or the ingest
    /// is closed). Makes room for a parked producer.
    private func take(waiting timeout: Duration?) -> Taken {
        while true {
            var admitted: [Submitted] = []
            let taken = state.withLock { state -> Taken? in
                while let blocked = state.blocked.first,
                      state.hasRoom(for: blocked.message.body.count, limit: limits.queueBytes) {
                    state.queue.push(blocked.message)
                    state.blocked.removeFirst()
                    admitted.append(blocked.continuation)
                }
                if let message = state.queue.pop() { return .message(message) }
                if state.closed { return .closed }
                state.writerWaiting = true
                return nil
            }
            for producer in admitted { producer.resume(returning: .success(())) }
            if let taken { return taken }
            if let timeout {
                if wake.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds))) == .timedOut {
                    let stillWaiting = state.withLock { $0.takeWriterWaiting() }
                    // A producer that saw us waiting has signalled: consume it, then look again.
                    if !stillWaiting { wake.wait() }
                    if state.withLock({ $0.queue.isEmpty && $0.blocked.isEmpty && !$0.closed }) { return .timedOut }
                }
            } else {
                wake.wait()
            }
        }
    }

    private func fail(_ error: MailStoreError) {
        let (blocked, waiters) = state.withLock { state in
            state.failure = error
            state.writerDone = true
            state.queue.removeAll()
            defer { state.blocked = []; state.finishWaiters = [] }
            return (state.blocked.map(\.continuation), state.finishWaiters)
        }
        for producer in blocked { producer.resume(returning: .failure(error)) }
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
    }

    private func end() {
        let (summary, waiters) = state.withLock { state in
            state.writerDone = true
            defer { state.finishWaiters = [] }
            return (state.summary, state.finishWaiters)
        }
        for waiter in waiters { waiter.resume(returning: .success(summary)) }
    }
}

/// Bodies are allocated on the network's threads and freed on this one, in every size up to
/// megabytes: glibc keeps the freed space in its per-thread arenas, so RSS would creep up with the
/// mailbox. Giving it back once per batch keeps RSS flat at the cost of a few `madvise` calls.
private func returnFreedMemory() {
    _ = cshim_malloc_trim()
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue
            + components.attoseconds / 1_000_000_000
    }
}
