import IMAPCore

/// The synchronisation of one mailbox as a state machine: events in (what the endpoints and the
/// database answered), actions out (what to ask them next). It holds the mapping and the
/// counters between steps and decides every commit point; the engine only performs actions,
/// in order, and feeds their outcome back. Written once for both sides.
///
/// Order (InterIMAP's): known messages until settled → commit HIGHESTMODSEQ → new messages,
/// remote first, batch by batch (each batch's pairs committed) until a listing finds nothing
/// → known messages again (not when nothing was copied and they had settled) → commit UIDNEXT
/// and HIGHESTMODSEQ together.
public struct MailboxSyncMachine: Sendable {
    public enum Action: Hashable, Sendable {
        /// `select` on both sides (nil: first sync, no resync point).
        case select(PerSide<ResyncPoint?>)
        /// Insert the mailbox's first state rows (UIDNEXT and HIGHESTMODSEQ 0), commit; answer
        /// ``Event/committed``.
        case recordInitialState(PerSide<UIDValidityValue>)
        /// `pendingChanges()` on both sides; answer ``Event/changes(_:)``.
        case fetchChanges
        /// Expunge on both sides, then delete the plan's pairs in one transaction, then the
        /// flag stores; answer ``Event/applied(_:)`` with the store results in plan order.
        case apply(UpdatePlan)
        /// Commit point 1; answer ``Event/committed``.
        case commitHighestModSeq(PerSide<ModSeqValue>)
        /// `snapshot()` then `fetchSummaries(range)` on each side; answer ``Event/listed(_:uidNext:)``
        /// with the UIDNEXT read *before* the fetch.
        case listNewMessages(PerSide<UIDSet>)
        /// `fetchMessages(uids)` on `from`, appended on `from.other` as one batch, pairs
        /// recorded in one transaction (commit point 2); answer ``Event/appended(_:)``.
        case replicate(from: Side, uids: [UID])
        /// Commit point 3; answer ``Event/committed``.
        case commitSynced(PerSide<MailboxSnapshot>)
        /// The UIDVALIDITY of these sides changed: re-match by content (``MessageMatcher``).
        case rematch([Side])
        case finished
    }

    public enum Event: Sendable {
        case selected(PerSide<SelectResult>)
        case committed
        case changes(PerSide<ChangeSet>)
        case applied(PerSide<[StoreResult]>)
        case listed(PerSide<[MessageSummary]>, uidNext: PerSide<UInt32>)
        case appended([UIDPair])
    }

    public enum MachineError: Error, Hashable, Sendable {
        /// An event that does not answer the last action (a bug in the executor).
        case unexpected(event: String, state: String)
    }

    private enum Phase: Hashable, Sendable {
        case selecting
        case recordingInitialState
        case knownMessages(afterReplication: Bool, awaiting: Awaiting)
        case committingHighestModSeq
        case listing
        case replicating
        case committingSynced
        case finished
    }

    private enum Awaiting: Hashable, Sendable {
        case changes
        case applied(UpdatePlan)
    }

    public private(set) var mapping: UIDMapping
    /// The committed state (nil before the first sync).
    public private(set) var committed: PerSide<SideState>?
    /// Warnings of every round so far, for the log.
    public private(set) var warnings: [SyncWarning] = []

    private let appendLimits: PerSide<AppendBatchLimits>
    private var phase = Phase.selecting
    private var seen = PerSide<ModSeqValue>(local: 0, remote: 0)
    private var knownUIDNext = PerSide<UInt32>(local: 0, remote: 0)
    private var unapplied = UnappliedFlagStores.none
    private var settledModSeq = PerSide<ModSeqValue>(local: 0, remote: 0)
    private var listedUIDNext = PerSide<UInt32>(local: 0, remote: 0)
    private var queue: [(Side, [UID])] = []
    private var appendedThisPass = false
    /// Something was appended on either side in this run.
    private var appendedAny = false
    /// The known messages settled before the first listing (not a first sync).
    private var settledBeforeListing = false

    /// `appendLimits[t]`: how to batch appends *to* side `t` (``AppendBatchLimits/single``
    /// without MULTIAPPEND).
    public init(committed: PerSide<SideState>?, mapping: UIDMapping, appendLimits: PerSide<AppendBatchLimits>) {
        self.committed = committed
        self.mapping = mapping
        self.appendLimits = appendLimits
        if let committed {
            seen = committed.map(\.highestModSeq)
            knownUIDNext = committed.map(\.uidNext)
        }
    }

    public mutating func start() -> Action {
        guard let committed else { return .select(PerSide(local: nil, remote: nil)) }
        return .select(PerSide { side in
            ResyncPoint(uidValidity: committed[side].uidValidity, highestModSeq: committed[side].highestModSeq,
                        knownUIDs: committed[side].uidNext > 1
                            ? UIDSet(UID.min...(UID(rawValue: committed[side].uidNext - 1) ?? .min)) : nil,
                        sample: SequenceMatchSample.of(mappedUIDs: mapping.uids(on: side)))
        })
    }

    /// Pairs the executor found by content before a listing was handed over (a copy whose
    /// pairs a crash left unrecorded): mapped from now on, so never copied again.
    public mutating func adopt(_ pairs: [UIDPair]) {
        for pair in pairs { mapping.insert(pair) }
    }

