import IMAPCore

extension IMAPSession {
    /// `UID FETCH first:* (UID RFC822.SIZE)`: every UID and size of the selected mailbox.
    public func uidFetchSizes(from first: UInt32, _ each: (_ uid: UInt32, _ size: Int) throws -> Void) async throws {
        guard let start = UID(rawValue: max(first, 1)) else { return }
        var assembler = FetchAssembler()
        try await run(.uidFetch(UIDSet(start...UID.max), [.uid, .rfc822Size]),
                      name: "UID FETCH") { event in
            guard case .fetch(let fetch) = event, let message = assembler.consume(fetch),
                  let uid = message.uid, let size = message.size else { return }
            try each(uid, size)
        }
    }

    /// `UID FETCH set (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])` for each chunk of UIDs,
    /// keeping `commandsInFlight` commands pipelined. `each` gets one whole message at a time,
    /// in the order the server sends them; while it runs, nothing more is read from the socket.
    public func uidFetchMessages(_ chunks: [[UInt32]], commandsInFlight: Int = 2,
                                 _ each: (FetchedMessage) async throws -> Void) async throws {
        var assembler = FetchAssembler()
        var pendingTags: [String] = []
        var next = chunks.makeIterator()
        func sendNext() async throws {
            while pendingTags.count < max(commandsInFlight, 1), let chunk = next.next() {
                guard let set = UIDSet(uids: chunk.compactMap(UID.init(rawValue:))) else { continue }
                pendingTags.append(try await send(.uidFetch(set, [.uid, .flags, .internalDate, .rfc822Size, .bodyPeek()])))
            }
        }
        try await sendNext()
        while !pendingTags.isEmpty {
            let tag = pendingTags.removeFirst()
            let response = try await wait(tag) { event in
                guard case .fetch(let fetch) = event, let message = assembler.consume(fetch), message.uid != nil,
                      message.hasBody else { return }
                try await each(message)
            }
            _ = try checked(response, command: "UID FETCH")
            try await sendNext()
        }
    }

    /// `UID FETCH set (UID FLAGS MODSEQ) (CHANGEDSINCE m [VANISHED])`: flag changes since `modSeq`.
    public func uidFetchFlags(_ set: UIDSet, changedSince modSeq: UInt64?, vanished: Bool = false,
                              onVanished: (UIDSet) -> Void = { _ in }) async throws -> [FlagUpdate] {
        var assembler = FetchAssembler()
        var updates: [FlagUpdate] = []
        let items: [FetchItem] = modSeq == nil ? [.uid, .flags] : [.uid, .flags, .modSeq]
        try await run(.uidFetch(set, items, changedSince: modSeq.map { ModSequence($0) }, vanished: vanished), name: "UID FETCH") { event in
            switch event {
            case .fetch(let fetch):
                if let message = assembler.consume(fetch), let uid = message.uid {
                    updates.append(FlagUpdate(uid: uid, flags: message.flags, modSeq: message.modSeq))
                }
            case .untagged(.vanished(let uids, _)):
                onVanished(uids)
            default:
                break
            }
        }
        return updates
    }
}
