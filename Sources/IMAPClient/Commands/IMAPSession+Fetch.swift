import IMAPCore

/// UID FETCH … (CHANGEDSINCE m [VANISHED]): flag changes and, with VANISHED, what went away.
public struct FlagChanges: Sendable {
    public var updates: [FlagUpdate] = []
    /// VANISHED (EARLIER) ranges, as sent.
    public var vanished: [UIDSet] = []
}

extension IMAPSession {
    /// `UID FETCH set (items) [(CHANGEDSINCE m [VANISHED])]`, streamed: see ``FetchStream``.
    public func uidFetch(_ set: UIDSet, _ items: [FetchItem], changedSince: ModSequence? = nil,
                         vanished: Bool = false) -> FetchStream {
        stream(.uidFetch(set, items, changedSince: changedSince, vanished: vanished), role: .fetch(.uids(set)),
               name: "UID FETCH")
    }

    /// `FETCH set (items)` by sequence numbers, streamed.
    public func fetch(_ set: SequenceSet, _ items: [FetchItem]) -> FetchStream {
        stream(.fetch(set, items), role: .fetch(.sequences(set)), name: "FETCH")
    }

    /// `UID FETCH first:* (UID RFC822.SIZE)`: every UID and size of the selected mailbox, streamed
    /// to `each` (nothing is collected).
    public func uidFetchSizes(from first: UID = .min, _ each: (_ uid: UID, _ size: Int) throws -> Void) async throws {
        var attributes: FetchedAttributes?
        for try await part in uidFetch(UIDSet(first...UID.max), [.uid, .rfc822Size]) {
            switch part {
            case .messageStart(let sequence, let uid): attributes = FetchedAttributes(sequence: sequence, uid: uid)
            case .attribute(let attribute): attributes?.apply(attribute)
            case .messageEnd:
                if let uid = attributes?.uid, let size = attributes?.size { try each(uid, size) }
            default: break
            }
        }
    }

    /// `UID FETCH set (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])` for each set, keeping
    /// `commandsInFlight` commands pipelined; `each` gets one whole message at a time, in the order
    /// they arrive (a server may interleave pipelined commands: see ``FetchHandoff``). A message
    /// larger than `configuration.maxMessageSize` is not held: its bytes are discarded as they
    /// arrive and it is returned in the list of skipped messages.
    @discardableResult
    public func uidFetchMessages(_ sets: [UIDSet], commandsInFlight: Int = 2,
                                 _ each: (FetchedMessage) async throws -> Void) async throws -> [SkippedMessage] {
        let handoff = FetchHandoff()
        let maxMessageSize = configuration.maxMessageSize
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Before the group cancels and awaits the readers: none may stay parked in `put`.
            defer { handoff.close() }
            var next = sets.makeIterator()
            var running = 0
            var skipped: [SkippedMessage] = []
            func sendMore() {
                while running < max(commandsInFlight, 1), let set = next.next() {
                    // Submitted here, in order; read by its own task.
                    let stream = uidFetch(set, [.uid, .flags, .internalDate, .rfc822Size, .bodyPeek()])
                    running += 1
                    group.addTask { await Self.read(stream, maxMessageSize: maxMessageSize, into: handoff) }
                }
            }
            sendMore()
            while running > 0, let item = await handoff.take() {
                switch item {
                case .message(let message):
                    try await each(message)
                case .done(let skippedHere):
                    skipped += skippedHere
                    running -= 1
                    sendMore()
                case .failed(let error):
                    throw error
                }
            }
            return skipped
        }
    }

    /// One command's reader: its whole messages, then its end (or its error), to the handoff.
    private static func read(_ stream: FetchStream, maxMessageSize: Int, into handoff: FetchHandoff) async {
        var assembler = MessageAssembler(maxMessageSize: maxMessageSize)
        do {
            for try await part in stream {
                if let message = assembler.consume(part), message.uid != nil, message.hasBody {
                    await handoff.put(.message(message))
                }
            }
            await handoff.put(.done(assembler.skipped))
        } catch {
            await handoff.put(.failed(error))
        }
    }

    /// `UID FETCH set (UID FLAGS [MODSEQ]) [(CHANGEDSINCE m [VANISHED])]`, collected.
    public func uidFetchFlags(_ set: UIDSet, changedSince modSeq: ModSequence?, vanished: Bool = false) -> Pending<FlagChanges> {
        let items: [FetchItem] = modSeq == nil ? [.uid, .flags] : [.uid, .flags, .modSeq]
        let command = Command.uidFetch(set, items, changedSince: modSeq, vanished: vanished && modSeq != nil)
        return submit(command, role: .fetch(.uids(set))) { outcome in
            _ = try outcome.checked("UID FETCH")
            var changes = FlagChanges(updates: outcome.messages.compactMap(FlagUpdate.init))
            for case .vanished(let uids, true) in outcome.data { changes.vanished.append(uids) }
            return changes
        }
    }
}
