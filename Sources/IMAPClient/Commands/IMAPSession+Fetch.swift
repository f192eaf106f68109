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
    /// `commandsInFlight` commands pipelined; `each` gets one whole message at a time. A message
    /// larger than `configuration.maxMessageSize` is not held: its bytes are discarded as they
    /// arrive and it is returned in the list of skipped messages.
    @discardableResult
    public func uidFetchMessages(_ sets: [UIDSet], commandsInFlight: Int = 2,
                                 _ each: (FetchedMessage) async throws -> Void) async throws -> [SkippedMessage] {
        var assembler = MessageAssembler(maxMessageSize: configuration.maxMessageSize)
        var inFlight: [FetchStream] = []
        var next = sets.makeIterator()
        func sendMore() {
            while inFlight.count < max(commandsInFlight, 1), let set = next.next() {
                inFlight.append(uidFetch(set, [.uid, .flags, .internalDate, .rfc822Size, .bodyPeek()]))
            }
        }
        sendMore()
        while !inFlight.isEmpty {
            let stream = inFlight.removeFirst()
            for try await part in stream {
                if let message = assembler.consume(part), message.uid != nil, message.hasBody { try await each(message) }
            }
            sendMore()
        }
        return assembler.skipped
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
