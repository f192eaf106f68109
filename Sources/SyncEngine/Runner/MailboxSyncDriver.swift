import IMAPCore

/// Steps 4–7 for one mailbox: drives ``MailboxSyncMachine`` to `.finished`, performing each
/// action on the endpoints and the database and feeding the outcome back. The machine decides;
/// this only executes (and counts what it did for the summary).
struct MailboxSyncDriver {
    let session: SyncSession
    let id: Int64
    let name: StoredMailboxName
    let wire: PerSide<MailboxName>
    var summary: SyncSummary
    let progress: CopyProgress
    /// What this run expunged (or moved away) in the mailbox on each side: not news for it.
    var ownExpunges = PerSide<UIDSet?>(local: nil, remote: nil)
    /// Each side's UIDVALIDITY as last selected (for the changes reported).
    var uidValidities = PerSide<UIDValidityValue?>(local: nil, remote: nil)
    /// The next batch's FETCH, sent while the current batch's APPEND is answered.
    var fetchAhead: FetchAhead?

    init(session: SyncSession, id: Int64, name: StoredMailboxName, summary: SyncSummary) throws(SyncRunError) {
        self.session = session
        self.id = id
        self.name = name
        self.wire = PerSide(local: try session.wireName(name, on: .local), remote: try session.wireName(name, on: .remote))
        self.summary = summary
        self.progress = CopyProgress(mailbox: name.description, report: session.options.progress)
    }

    /// A UIDVALIDITY can change again while we re-match (a mailbox being recreated): give up
    /// after a few rounds rather than loop.
    private static let maxRematches = 3

    mutating func run() async throws {
        for _ in 0...Self.maxRematches {
            let (state, mapping) = try session.database.read { tx in
                (try tx.state(mailbox: id), try tx.mapping(mailbox: id))
            }
            var machine = MailboxSyncMachine(committed: state, mapping: mapping, appendLimits: session.appendLimits)
            var action = machine.start()
            var selected: PerSide<SelectResult>?
            while true {
                switch action {
                case .finished:
                    summary.warnings += machine.warnings.compactMap(Self.logged)
                    session.options.mailboxSynced?(name.description)
                    return
                case .rematch(let sides):
                    guard let state, let selected else {
                        throw MailboxSyncMachine.MachineError.unexpected(event: "rematch", state: "no committed state")
                    }
                    try await rematch(sides, committed: state, selected: selected)
                default:
                    let event = try await perform(action, machine: &machine)
                    if case .selected(let results) = event { selected = results }
                    action = try machine.handle(event)
                    continue
                }
                break
            }
        }
        throw SyncRunError.uidValidityKeepsChanging(mailbox: name.description)
    }

    /// Warnings other than conflicts (those are counted) go to the summary.
    private static func logged(_ warning: SyncWarning) -> String? {
        if case .flagConflict = warning { return nil }
        return warning.description
    }

    private mutating func perform(_ action: MailboxSyncMachine.Action,
                                  machine: inout MailboxSyncMachine) async throws -> MailboxSyncMachine.Event {
        let wire = self.wire
        switch action {
        case .select(let points):
            var results = try await session.both { side, endpoint in
                try await endpoint.select(wire[side], since: points[side])
            }
            for side in Side.allCases {
                if case .resynced(let snapshot, var changes) = results[side], let ours = ownExpunges[side],
                   let vanished = changes.vanished {
                    changes.vanished = vanished.subtracting(ours)
                    results[side] = .resynced(snapshot, changes)
                }
            }
            uidValidities = results.map { $0.snapshot.uidValidity }
            return .selected(results)

        case .recordInitialState(let uidValidity):
            try session.database.write { try $0.insertInitialState(mailbox: id, uidValidity: uidValidity) }
            session.checkpoint("initial state")
            return .committed

        case .fetchChanges:
            var changes = try await session.both { _, endpoint in try await endpoint.pendingChanges() }
            // Our own expunges are not news (an endpoint may echo their VANISHED): without this
            // the planner would warn about UIDs it just removed from the mapping.
            for side in Side.allCases {
                if let ours = ownExpunges[side], let vanished = changes[side].vanished {
                    changes[side].vanished = vanished.subtracting(ours)
                }
            }
            return .changes(changes)

        case .apply(let plan):
            return .applied(try await apply(plan))

        case .commitHighestModSeq(let modSeq):
            try session.database.write { try $0.commitHighestModSeq(mailbox: id, modSeq) }
            session.checkpoint("commit HIGHESTMODSEQ")
            return .committed

        case .listNewMessages(let ranges):
            return try await listNew(ranges, machine: &machine)

        case .replicate(let from, let uids):
            let progress = self.progress
            let fetched = fetchAhead?.take(side: from, uids: uids)
            fetchAhead = machine.queuedBatch.flatMap { next in next.from == from ? FetchAhead(side: from, uids: next.uids) : nil }
            let copied = try await MessageCopier.copy(uids, from: from, in: session, fetched: fetched, ahead: fetchAhead) {
                progress.messageStarted(bytes: $0)
            }
            session.checkpoint("append")
            if !copied.pairs.isEmpty {
                try session.database.write { try $0.insertMappings(mailbox: id, copied.pairs) }
                session.checkpoint("record pairs")
            }
            if observes(from.other) {
                let appended = try await observedSummaries(UIDSet(uids: copied.pairs.map { $0[from.other] }), on: from.other)
                report(.new, on: from.other, appended.values,
                       counterparts: Dictionary(copied.pairs.map { ($0[from.other], $0[from]) }, uniquingKeysWith: { a, _ in a }))
            }
            summary.copied[from.other] += copied.pairs.count
            summary.bytes += copied.bytes
            session.logger.info("\(from.other)(\(name)): Added \(copied.pairs.count) UID(s)")
            return .appended(copied.pairs)

        case .commitSynced(let snapshots):
            try session.database.write { try $0.commitSynced(mailbox: id, snapshots) }
            session.checkpoint("commit UIDNEXT")
            return .committed

        case .rematch, .finished:
            throw MailboxSyncMachine.MachineError.unexpected(event: "\(action)", state: "executor")
        }
    }
}
