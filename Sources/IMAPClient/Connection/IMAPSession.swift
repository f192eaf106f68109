import EventLoopExecutor
import IMAPCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OpenSSLKit

/// One authenticated IMAP connection, shared freely between tasks (it is `Sendable`).
///
/// Every command is sent at once and returns a handle (``Pending``, or a ``FetchStream`` for
/// streaming FETCHes) awaited later, so a caller may keep many commands in flight on one
/// connection. The protocol lives in `SessionStateMachine`, executed on the channel's event
/// loop by `IMAPChannelHandler`; this type only submits commands and turns their outcomes into
/// typed results. Unsolicited data goes to ``mailboxEvents()``. Open one with
/// ``withSession(_:group:logger:_:)``.
public final class IMAPSession: Sendable {
    public let configuration: IMAPClientConfiguration
    let logger: Logger
    let channel: any Channel
    let handler: NIOLoopBound<IMAPChannelHandler>
    private let snapshot: NIOLockedValueBox<SessionSnapshot>
    private let details = NIOLockedValueBox(Details())
    private let streamCounter = NIOLockedValueBox(0)
    private let submissions = NIOLockedValueBox(0)

    private struct Details {
        var tlsDescription: String?
        var compressionActive = false
        /// The ENABLE sent by the set-up and not awaited there (``IMAPClientConfiguration/pipelinesSetUp``).
        var enabling: Pending<Void>?
    }

    init(configuration: IMAPClientConfiguration, channel: any Channel, handler: NIOLoopBound<IMAPChannelHandler>,
         snapshot: NIOLockedValueBox<SessionSnapshot>, logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.handler = handler
        self.snapshot = snapshot
        self.logger = logger
    }

    // MARK: - What the session knows

    /// Capabilities as last advertised.
    public var capabilities: Set<Capability> { snapshot.withLockedValue { $0.capabilities } }
    /// Extensions the server confirmed in ENABLED.
    public var enabled: Set<Capability> { snapshot.withLockedValue { $0.enabled } }
    /// The selected mailbox (kept up to date by unsolicited EXISTS, EXPUNGE, VANISHED…).
    public var selected: SelectedMailbox? { snapshot.withLockedValue { $0.selected } }
    /// TLS protocol and cipher when the stream is encrypted.
    public var tlsDescription: String? { details.withLockedValue { $0.tlsDescription } }
    public var compressionActive: Bool { details.withLockedValue { $0.compressionActive } }

    public func hasCapability(_ capability: Capability) -> Bool { capabilities.contains(capability) }

    /// The connection's event loop as a task executor. A task that reads this session's FETCH
    /// streams under `withTaskExecutorPreference(session.taskExecutor)` resumes on the thread that
    /// parsed the data instead of waking a pool thread for every part (fullfetch: 4-10x fewer
    /// context switches, about a tenth less CPU; docs/store.md). Never block inside such a task.
    public var taskExecutor: any TaskExecutor { EventLoopTaskExecutor(eventLoop: channel.eventLoop) }

    func setTLSDescription(_ text: String) { details.withLockedValue { $0.tlsDescription = text } }
    func setCompressionActive() { details.withLockedValue { $0.compressionActive = true } }
    func setEnabling(_ pending: Pending<Void>) { details.withLockedValue { $0.enabling = pending } }

    /// Waits until the set-up's ENABLE is answered, so that ``enabled`` is final; returns at once
    /// when the set-up waited for it itself (the default). A refused ENABLE is not an error (the
    /// session works without the extensions); a broken connection is.
    public func enableSettled() async throws {
        guard let enabling = details.withLockedValue({ $0.enabling }) else { return }
        try await enabling.value
    }

    // MARK: - Unsolicited data

