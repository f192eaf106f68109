import Foundation
import IMAPCore
import NIOCore

/// The whole client side of an IMAP session as a pure state machine: events in (a command
/// submitted, a parsed ``ResponseEvent``, a write completed, a timer tick, the channel closed, the
/// caller ending IDLE), ``SessionAction``s out. No I/O: `IMAPChannelHandler` performs the actions.
///
/// It owns the tags, the pipelining rules (``CommandPipeline``), continuation routing (literal
/// parts vs SASL and IDLE), the routing of untagged data and FETCH responses to the command that
/// asked for them (see `SessionStateMachine+Untagged.swift` and `+Fetch.swift`), the selected
/// mailbox's state, the SASL exchange, and the deadlines (`+Deadline.swift`).
struct SessionStateMachine {
    struct InFlight {
        var tag: String
        var role: CommandRole
        var mechanism: (any SASLMechanism)?
        /// Without SASL-IR: the initial response, sent as the answer to the first challenge.
        var pendingInitialResponse: [UInt8]?
        /// Why the session itself cancelled the SASL exchange (safe to show).
        var cancelDetail: String?
        var idle: IdleProgress = .awaitingContinuation(doneRequested: false)
    }

    enum IdleProgress: Equatable {
        case awaitingContinuation(doneRequested: Bool)
        case idling
        case doneSent
    }

    enum State {
        case awaitingGreeting
        case ready
        case closed(IMAPClientError)
    }

    struct Timeouts {
        var greeting: TimeAmount
        var command: TimeAmount
    }

    private(set) var state = State.awaitingGreeting
    private(set) var snapshot = SessionSnapshot()
    var mailbox: MailboxState?
    var pipeline = CommandPipeline()
    /// In submission order (the order untagged data is matched in).
    var commands: [InFlight] = []
    var fetch: FetchRouting?
    /// Streamed APPENDs in flight, by tag (`+AppendStream.swift`).
    var appendStreams: [String: AppendStream] = [:]
    /// The SELECT/EXAMINE whose new ``MailboxState`` was already started.
    var selecting: String?
    var byeText: String?
    private var nextTag = 1
    static let maxPlainSearchMap: UInt32 = 5000
    // Deadlines (see +Deadline.swift).
    let timeouts: Timeouts
    var lastProgress: NIODeadline
    var pendingWrites = 0
    var readsPausedByConsumer = false
    /// Set when the caller wants a wire trace: each write is then preceded by `.trace` lines.
    /// Nothing else depends on it.
    let traceMode: WireTraceMode?

    init(timeouts: Timeouts, now: NIODeadline, trace: WireTraceMode? = nil) {
        self.timeouts = timeouts
        self.lastProgress = now
        self.traceMode = trace
    }

    var capabilities: Set<Capability> { snapshot.capabilities }

    mutating func nextTagNumber() -> Int {
        defer { nextTag += 1 }
        return nextTag
    }
    var isIdle: Bool { commands.isEmpty }
    var isClosed: Bool { if case .closed = state { true } else { false } }

    // MARK: - Events

    /// A command to send. `command` is ignored for `.authenticate` (built from the mechanism).
    mutating func submit(_ command: Command, role: CommandRole, now: NIODeadline) -> (tag: String, actions: [SessionAction]) {
        let tag = "A\(nextTagNumber())"
        if case .closed(let error) = state { return (tag, [.fail(tag: tag, error)]) }
        var entry = InFlight(tag: tag, role: role)
        var command = command
        if case .authenticate(let mechanism) = role {
            entry.mechanism = mechanism
            let initial = mechanism.initialResponse()
            if let initial, capabilities.contains(.saslIR) {
                command = .authenticate(mechanism: mechanism.name, initialResponse: initial)
            } else {
                command = .authenticate(mechanism: mechanism.name, initialResponse: nil)
                entry.pendingInitialResponse = initial
            }
        }
        let encoder = CommandEncoder(literalPlus: capabilities.contains(.literalPlus),
                                     literalMinus: capabilities.contains(.literalMinus), trace: traceMode)
        if commands.isEmpty { lastProgress = now }
        commands.append(entry)
        let encoded = encoder.encode(command, tag: tag)
        let writes = pipeline.submit(tag: tag, chunks: encoded.chunks, kind: role.pipelineKind, trace: encoded.trace)
        return (tag, writeAction(writes))
    }

    mutating func received(_ event: ResponseEvent, now: NIODeadline) -> [SessionAction] {
        lastProgress = now
        let before = snapshot
        var actions: [SessionAction]
        switch state {
        case .closed:
            return []
        case .awaitingGreeting:
            actions = greeting(event)
        case .ready:
            switch event {
            case .tagged(let response): actions = tagged(response)
            case .continuation(let text): actions = continuation(text)
            case .untagged(let response): actions = untagged(response)
            case .fetch(let part): actions = fetchEvent(part)
            }
        }
        // First: a completion below may resume a caller that reads the snapshot at once.
        if snapshot != before, !isClosed { actions.insert(.sessionChanged(snapshot), at: 0) }
        return actions
    }

