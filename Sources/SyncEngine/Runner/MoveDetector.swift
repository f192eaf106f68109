import IMAPCore

/// Step 8 (*ours*): a message moved between two mailboxes of one side is moved on the other
/// side too, instead of being expunged there and uploaded again. Runs before the mailboxes are
/// synchronised, and only when the listing makes a move possible on a side: one mailbox's
/// HIGHESTMODSEQ moved (something may have vanished) and another's UIDNEXT (something arrived).
struct MoveDetector {
    let session: SyncSession
    let listed: ListedMailboxes
    /// The mailboxes to synchronise, with their record and committed state (nil: first sync).
    let mailboxes: [(name: StoredMailboxName, record: StoredMailbox, state: PerSide<SideState>?)]

    struct Outcome {
        /// Per mailbox and side, the UIDs the moves took away: not news for that mailbox's sync.
        var movedAway: [StoredMailboxName: PerSide<UIDSet?>] = [:]
        /// Per source mailbox, how many were moved on each side.
        var moved: [StoredMailboxName: SideCounts] = [:]
    }

    func detect() async throws -> Outcome {
        var outcome = Outcome()
        for t in Side.allCases {
            try await detect(movedOn: t, into: &outcome)
        }
        return outcome
    }

    /// A candidate source: a mapped message of mailbox `mailbox` that vanished on `t`; its
    /// counterpart on `t.other` is still there and tells what it was.
    private struct Vanished {
        var mailbox: StoredMailboxName
        var pair: UIDPair
    }

