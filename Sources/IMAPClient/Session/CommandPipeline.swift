import NIOCore

/// Decides when each part of each tagged command may be written, and which command a
/// continuation request belongs to. Pure: the session feeds it events and writes what it returns.
///
/// Pipelining rules (RFC 3501 §5.5), one place for all of them:
/// - Ordinary commands are written as soon as they are submitted, so several are in flight.
/// - A command with synchronising literals writes its first part, then waits for `+` before each
///   further part; nothing else may be written in between (the bytes would land inside it), so
///   later commands queue behind it.
/// - A streaming command (an APPEND whose bodies the caller writes as they come) holds the writer
///   from its first part until the caller releases it: nothing else may land inside its literals.
/// - Exclusive commands (STARTTLS, COMPRESS, AUTHENTICATE, IDLE, LOGOUT) change the stream or the
///   session: they wait until every earlier command has completed, and hold back every later
///   command until they complete themselves.
struct CommandPipeline {
    enum Kind: Equatable {
        case ordinary
        /// Its continuation requests go to the caller (SASL challenges, IDLE's "+ idling").
        case exclusiveWithContinuations
        case exclusive
        /// Written like an ordinary command, then holds the writer until ``release(tag:)``.
        case streaming(awaitsContinuation: Bool)
    }

    private struct Entry {
        var tag: String
        /// Each part is written as its buffers, in order (an APPEND body is the caller's buffer).
        var parts: ArraySlice<[ByteBuffer]>
        var kind: Kind
        /// Each part's wire-trace text, when the session traces (empty otherwise).
        var trace: ArraySlice<String>
    }

    /// Submitted but not completely written, in order.
    private var queue: [Entry] = []
    /// Tags written (at least their first part) and not yet completed, in order.
    private(set) var inFlight: [String] = []
    /// The tag of a written command waiting for `+` (a literal part or a caller continuation).
    private var awaitingContinuation: (tag: String, callerHandles: Bool)?
    private var exclusiveInFlight: String?
    /// The streaming command that owns the writer now.
    private(set) var heldBy: String?
    /// Trace text of the parts written since ``takeTrace()``, in write order.
    private var writtenTrace: [String] = []

    enum ContinuationOutcome: Equatable {
        /// Write these buffers (the next literal part and whatever it unblocked).
        case write([ByteBuffer])
        /// The continuation belongs to the caller of `tag` (SASL, IDLE).
        case deliver(tag: String)
    }

    enum PipelineError: Error, Equatable {
        case unexpectedContinuation
        case unknownTag(String)
    }

    var isIdle: Bool { queue.isEmpty && inFlight.isEmpty }

    /// The streaming command `tag` wrote a synchronising literal header: the next `+` is its.
    mutating func expectContinuation(tag: String) {
        if heldBy == tag { awaitingContinuation = (tag, true) }
    }

    /// The `+` delivered to the streaming command `tag` was used (it answered one literal).
    mutating func continuationHandled(tag: String) {
        if heldBy == tag, awaitingContinuation?.tag == tag { awaitingContinuation = nil }
    }

    /// The streaming command `tag` wrote its last byte: later commands may go out.
    mutating func release(tag: String) -> [ByteBuffer] {
        guard heldBy == tag else { return [] }
        heldBy = nil
        if awaitingContinuation?.tag == tag { awaitingContinuation = nil }
        return drain()
    }

    /// Drops a command not written yet (a streaming APPEND cancelled before it went out).
    /// Returns false when it was written already.
    mutating func withdraw(tag: String) -> Bool {
        guard !inFlight.contains(tag), let index = queue.firstIndex(where: { $0.tag == tag }) else { return false }
        queue.remove(at: index)
        return true
    }

    /// Submits a command; returns what may be written now. `trace` (one text per part) comes
    /// back from ``takeTrace()`` as each part is written.
    mutating func submit(tag: String, chunks: [[ByteBuffer]], kind: Kind, trace: [String]? = nil) -> [ByteBuffer] {
        queue.append(Entry(tag: tag, parts: chunks[...], kind: kind, trace: (trace ?? [])[...]))
        return drain()
    }

    /// The trace text of the parts written since the last call.
    mutating func takeTrace() -> [String] {
        defer { writtenTrace = [] }
        return writtenTrace
    }

    /// One buffer per part.
    mutating func submit(tag: String, parts: [ByteBuffer], kind: Kind) -> [ByteBuffer] {
        submit(tag: tag, chunks: parts.map { [$0] }, kind: kind)
    }

    /// A `+` continuation request arrived.
    mutating func continuation() throws(PipelineError) -> ContinuationOutcome {
        guard let waiting = awaitingContinuation else { throw .unexpectedContinuation }
        if waiting.callerHandles { return .deliver(tag: waiting.tag) }
        guard let index = queue.firstIndex(where: { $0.tag == waiting.tag }) else { throw .unexpectedContinuation }
        awaitingContinuation = nil
        var out: [ByteBuffer] = []
        writeParts(at: index, into: &out)
        out += drain()
        return .write(out)
    }


    /// A tagged response arrived for `tag`; returns what may be written now.
    mutating func completed(tag: String) throws(PipelineError) -> [ByteBuffer] {
        guard let index = inFlight.firstIndex(of: tag) else { throw .unknownTag(tag) }
        inFlight.remove(at: index)
        if awaitingContinuation?.tag == tag { awaitingContinuation = nil }
        // A server may refuse a command before its remaining literal parts were sent: drop them.
        queue.removeAll { $0.tag == tag }
        if exclusiveInFlight == tag { exclusiveInFlight = nil }
        if heldBy == tag { heldBy = nil }
        return drain()
    }

    /// Writes as much of the queue as the rules allow.
    private mutating func drain() -> [ByteBuffer] {
        var out: [ByteBuffer] = []
        while awaitingContinuation == nil, exclusiveInFlight == nil, heldBy == nil, let head = queue.first {
            if head.kind == .exclusive || head.kind == .exclusiveWithContinuations {
                guard inFlight.isEmpty else { break }
                exclusiveInFlight = head.tag
            }
            inFlight.append(head.tag)
            writeParts(at: 0, into: &out)
        }
        return out
    }

    /// Writes the next part of the entry at `index`; removes the entry once all parts are out.
    private mutating func writeParts(at index: Int, into out: inout [ByteBuffer]) {
        let entry = queue[index]
        guard let part = entry.parts.first else { return }
        out += part
        if let text = entry.trace.first { writtenTrace.append(text) }
        let rest = entry.parts.dropFirst()
        if rest.isEmpty {
            queue.remove(at: index)
            switch entry.kind {
            case .exclusiveWithContinuations:
                awaitingContinuation = (entry.tag, true)
            case .streaming(let awaitsContinuation):
                heldBy = entry.tag
                if awaitsContinuation { awaitingContinuation = (entry.tag, true) }
            case .ordinary, .exclusive:
                break
            }
        } else {
            queue[index].parts = rest
            queue[index].trace = entry.trace.dropFirst()
            awaitingContinuation = (entry.tag, false)
        }
    }
}
