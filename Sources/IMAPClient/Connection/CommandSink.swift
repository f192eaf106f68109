import IMAPCore
import NIOCore
import OpenSSLKit

/// Where a command's data goes while it runs, on the event loop: collected into its
/// ``CommandOutcome``, FETCH parts either collected (attributes only) or streamed to a consumer.
final class CommandSink {
    typealias Stream = NIOThrowingAsyncSequenceProducer<FetchPart, any Error,
        NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, StreamDemand>

    let promise: EventLoopPromise<CommandOutcome>
    private var data: [UntaggedResponse] = []
    private var messages: [FetchedAttributes] = []
    private var current: FetchedAttributes?
    private let stream: Stream.Source?
    /// The consumer stopped listening (it threw or was cancelled): the rest is discarded.
    private var consumerGone = false
    var idleStarted: EventLoopPromise<Void>?
    var authenticationDetail: String?
    private var idleEvents: [MailboxEvent] = []
    var handshake: EventLoopFuture<TLSHandshakeCompleted>?
    /// The event stream's count when the command completed (see `MailboxSelection.eventsDelivered`).
    var eventsDelivered = 0
    /// Streamed APPEND: bodies the machine allowed and nobody waited for yet, and the waiter.
    private var appendReadyCount = 0
    private var appendReadyWaiter: EventLoopPromise<Void>?

    init(promise: EventLoopPromise<CommandOutcome>, stream: Stream.Source? = nil,
         idleStarted: EventLoopPromise<Void>? = nil) {
        self.promise = promise
        self.stream = stream
        self.idleStarted = idleStarted
    }

    func deliver(_ response: UntaggedResponse) { data.append(response) }

    /// Returns false when the consumer asked to stop producing (reads must pause).
    func receive(_ part: FetchPart) -> Bool {
        if let stream {
            guard !consumerGone else { return true }
            return stream.yield(part) == .produceMore
        }
        switch part {
        case .messageStart(let sequence, let uid): current = FetchedAttributes(sequence: sequence, uid: uid)
        case .attribute(let attribute): current?.apply(attribute)
        case .messageEnd:
            if let current { messages.append(current) }
            current = nil
        case .bodyStart, .bodyChunk, .bodyEnd:
            break  // a collecting command never asks for bodies
        }
        return true
    }

    func consumerTerminated() { consumerGone = true }

    /// The machine allows the next body of a streamed APPEND.
    func appendReady() {
        if let waiter = appendReadyWaiter {
            appendReadyWaiter = nil
            waiter.succeed()
        } else {
            appendReadyCount += 1
        }
    }

    /// Completes when the next body may be written (fails when the command ends first).
    func awaitAppendReady(_ promise: EventLoopPromise<Void>) {
        if appendReadyCount > 0 {
            appendReadyCount -= 1
            promise.succeed()
        } else {
            appendReadyWaiter?.fail(IMAPClientError.protocolError("two waiters for one APPEND body"))
            appendReadyWaiter = promise
        }
    }

    /// IDLE keeps the first events it saw (all of them also went to the event stream).
    func idleEvent(_ event: MailboxEvent) {
        if idleEvents.count < Self.maxIdleEvents { idleEvents.append(event) }
    }
    static let maxIdleEvents = 1000

    func complete(_ response: TaggedResponse) {
        let outcome = CommandOutcome(response: response, data: data, messages: messages,
                                     authenticationDetail: authenticationDetail, handshake: handshake,
                                     idleEvents: idleEvents, eventsDelivered: eventsDelivered)
        if outcome.isOK {
            stream?.finish()
        } else {
            stream?.finish(IMAPClientError.commandFailed(command: "FETCH", status: response.state.rawValue,
                                                         text: response.text, code: response.code.map { "\($0)" }))
        }
        idleStarted?.fail(IMAPClientError.commandFailed(command: "IDLE", status: response.state.rawValue,
                                                        text: response.text, code: nil))
        appendReadyWaiter?.fail(IMAPClientError.commandFailed(command: "APPEND", status: response.state.rawValue,
                                                              text: response.text, code: response.code.map { "\($0)" }))
        appendReadyWaiter = nil
        promise.succeed(outcome)
    }

    func fail(_ error: IMAPClientError) {
        stream?.finish(error)
        idleStarted?.fail(error)
        appendReadyWaiter?.fail(error)
        appendReadyWaiter = nil
        promise.fail(error)
    }
}

/// Tells the handler when a FETCH stream's (or the event stream's) consumer wants more or left.
struct StreamDemand: NIOAsyncSequenceProducerDelegate {
    let key: String
    let handler: NIOLoopBound<IMAPChannelHandler>

    func produceMore() {
        handler.eventLoop.execute { [handler, key] in handler.value.resumeReads(for: key) }
    }

    func didTerminate() {
        handler.eventLoop.execute { [handler, key] in handler.value.consumerTerminated(key) }
    }
}

/// What the caller of a streamed APPEND does after a body (see `IMAPChannelHandler.appendStep`).
enum AppendStep: Sendable {
    case bodyEnd
    case next(AppendLiteralHeader)
    case finish
    case cancel(IMAPClientError)
}