    private func detect(movedOn t: Side, into outcome: inout Outcome) async throws {
        let sources = mailboxes.filter { box in
            guard let state = box.state, let status = listed.status(of: box.name) else { return false }
            return status[t].uidValidity == state[t].uidValidity && status[t].highestModSeq != state[t].highestModSeq
        }
        let destinations = mailboxes.filter { box in
            guard let status = listed.entries[t][box.name]?.status else { return false }
            guard let state = box.state else { return status.uidNext > 1 }
            return status.uidValidity == state[t].uidValidity && status.uidNext > state[t].uidNext
        }
        guard !sources.isEmpty, destinations.contains(where: { d in sources.contains { $0.name != d.name } }) else { return }
        let endpoint = session.endpoints[t], other = session.endpoints[t.other]

        // What vanished on t in each source (QRESYNC since the last commit; nothing is changed).
        var vanished: [Vanished] = []
        for source in sources {
            guard let state = source.state else { continue }
            let point = ResyncPoint(uidValidity: state[t].uidValidity, highestModSeq: state[t].highestModSeq,
                                    knownUIDs: state[t].uidNext > 1 ? UIDSet(UID.min...(UID(rawValue: state[t].uidNext - 1) ?? .min)) : nil)
            guard case .resynced(_, let changes) = try await endpoint.select(try session.wireName(source.name, on: t), since: point)
            else { continue }
            let mapping = try session.database.read { try $0.mapping(mailbox: source.record.id) }
            for uid in changes.vanished.uids where uid.rawValue < state[t].uidNext {
                if let pair = mapping.pair(uid, on: t) { vanished.append(Vanished(mailbox: source.name, pair: pair)) }
            }
        }
        guard !vanished.isEmpty else { return }

        // What arrived on t in each destination, unmapped, with its Message-ID and size.
        var appeared: [MessageMatcher.Located] = []
        for destination in destinations {
            let from = destination.state?[t].uidNext ?? 0
            let wire = try session.wireName(destination.name, on: t)
            _ = try await endpoint.select(wire, since: nil)
            let mapping = try session.database.read { try $0.mapping(mailbox: destination.record.id) }
            let lower = UID(rawValue: from) ?? .min
            for summary in try await endpoint.fetchSummaries(ReplicationPlanner.newMessageRange(uidNext: from), fields: [.messageID])
            where summary.uid >= lower && mapping.counterpart(of: summary.uid, on: t) == nil {
                appeared.append(MessageMatcher.Located(mailbox: destination.name, summary: summary))
            }
        }
        guard !appeared.isEmpty else { return }

        // The vanished messages' identities, read from their counterparts on t.other; only
        // those whose Message-ID and size match something that appeared are hashed.
        struct Cheap: Hashable { var id: String?; var size: Int }
        let arrivedKeys = Set(appeared.map { Cheap(id: $0.summary.messageID, size: $0.summary.size) })
        var expunged: [MessageMatcher.Located] = []
        var pairOf: [StoredMailboxName: [UID: UIDPair]] = [:]
        for (mailbox, group) in Dictionary(grouping: vanished, by: \.mailbox) {
            guard let set = UIDSet(uids: group.map { $0.pair[t.other] }) else { continue }
            _ = try await other.select(try session.wireName(mailbox, on: t.other), since: nil)
            let cheap = try await other.fetchSummaries(set, fields: [.messageID])
                .filter { arrivedKeys.contains(Cheap(id: $0.messageID, size: $0.size)) }
            guard let hashed = UIDSet(uids: cheap.map(\.uid)) else { continue }
            for summary in try await other.fetchSummaries(hashed, fields: .identity) {
                expunged.append(MessageMatcher.Located(mailbox: mailbox, summary: summary))
            }
            pairOf[mailbox] = Dictionary(group.map { ($0.pair[t.other], $0.pair) }, uniquingKeysWith: { first, _ in first })
        }
        guard !expunged.isEmpty else { return }
        let expungedKeys = Set(expunged.map { Cheap(id: $0.summary.messageID, size: $0.summary.size) })
        var hashedAppeared: [MessageMatcher.Located] = []
        for (mailbox, group) in Dictionary(grouping: appeared.filter { expungedKeys.contains(Cheap(id: $0.summary.messageID, size: $0.summary.size)) },
                                           by: \.mailbox) {
            guard let set = UIDSet(uids: group.map(\.summary.uid)) else { continue }
            _ = try await endpoint.select(try session.wireName(mailbox, on: t), since: nil)
            for summary in try await endpoint.fetchSummaries(set, fields: .identity) {
                hashedAppeared.append(MessageMatcher.Located(mailbox: mailbox, summary: summary))
            }
        }
        let moves = MessageMatcher.detectMoves(expunged: expunged, appeared: hashedAppeared)
        guard !moves.isEmpty else { return }

        // Replay on t.other, one MOVE per (source, destination), and record the new pairs.
        let ids = Dictionary(mailboxes.map { ($0.name, $0.record.id) }, uniquingKeysWith: { first, _ in first })
        for ((source, destination), group) in Dictionary(grouping: moves, by: { MovePath(from: $0.from.mailbox, to: $0.to.mailbox) })
            .map({ (($0.key.from, $0.key.to), $0.value) }) {
            guard let sourceID = ids[source], let destinationID = ids[destination],
                  let set = UIDSet(uids: group.map(\.from.summary.uid)) else { continue }
            _ = try await other.select(try session.wireName(source, on: t.other), since: nil)
            let result = try await other.move(set, to: try session.wireName(destination, on: t.other))
            session.checkpoint("move")
            let arrivedUID = Dictionary(group.map { ($0.from.summary.uid, $0.to.summary.uid) }, uniquingKeysWith: { first, _ in first })
            var newPairs: [UIDPair] = []
            var gone: [UIDPair] = []
            for (sourceUID, destinationUID) in result.pairs {
                guard let arrived = arrivedUID[sourceUID], let old = pairOf[source]?[sourceUID] else { continue }
                newPairs.append(UIDPair(t, arrived, other: destinationUID))
                gone.append(old)
            }
            try session.database.write { tx in
                if let locals = UIDSet(uids: gone.map(\.local)) {
                    _ = try tx.deleteMappings(mailbox: sourceID, side: .local, uids: locals)
                }
                try tx.insertMappings(mailbox: destinationID, newPairs)
            }
            session.checkpoint("record move")
            var away = outcome.movedAway[source] ?? PerSide(local: nil, remote: nil)
            for side in Side.allCases {
                let uids = UIDSet(uids: gone.map { $0[side] })
                if let uids { away[side] = away[side].map { $0.union(uids) } ?? uids }
            }
            outcome.movedAway[source] = away
            outcome.moved[source, default: SideCounts()][t.other] += gone.count
            report(moves: group, on: t.other, from: source, to: destination, result: result)
            session.logger.info("\(t.other): Moved \(gone.count) message(s) from \(source) to \(destination), as on \(t)")
        }
    }
}

extension MoveDetector {
    /// The replayed moves, to ``SyncRunOptions/changes`` when it observes `side`: the messages'
    /// Message-ID, size and flags were read before the move (a move keeps them).
    private func report(moves: [MessageMatcher.DetectedMove], on side: Side, from source: StoredMailboxName,
                        to destination: StoredMailboxName, result: MoveResult) {
        guard let observer = session.options.changes, observer.sides.contains(side) else { return }
        let moved = Dictionary(moves.map { ($0.from.summary.uid, $0) }, uniquingKeysWith: { first, _ in first })
        let changes = result.pairs.compactMap { sourceUID, destinationUID -> AppliedChange? in
            guard let move = moved[sourceUID] else { return nil }
            var change = AppliedChange(.moved, side: side, mailbox: destination.description, uid: destinationUID,
                                       uidValidity: result.destinationUIDValidity, counterpart: move.to.summary.uid,
                                       counterpartUIDValidity: listed.entries[side.other][destination]?.status?.uidValidity,
                                       messageID: move.from.summary.messageID, size: move.from.summary.size,
                                       flags: move.from.summary.flags)
            change.movedFromMailbox = source.description
            change.movedFromUID = sourceUID
            return change
        }
        if !changes.isEmpty { observer.report(changes) }
    }
}

private struct MovePath: Hashable {
    var from: StoredMailboxName
    var to: StoredMailboxName
}