    /// The caller wants IDLE `tag` to end: DONE now, or as soon as the server accepted IDLE.
    mutating func endIdle(tag: String, now: NIODeadline) -> [SessionAction] {
        guard let index = commands.firstIndex(where: { $0.tag == tag }), case .idle = commands[index].role else { return [] }
        switch commands[index].idle {
        case .awaitingContinuation:
            commands[index].idle = .awaitingContinuation(doneRequested: true)
            return []
        case .idling:
            commands[index].idle = .doneSent
            lastProgress = now
            return idleDone()
        case .doneSent:
            return []
        }
    }

    /// The channel closed (`error` nil for an orderly close by the server).
    mutating func channelClosed(_ error: IMAPClientError?) -> [SessionAction] {
        if case .closed = state { return [] }
        let reason = error ?? byeText.map { IMAPClientError.bye($0) }
            ?? .connectionClosed("the server closed the connection")
        if error == nil, commands.isEmpty, byeText != nil {
            state = .closed(reason)
            return []
        }
        return close(reason)
    }

    /// Fails every command; nothing is read or written afterwards.
    mutating func close(_ error: IMAPClientError) -> [SessionAction] {
        if case .closed = state { return [] }
        state = .closed(error)
        commands = []
        fetch = nil
        appendStreams = [:]
        return [.close(error)]
    }

    // MARK: - Greeting, tagged responses, continuations

    private mutating func greeting(_ event: ResponseEvent) -> [SessionAction] {
        guard case .untagged(.condition(let condition, let code, let text)) = event else {
            return close(.protocolError("expected a greeting, got \(event)"))
        }
        if case .capability(let caps)? = code { snapshot.capabilities = Set(caps) }
        switch condition {
        case .ok, .preauth:
            state = .ready
            return [.greeted(preauthenticated: condition == .preauth)]
        case .bye:
            return close(.bye(text))
        case .no, .bad:
            return close(.protocolError("unexpected greeting \(condition.rawValue): \(text)"))
        }
    }

    private mutating func tagged(_ response: TaggedResponse) -> [SessionAction] {
        guard let index = commands.firstIndex(where: { $0.tag == response.tag }) else {
            return close(.protocolError("tagged response for a tag never sent: \(response.tag)"))
        }
        let writes: [ByteBuffer]
        do {
            writes = try pipeline.completed(tag: response.tag)
        } catch {
            return close(.protocolError("tagged response for a command not sent yet: \(response.tag)"))
        }
        let entry = commands.remove(at: index)
        let ok = response.state == .ok
        var actions: [SessionAction] = []
        if case .capability(let caps)? = response.code { snapshot.capabilities = Set(caps) }
        switch entry.role {
        case .select(let name, let readOnly):
            if ok {
                beginSelection(tag: entry.tag, name: name, readOnly: readOnly)
                if let code = response.code, let event = mailbox?.apply(code) { actions.append(.unsolicited(event)) }
                snapshot.selected = mailbox?.selected
                actions += requestUIDMapIfNeeded()
            } else {
                mailbox = nil
                snapshot.selected = nil
            }
            selecting = nil
        case .deselect:
            if ok {
                mailbox = nil
                snapshot.selected = nil
            }
        case .authenticate, .login:
            if !ok, let detail = entry.cancelDetail ?? entry.mechanism?.failureDetail {
                actions.append(.authenticationDetail(tag: entry.tag, detail))
            }
            // Capabilities change at login; when the OK did not carry them they must be re-read.
            if ok, !response.code.isCapability { snapshot.capabilities = [] }
        case .startTLS where ok:
            // Anything learnt before TLS cannot be trusted (RFC 3501 §6.2.1).
            snapshot.capabilities = []
            actions.append(.switchStream(.tls, tag: entry.tag))
        case .compress where ok:
            actions.append(.switchStream(.compression, tag: entry.tag))
        case .uidMap:
            return writeAction(writes) + advanceAppendStreams()
        default:
            // UID EXPUNGE's OK carries the HIGHESTMODSEQ its expunges reached (RFC 7162 §3.2.10).
            if ok, case .highestModSeq(let modSeq)? = response.code, mailbox != nil {
                mailbox?.observe(modSeq: modSeq)
                updateSelectedSnapshot()
            }
        }
        if case .appendStream = entry.role {
            actions.append(appendCompleted(tag: entry.tag, response))
        } else {
            actions.append(.complete(tag: entry.tag, response))
        }
        return actions + writeAction(writes) + advanceAppendStreams()
    }

