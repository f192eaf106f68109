import IMAPCore
import NIOCore

/// A narrow, `package`-only façade over ``SessionStateMachine`` for Fuzz/SessionStateMachineFuzz
/// (a separate module): it submits a few realistic commands, feeds events, and reports the
/// machine's actions reduced to what the fuzzer checks (who got what, how many bytes were written).
/// The machine itself stays internal.
package struct SessionStateMachineDriver {
    package enum Submission: Sendable {
        case uidStore(UInt32)
        case uidFetch(ClosedRange<UInt32>)
        case select(readOnly: Bool)
        /// APPEND of `size` bytes (a synchronising literal unless the server offers LITERAL+).
        case append(size: Int)
        /// A streamed APPEND of `size` bytes in two chunks, its body written as soon as the machine
        /// allows it; with `short`, one byte is missing (the command is cancelled).
        case streamedAppend(size: Int, short: Bool)
        case idle
        case authenticatePlain
        case authenticateLogin
        case noop
    }

    /// One ``SessionAction``, reduced.
    package enum Effect: Equatable, Sendable {
        case write(bytes: Int)
        case greeted
        /// Untagged data, a FETCH part, an IDLE event or a SASL failure detail for `tag`.
        case data(tag: String)
        case idleStarted(tag: String)
        case complete(tag: String)
        case fail(tag: String)
        case switchStream(tag: String)
        case unsolicited
        case sessionChanged
        case close
    }

    /// How much the machine holds, for the fuzzer's bounds.
    package struct Size: Sendable {
        package var commands: Int
        package var pendingWrites: Int
        package var heldFetchAttributes: Int
        package var mappedUIDs: Int
    }

    private var machine: SessionStateMachine
    /// Streamed APPENDs waiting for `appendReady`: their body size and whether it comes short.
    private var streamedBodies: [String: (size: Int, short: Bool)] = [:]

    package init(commandTimeout: TimeAmount, now: NIODeadline) {
        machine = SessionStateMachine(timeouts: .init(greeting: commandTimeout, command: commandTimeout), now: now)
    }

    package static let maxMappedMessages = MailboxState.maxMappedMessages

    package var isClosed: Bool { machine.isClosed }
    package var size: Size {
        Size(commands: machine.commands.count, pendingWrites: machine.pendingWrites,
             heldFetchAttributes: machine.fetch?.held.count ?? 0, mappedUIDs: machine.mailbox?.mappedCount ?? 0)
    }

    package mutating func submit(_ submission: Submission, now: NIODeadline) -> (tag: String, effects: [Effect]) {
        if case .streamedAppend(let size, let short) = submission {
            let (tag, actions) = machine.submitStreamedAppend(to: .inbox, first: AppendLiteralHeader(byteCount: size), now: now)
            streamedBodies[tag] = (size, short)
            return (tag, streamBodies(actions, now: now).compactMap(Self.effect))
        }
        let (command, role) = Self.command(for: submission)
        let (tag, actions) = machine.submit(command, role: role, now: now)
        return (tag, actions.compactMap(Self.effect))
    }

    package mutating func received(_ event: ResponseEvent, now: NIODeadline) -> [Effect] {
        streamBodies(machine.received(event, now: now), now: now).compactMap(Self.effect)
    }

    /// Plays the caller of each streamed APPEND the actions allow: its body in two chunks, then
    /// the end of the command. Returns the actions with those the caller's steps produced.
    private mutating func streamBodies(_ actions: [SessionAction], now: NIODeadline) -> [SessionAction] {
        var out: [SessionAction] = []
        for action in actions {
            out.append(action)
            guard case .appendReady(let tag) = action, let body = streamedBodies.removeValue(forKey: tag) else { continue }
            let length = body.short ? max(body.size - 1, 0) : body.size
            let first = length / 2
            out += machine.appendChunk(tag: tag, ByteBuffer(repeating: UInt8(ascii: "a"), count: first), now: now)
            out += machine.appendChunk(tag: tag, ByteBuffer(repeating: UInt8(ascii: "b"), count: length - first), now: now)
            out += machine.appendBodyEnd(tag: tag)
            out += machine.appendFinish(tag: tag)
        }
        return out
    }

    /// The parser rejected the server's bytes (the handler closes the session).
    package mutating func parseFailed() -> [Effect] {
        machine.close(.protocolError("the server's bytes did not parse")).compactMap(Self.effect)
    }

    package mutating func writeCompleted(now: NIODeadline) { machine.writeProgressed(finished: true, now: now) }
    package mutating func readsPaused(_ paused: Bool, now: NIODeadline) { machine.readsPaused(paused, now: now) }
    package mutating func tick(now: NIODeadline) -> [Effect] { machine.tick(now: now).compactMap(Self.effect) }
    package mutating func endIdle(tag: String, now: NIODeadline) -> [Effect] { machine.endIdle(tag: tag, now: now).compactMap(Self.effect) }

    package mutating func channelClosed(orderly: Bool) -> [Effect] {
        machine.channelClosed(orderly ? nil : .connectionClosed("reset")).compactMap(Self.effect)
    }

    private static func command(for submission: Submission) -> (Command, CommandRole) {
        switch submission {
        case .uidStore(let uid):
            let set = UID(uid).map { UIDSet($0) } ?? UIDSet(UID.min...UID.max)
            return (.uidStore(set, .add([.seen])), .store(.uids(set)))
        case .uidFetch(let range):
            let set = UID(range.lowerBound).flatMap { low in UID(range.upperBound).map { UIDSet(low...$0) } }
                ?? UIDSet(UID.min...UID.max)
            return (.uidFetch(set, [.uid, .flags, .bodyPeek()]), .fetch(.uids(set)))
        case .select(let readOnly):
            return (readOnly ? .examine(.inbox) : .select(.inbox), .select(.inbox, readOnly: readOnly))
        case .append(let size):
            let message = AppendMessage(data: ByteBuffer(repeating: UInt8(ascii: "a"), count: size))
            return (.append(.inbox, [message]), .append)
        case .idle:
            return (.idle, .idle(endOnEvent: false))
        case .authenticatePlain:
            return (.noop, .authenticate(SASLPlain(username: "user", password: "secret")))
        case .authenticateLogin:
            return (.noop, .authenticate(SASLLogin(username: "user", password: "secret")))
        case .noop, .streamedAppend:
            return (.noop, .plain)
        }
    }

    /// nil for a trace line (the driver's machine never traces).
    private static func effect(_ action: SessionAction) -> Effect? {
        switch action {
        case .trace: nil
        case .write(let buffers): .write(bytes: buffers.reduce(0) { $0 + $1.readableBytes })
        case .greeted: .greeted
        case .deliver(let tag, _), .fetch(let tag, _), .idleEvent(let tag, _), .authenticationDetail(let tag, _): .data(tag: tag)
        case .idleStarted(let tag): .idleStarted(tag: tag)
        case .appendReady(let tag): .data(tag: tag)
        case .switchStream(_, let tag): .switchStream(tag: tag)
        case .complete(let tag, _): .complete(tag: tag)
        case .fail(let tag, _): .fail(tag: tag)
        case .unsolicited: .unsolicited
        case .sessionChanged: .sessionChanged
        case .close: .close
        }
    }
}
