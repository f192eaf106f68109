import CShims
import Dispatch
import Foundation
import Synchronization

/// One append batch written while it arrives (the sync engine's appends into the local account):
/// a writer thread holds one write transaction for the whole batch and hashes and inserts each
/// message as it is handed over, so the download of the next message overlaps the insertion of
/// this one and only the commit is left once the last one came. All or nothing: ``abort()`` (or a
/// failure) rolls the whole batch back. The write lock is held from the first message to the
/// commit, one batch long: other writers wait for it (the store's busy timeout).
///
/// Single producer: `add` one message at a time, then `commit()` or `abort()`. Memory holds what
/// the writer has not taken yet, `queueBytes` at most (one message is always admitted).
public final class AppendWriter: Sendable {
    private let core: AppendWriterCore

    init(store: MailStore, mailboxID: Int64, queueBytes: Int) {
        core = AppendWriterCore(store: store, mailboxID: mailboxID, queueBytes: max(1, queueBytes))
        let core = self.core
        let thread = Thread {
            cshim_set_thread_name("store-append")
            core.run()
        }
        thread.start()
    }

    /// Never committed: rolled back, and the thread ends.
    deinit { core.abort() }

    /// Hands the message to the writer; suspends while the queue is full. Throws the writer's
    /// failure (then nothing of the batch is stored).
    public func add(_ message: AppendedMessage) async throws(MailStoreError) {
        if let immediate = core.push(message) { return try immediate.get() }
        try await withCheckedContinuation { core.waitForRoom($0) }.get()
    }

    /// Commits the batch once the writer has inserted every message handed over.
    public func commit() async throws(MailStoreError) -> AppendOutcome {
        try await withCheckedContinuation { core.commit($0) }.get()
    }

    /// Rolls the batch back (nothing of it is stored); later calls fail.
    public func abort() { core.abort() }
}

extension MailStore {
    /// A writer for one append batch into the mailbox (see ``AppendWriter``).
    public func makeAppendWriter(mailboxID: Int64, queueBytes: Int = 2 << 20) -> AppendWriter {
        AppendWriter(store: self, mailboxID: mailboxID, queueBytes: queueBytes)
    }
}

private final class AppendWriterCore: Sendable {
    typealias Room = CheckedContinuation<Result<Void, MailStoreError>, Never>
    typealias Committed = CheckedContinuation<Result<AppendOutcome, MailStoreError>, Never>

    private enum End { case open, commit, abort }

    private struct State {
        var queue = WriterQueue<AppendedMessage>()
        var end = End.open
        var writerWaiting = false
        var producer: Room?
        var committer: Committed?
        /// Set once the writer is done: the outcome, or why nothing was stored.
        var result: Result<AppendOutcome, MailStoreError>?

        var failure: MailStoreError? {
            if case .failure(let error) = result { return error }
            return end == .open ? nil : .invalidArgument("message appended after the batch was ended")
        }

        mutating func takeWriterWaiting() -> Bool {
            defer { writerWaiting = false }
            return writerWaiting
        }
    }

    private enum Taken {
        case message(AppendedMessage)
        case commit
        case abort
    }

    private struct Aborted: Error {}

    let store: MailStore
    let mailboxID: Int64
    let queueBytes: Int
    /// What a sleeping writer is woken for (the commit wakes it whatever is queued).
    let wakeBytes = 256 << 10
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    init(store: MailStore, mailboxID: Int64, queueBytes: Int) {
        self.store = store
        self.mailboxID = mailboxID
        self.queueBytes = queueBytes
    }

    // MARK: - Producer side

    /// Queues the message; the result at once, or nil when the caller must wait for room.
    func push(_ message: AppendedMessage) -> Result<Void, MailStoreError>? {
        let (result, signal) = state.withLock { state -> (Result<Void, MailStoreError>?, Bool) in
            if let failure = state.failure { return (.failure(failure), false) }
            state.queue.push(message)
            // A sleeping writer is woken for a few messages at once, not each: small messages
            // (bodies already stored) would otherwise cost two thread switches apiece.
            let wake = state.queue.bytes >= min(wakeBytes, queueBytes) && state.takeWriterWaiting()
            return (state.queue.bytes <= queueBytes ? .success(()) : nil, wake)
        }
        if signal { wake.signal() }
        return result
    }

    func waitForRoom(_ continuation: Room) {
        let ready = state.withLock { state -> Result<Void, MailStoreError>? in
            if let failure = state.failure { return .failure(failure) }
            if state.queue.bytes <= queueBytes { return .success(()) }
            state.producer = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func commit(_ continuation: Committed) {
        let (ready, signal) = state.withLock { state -> (Result<AppendOutcome, MailStoreError>?, Bool) in
            if let result = state.result { return (result, false) }
            guard state.end == .open else { return (.failure(.invalidArgument("append batch ended twice")), false) }
            state.end = .commit
            state.committer = continuation
            return (nil, state.takeWriterWaiting())
        }
        if signal { wake.signal() }
        if let ready { continuation.resume(returning: ready) }
    }

    func abort() {
        let (producer, signal) = state.withLock { state -> (Room?, Bool) in
            guard state.result == nil, state.end != .abort else { return (nil, false) }
            state.end = .abort
            defer { state.producer = nil }
            return (state.producer, state.takeWriterWaiting())
        }
        if signal { wake.signal() }
        producer?.resume(returning: .failure(.invalidArgument("append batch aborted")))
    }

    // MARK: - Writer thread

    func run() {
        let result: Result<AppendOutcome, MailStoreError>
        do {
            result = .success(try store.write { db -> AppendOutcome in
                var insertion = try LocalAppendInsertion(db, mailboxID: mailboxID)
                while true {
                    switch take() {
                    case .message(let message): try insertion.insert(PendingMessage(message.incoming(into: mailboxID)))
                    case .commit: return try insertion.finish()
                    case .abort: throw Aborted()
                    }
                }
            })
        } catch {
            result = .failure(error)
        }
        // Bodies were allocated on the network's threads and freed here (see `MessageIngest`).
        _ = cshim_malloc_trim()
        let (producer, committer) = state.withLock { state -> (Room?, Committed?) in
            state.result = result
            state.queue.removeAll()
            defer { state.producer = nil; state.committer = nil }
            return (state.producer, state.committer)
        }
        if case .failure(let error) = result { producer?.resume(returning: .failure(error)) }
        committer?.resume(returning: result)
    }

    /// The next message, the end, or a wait for one of them.
    private func take() -> Taken {
        while true {
            let (taken, producer) = state.withLock { state -> (Taken?, Room?) in
                if state.end == .abort { return (.abort, nil) }
                if let message = state.queue.pop() {
                    guard state.queue.bytes <= queueBytes, let producer = state.producer else { return (.message(message), nil) }
                    state.producer = nil
                    return (.message(message), producer)
                }
                if state.end == .commit { return (.commit, nil) }
                state.writerWaiting = true
                return (nil, nil)
            }
            producer?.resume(returning: .success(()))
            if let taken { return taken }
            wake.wait()
        }
    }
}