    private mutating func continuation(_ text: String) -> [SessionAction] {
        let outcome: CommandPipeline.ContinuationOutcome
        do {
            outcome = try pipeline.continuation()
        } catch {
            return close(.protocolError("continuation request with nothing waiting for it"))
        }
        switch outcome {
        case .write(let buffers):
            return writeAction(buffers) + advanceAppendStreams()
        case .deliver(let tag):
            guard let index = commands.firstIndex(where: { $0.tag == tag }) else {
                return close(.protocolError("continuation request for a finished command"))
            }
            switch commands[index].role {
            case .authenticate:
                return saslAnswer(index, challenge: text)
            case .appendStream:
                return appendContinuation(tag: tag)
            case .idle:
                switch commands[index].idle {
                case .awaitingContinuation(doneRequested: false):
                    commands[index].idle = .idling
                    return [.idleStarted(tag: tag)]
                case .awaitingContinuation(doneRequested: true):
                    commands[index].idle = .doneSent
                    return [.idleStarted(tag: tag)] + idleDone()
                case .idling, .doneSent:
                    return []
                }
            default:
                return close(.protocolError("unexpected continuation request"))
            }
        }
    }

    /// The client's answer to one SASL challenge; never logged (it holds secrets), and traced
    /// redacted unless the trace shows secrets.
    private mutating func saslAnswer(_ index: Int, challenge text: String) -> [SessionAction] {
        if let initial = commands[index].pendingInitialResponse {
            commands[index].pendingInitialResponse = nil
            return saslResponse(initial)
        }
        guard var mechanism = commands[index].mechanism else { return saslCancel() }
        guard let challenge = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            commands[index].cancelDetail = "the server's challenge is not base64"
            return saslCancel()
        }
        let step = mechanism.respond(to: Array(challenge))
        commands[index].mechanism = mechanism
        switch step {
        case .respond(let bytes): return saslResponse(bytes)
        case .cancel: return saslCancel()
        }
    }

    private mutating func saslResponse(_ bytes: [UInt8]) -> [SessionAction] {
        let trace = traceMode.map { [CommandEncoder.authenticationResponseTrace(bytes, mode: $0)] } ?? []
        return writeAction([CommandEncoder.authenticationResponse(bytes)], trace: trace)
    }

    private mutating func saslCancel() -> [SessionAction] {
        let cancel = CommandEncoder.authenticationCancel()
        return writeAction([cancel], trace: traced(WireTrace.text(of: cancel)))
    }

    /// Ends IDLE.
    mutating func idleDone() -> [SessionAction] {
        let done = CommandEncoder.idleDone()
        return writeAction([done], trace: traced(WireTrace.text(of: done)))
    }

    // MARK: - Helpers shared by the extensions

    /// Wraps writes so that they are counted against the write deadline. When tracing, `trace`
    /// (the text of bytes written outside the pipeline, first in `buffers`) and the trace of the
    /// pipeline's parts just written go before them.
    mutating func writeAction(_ buffers: [ByteBuffer], trace: [String] = []) -> [SessionAction] {
        var actions: [SessionAction] = []
        if traceMode != nil {
            let lines = (trace + pipeline.takeTrace()).filter { !$0.isEmpty }
            if !lines.isEmpty { actions.append(.trace(lines)) }
        }
        guard !buffers.isEmpty else { return actions }
        pendingWrites += 1
        actions.append(.write(buffers))
        return actions
    }

    /// `text` as the trace of a write; empty (and not evaluated) when not tracing.
    func traced(_ text: @autoclosure () -> String) -> [String] {
        traceMode == nil ? [] : [text()]
    }

    /// Tags written and not yet answered, in submission order.
    func written(_ entry: InFlight) -> Bool { pipeline.inFlight.contains(entry.tag) }

    /// The SELECT/EXAMINE on the wire now (exclusive, so alone in flight), if any.
    var activeSelect: InFlight? {
        commands.first { entry in
            if case .select = entry.role { return written(entry) }
            return false
        }
    }

    /// Starts the new mailbox's state at the first data of a SELECT (the old one ends there).
    mutating func beginSelection(tag: String, name: MailboxName, readOnly: Bool) {
        guard selecting != tag else { return }
        selecting = tag
        mailbox = MailboxState(name: name, readOnly: readOnly)
    }

    mutating func updateSelectedSnapshot() {
        if let mailbox, selecting == nil || activeSelect == nil { snapshot.selected = mailbox.selected }
    }

    mutating func setCapabilities(_ caps: [Capability]) { snapshot.capabilities = Set(caps) }
    mutating func addEnabled(_ caps: [Capability]) { snapshot.enabled.formUnion(caps) }

    /// Without QRESYNC an EXPUNGE names a sequence number: learn every UID once, right after
    /// SELECT, so that each EXPUNGE can be reported with its UID.
    private mutating func requestUIDMapIfNeeded() -> [SessionAction] {
        guard let mailbox, mailbox.selected.exists > 0, !mailbox.mapIsComplete else { return [] }
        let esearch = capabilities.contains(.esearch)
        // A plain SEARCH lists every number on one line, which must stay under the parser's limit.
        guard esearch || mailbox.selected.exists <= Self.maxPlainSearchMap else { return [] }
        let command: Command = esearch ? .uidSearch(criteria: "ALL", returning: [.all]) : .uidSearch(criteria: "ALL")
        return submit(command, role: .uidMap, now: lastProgress).actions
    }
}

extension Optional where Wrapped == ResponseCode {
    var isCapability: Bool {
        if case .capability? = self { return true }
        return false
    }
}