    /// The batch the next ``Action/replicate(from:uids:)`` will copy when the current one is
    /// appended (nil when none is queued): the executor may fetch it ahead, while the target
    /// answers the current append.
    public var queuedBatch: (from: Side, uids: [UID])? {
        queue.first.map { (from: $0.0, uids: $0.1) }
    }

    public mutating func handle(_ event: Event) throws(MachineError) -> Action {
        switch (phase, event) {
        case (.selecting, .selected(let results)):
            let reset = Side.allCases.filter { if case .uidValidityChanged = results[$0] { true } else { false } }
            if !reset.isEmpty {
                phase = .finished
                return .rematch(reset)
            }
            guard committed != nil else {
                let uidValidity = results.map(\.snapshot.uidValidity)
                committed = uidValidity.map { SideState(uidValidity: $0, uidNext: 0, highestModSeq: 0) }
                phase = .recordingInitialState
                return .recordInitialState(uidValidity)
            }
            guard case .resynced(_, let local) = results.local, case .resynced(_, let remote) = results.remote else {
                throw .unexpected(event: "select without changes although a resync point was given", state: "\(phase)")
            }
            return plan(PerSide(local: local, remote: remote), afterReplication: false)

        case (.recordingInitialState, .committed):
            return listNew()

        case (.knownMessages(let after, .changes), .changes(let changes)):
            return plan(changes, afterReplication: after)

        case (.knownMessages(let after, .applied(let plan)), .applied(let results)):
            for pair in plan.mappingsToDelete { mapping.remove(pair.local, on: .local) }
            unapplied = plan.unapplied(after: results)
            seen = plan.seenModSeq
            phase = .knownMessages(afterReplication: after, awaiting: .changes)
            return .fetchChanges

        case (.committingHighestModSeq, .committed):
            return listNew()

        case (.listing, .listed(let summaries, let uidNext)):
            listedUIDNext = uidNext
            let replication = ReplicationPlanner.plan(newUIDs: summaries.map { $0.map(\.uid) }, mapping: mapping)
            queue = Side.replicationOrder.flatMap { side -> [(Side, [UID])] in
                let wanted = Set(replication.toReplicate[side].uids)
                return AppendBatchPlanner.batches(summaries[side].filter { wanted.contains($0.uid) },
                                                  limits: appendLimits[side.other]).batches.map { (side, $0) }
            }
            appendedThisPass = false
            return nextBatch()

        case (.replicating, .appended(let pairs)):
            for pair in pairs { mapping.insert(pair) }
            appendedThisPass = appendedThisPass || !pairs.isEmpty
            appendedAny = appendedAny || !pairs.isEmpty
            return nextBatch()

        case (.committingSynced, .committed):
            phase = .finished
            return .finished

        default:
            throw .unexpected(event: "\(event)", state: "\(phase)")
        }
    }

    private mutating func plan(_ changes: PerSide<ChangeSet>, afterReplication: Bool) -> Action {
        let input = UpdateRoundInput(mapping: mapping, changes: changes, uidNext: knownUIDNext, seenModSeq: seen,
                                     unapplied: unapplied)
        switch UpdatePlanner.plan(input) {
        case .apply(let plan):
            warnings += plan.warnings
            phase = .knownMessages(afterReplication: afterReplication, awaiting: .applied(plan))
            return .apply(plan)
        case .settled(let modSeq):
            settledModSeq = modSeq
            seen = modSeq
            if afterReplication { return commitSynced() }
            settledBeforeListing = true
            if let committed, committed.map(\.highestModSeq) != modSeq {
                phase = .committingHighestModSeq
                return .commitHighestModSeq(modSeq)
            }
            return listNew()
        }
    }

    /// From the committed UIDNEXT; after a pass that appended, from the UIDNEXT read before its
    /// listing: everything below it was listed and copied (or skipped) already, so a first sync
    /// does not list the whole mailbox again only to find it mapped.
    private mutating func listNew(after previous: PerSide<UInt32>? = nil) -> Action {
        phase = .listing
        let from = previous ?? committed.map { $0.map(\.uidNext) } ?? PerSide(local: 0, remote: 0)
        return .listNewMessages(from.map { ReplicationPlanner.newMessageRange(uidNext: $0) })
    }

    private mutating func nextBatch() -> Action {
        guard queue.isEmpty else {
            let (side, uids) = queue.removeFirst()
            phase = .replicating
            return .replicate(from: side, uids: uids)
        }
        if appendedThisPass { return listNew(after: listedUIDNext) }
        // Nothing more to copy: what was listed is known now; updates may have come meanwhile.
        knownUIDNext = listedUIDNext
        // Nothing was copied and the known messages settled before the listing: another round
        // could only find changes made since, which are above the HIGHESTMODSEQ committed now,
        // so the next run finds them. A no-op or flags-only run saves a round trip per mailbox.
        if !appendedAny, settledBeforeListing { return commitSynced() }
        phase = .knownMessages(afterReplication: true, awaiting: .changes)
        return .fetchChanges
    }

    /// Commit point 3: the UIDNEXT read before the last listing, the last settled HIGHESTMODSEQ.
    private mutating func commitSynced() -> Action {
        phase = .committingSynced
        return .commitSynced(PerSide { side in
            MailboxSnapshot(uidValidity: committed?[side].uidValidity ?? 1, uidNext: listedUIDNext[side],
                            highestModSeq: settledModSeq[side])
        })
    }
}