    /// Subscribes to the unsolicited data (EXISTS, EXPUNGE as UID when known, VANISHED, pushed
    /// FLAGS/MODSEQ, NOTIFY's STATUS and LIST): one consumer at a time (a new subscription ends
    /// the previous one). See ``MailboxEventStream`` for the buffering rule.
    public func mailboxEvents() -> MailboxEventStream {
        let key = nextKey("E")
        let made = MailboxEventStream.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: MailboxEventStream.lowWatermark,
                                        highWatermark: MailboxEventStream.highWatermark),
            finishOnDeinit: true, delegate: StreamDemand(key: key, handler: handler))
        let source = made.source
        let counter = NIOLockedValueBox(0)
        onLoop { $0.subscribe(source, key: key, counter: counter) }
        return MailboxEventStream(producer: made.sequence, counter: counter)
    }

    // MARK: - Submitting

    /// Sends `command` now; `transform` builds the typed result from what the command produced.
    func submit<Value: Sendable>(_ command: Command, role: CommandRole,
                                 _ transform: @escaping @Sendable (CommandOutcome) throws -> Value) -> Pending<Value> {
        let promise = channel.eventLoop.makePromise(of: CommandOutcome.self)
        onLoop { $0.submit(command, role: role, sink: CommandSink(promise: promise)) }
        return Pending(outcome: promise.futureResult, transform: transform)
    }

    /// Sends a command whose only result is its OK.
    func submit(_ command: Command, role: CommandRole = .plain, name: String) -> Pending<Void> {
        submit(command, role: role) { outcome in _ = try outcome.checked(name) }
    }

    /// Sends a FETCH whose parts stream to the returned sequence.
    func stream(_ command: Command, role: CommandRole, name: String) -> FetchStream {
        let key = nextKey("F")
        let made = FetchStream.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: FetchStream.lowWatermark, highWatermark: FetchStream.highWatermark),
            finishOnDeinit: true, delegate: StreamDemand(key: key, handler: handler))
        let promise = channel.eventLoop.makePromise(of: CommandOutcome.self)
        let source = made.source
        onLoop { $0.submit(command, role: role, sink: CommandSink(promise: promise, stream: source), streamKey: key) }
        return FetchStream(producer: made.sequence,
                           completion: Pending(outcome: promise.futureResult) { outcome in _ = try outcome.checked(name) })
    }

    /// Sends IDLE; `started` completes when the server accepted it.
    func submitIdle(endOnEvent: Bool) -> (done: EventLoopFuture<CommandOutcome>, started: EventLoopFuture<Void>,
                                          end: @Sendable () -> Void) {
        let promise = channel.eventLoop.makePromise(of: CommandOutcome.self)
        let started = channel.eventLoop.makePromise(of: Void.self)
        let key = nextKey("I")
        onLoop { $0.submit(.idle, role: .idle(endOnEvent: endOnEvent), sink: CommandSink(promise: promise, idleStarted: started),
                           streamKey: key) }
        let end: @Sendable () -> Void = { [handler] in
            handler.eventLoop.execute { handler.value.endIdle(key: key) }
        }
        return (promise.futureResult, started.futureResult, end)
    }

    /// No command is waiting to be written or answered.
    var hasNothingInFlight: Bool {
        get async {
            (try? await channel.eventLoop.submit { [handler] in handler.value.hasNothingInFlight }.get()) ?? true
        }
    }

    /// Runs on the event loop, in submission order (execute is FIFO).
    private func onLoop(_ body: @escaping @Sendable (IMAPChannelHandler) -> Void) {
        noteSubmission()
        let handler = handler
        channel.eventLoop.execute { body(handler.value) }
    }

    /// How many commands (and subscriptions) were handed to the connection so far: a caller that
    /// read the mailbox's state after its own commands knows that state is still the latest the
    /// server told while this has not moved.
    public var submissionCount: Int { submissions.withLockedValue { $0 } }

    func noteSubmission() { submissions.withLockedValue { $0 += 1 } }

    func nextStreamKey(_ prefix: String) -> String { nextKey(prefix) }

    private func nextKey(_ prefix: String) -> String {
        streamCounter.withLockedValue { n in
            n += 1
            return prefix + String(n)
        }
    }
}
