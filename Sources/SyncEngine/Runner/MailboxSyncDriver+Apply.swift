import IMAPCore

extension MailboxSyncDriver {
    /// A round of step 5: expunges on both sides, then (only once both succeeded) the pairs
    /// deleted in one transaction, then the conditional flag stores, one per flag list. The
    /// stores never name an expunged message (an expunge wins over a flag change), so they are
    /// sent with the expunges rather than after them: one round trip less per round. A crash
    /// before the pairs are deleted leaves stores that the next run finds made on both sides.
    mutating func apply(_ plan: UpdatePlan) async throws -> PerSide<[StoreResult]> {
        let before = try await startExpunges(plan.expunges)
        let session = self.session
        async let stored = Self.sendStores(plan.flagStores, in: session)
        try await recordExpunges(Self.sendExpunges(plan.expunges, in: session), before: before)
        if !plan.mappingsToDelete.isEmpty, let locals = UIDSet(uids: plan.mappingsToDelete.map(\.local)) {
            try session.database.write { _ = try $0.deleteMappings(mailbox: id, side: .local, uids: locals) }
            session.checkpoint("delete pairs")
        }
        let results = try await recordStores(plan.flagStores, results: stored)
        summary.conflicts += plan.conflicts.count
        for conflict in plan.conflicts { session.logger.warning("\(name): \(SyncWarning.flagConflict(conflict))") }
        return results
    }

    func hasExpunges(_ expunges: PerSide<UIDSet?>) -> Bool { expunges.local != nil || expunges.remote != nil }

    mutating func expunge(_ expunges: PerSide<UIDSet?>) async throws {
        let before = try await startExpunges(expunges)
        try await recordExpunges(Self.sendExpunges(expunges, in: session), before: before)
    }

    /// Each side's stores in order (one request per side, pipelined); both sides at once.
    mutating func store(_ stores: PerSide<[FlagStoreRequest]>) async throws -> PerSide<[StoreResult]> {
        try await recordStores(stores, results: Self.sendStores(stores, in: session))
    }

    /// Marks the UIDs as ours (not news) and reads what an observer will be told, before the
    /// messages are gone (nil: no expunge).
    private mutating func startExpunges(_ expunges: PerSide<UIDSet?>) async throws -> PerSide<[UID: MessageSummary]>? {
        guard hasExpunges(expunges) else { return nil }
        for side in Side.allCases {
            if let uids = expunges[side] { ownExpunges[side] = ownExpunges[side].map { $0.union(uids) } ?? uids }
        }
        var before = PerSide<[UID: MessageSummary]>(local: [:], remote: [:])
        for side in Side.allCases { before[side] = try await observedSummaries(expunges[side], on: side) }
        return before
    }

    private static func sendExpunges(_ expunges: PerSide<UIDSet?>, in session: SyncSession) async throws -> PerSide<UIDSet?> {
        guard expunges.local != nil || expunges.remote != nil else { return PerSide(local: nil, remote: nil) }
        return try await session.both { side, endpoint -> UIDSet? in
            guard let uids = expunges[side] else { return nil }
            return try await endpoint.expunge(uids)
        }
    }

    private mutating func recordExpunges(_ done: PerSide<UIDSet?>, before: PerSide<[UID: MessageSummary]>?) throws {
        guard let before else { return }
        for side in Side.allCases {
            guard let gone = done[side], gone.count > 0 else { continue }
            summary.expunged[side] += gone.count
            session.logger.info("\(side)(\(name)): Removed \(gone.count) UID(s)")
            if observes(side) {
                let removed = before[side].values.filter { gone.contains($0.uid) }
                report(.expunged, on: side, removed, counterparts: try counterparts(removed.map(\.uid), on: side))
            }
        }
        session.checkpoint("expunge")
    }

    private static func sendStores(_ stores: PerSide<[FlagStoreRequest]>, in session: SyncSession) async throws -> PerSide<[StoreResult]> {
        guard !stores.local.isEmpty || !stores.remote.isEmpty else { return PerSide(local: [], remote: []) }
        return try await session.both { side, endpoint -> [StoreResult] in
            stores[side].isEmpty ? [] : try await endpoint.storeFlags(stores[side])
        }
    }

    private mutating func recordStores(_ stores: PerSide<[FlagStoreRequest]>,
                                       results: PerSide<[StoreResult]>) async throws -> PerSide<[StoreResult]> {
        guard !stores.local.isEmpty || !stores.remote.isEmpty else { return results }
        for side in Side.allCases {
            let changed = zip(stores[side], results[side]).reduce(0) { sum, item in
                sum + item.0.uids.count - (item.1.modified.map { item.0.uids.intersection($0)?.count ?? 0 } ?? 0)
            }
            if changed > 0 {
                summary.flagsUpdated[side] += changed
                session.logger.info("\(side)(\(name)): Updated flags for \(changed) UID(s)")
            }
            if changed > 0, observes(side) {
                let stored = zip(stores[side], results[side]).compactMap { request, result -> UIDSet? in
                    guard let modified = result.modified else { return request.uids }
                    return request.uids.subtracting(modified)
                }
                let now = try await observedSummaries(stored.reduce(UIDSet?.none) { $0?.union($1) ?? $1 }, on: side)
                report(.flags, on: side, now.values, counterparts: try counterparts(now.keys, on: side))
            }
        }
        session.checkpoint("store flags")
        return results
    }

    /// Step 6's listing: each side's UIDNEXT, then its messages from the committed UIDNEXT up
    /// to (not including) that UIDNEXT. Before handing them to the machine, new messages that
    /// exist on both sides unpaired — a copy a crash left unrecorded — are paired by content
    /// (*ours*: interimap would copy them again).
    mutating func listNew(_ ranges: PerSide<UIDSet>,
                          machine: inout MailboxSyncMachine) async throws -> MailboxSyncMachine.Event {
        let listed = try await session.both { side, endpoint -> (UInt32, [MessageSummary]) in
            let uidNext = try await endpoint.snapshot().uidNext
            let lower = ranges[side].lowest
            guard lower.rawValue < uidNext else { return (uidNext, []) }
            let found = try await endpoint.fetchSummaries(ranges[side], fields: [.internalDate])
            // `n:*` answers the last message even below n; and what came after UIDNEXT waits.
            return (uidNext, found.filter { $0.uid >= lower && $0.uid.rawValue < uidNext })
        }
        let summaries = listed.map(\.1)
        let mapping = machine.mapping
        let adopted = try await pairByContent(PerSide { side in
            summaries[side].filter { mapping.counterpart(of: $0.uid, on: side) == nil }
        })
        if !adopted.isEmpty {
            try session.database.write { try $0.insertMappings(mailbox: id, adopted) }
            session.checkpoint("record found pairs")
            machine.adopt(adopted)
            summary.warnings.append("\(adopted.count) new message(s) found on both sides unpaired (an interrupted copy): paired, not copied again")
        }
        let plan = ReplicationPlanner.plan(newUIDs: summaries.map { $0.map(\.uid) }, mapping: machine.mapping)
        for side in Side.allCases {
            let wanted = Set(plan.toReplicate[side].uids)
            let copying = summaries[side].filter { wanted.contains($0.uid) && $0.size > 0 }
            progress.plan(messages: copying.count, bytes: copying.reduce(0) { $0 + $1.size })
        }
        return .listed(summaries, uidNext: listed.map(\.0))
    }

    /// Messages of both sides with the same size and internal date are compared by Message-ID
    /// and SHA-256 (only those: a normal run has none) and paired one to one.
    func pairByContent(_ unmapped: PerSide<[MessageSummary]>) async throws -> [UIDPair] {
        struct Key: Hashable { var size: Int; var date: Int64? }
        func key(_ s: MessageSummary) -> Key { Key(size: s.size, date: s.internalDate?.secondsSince1970) }
        let keys = unmapped.map { Set($0.map(key)) }
        let common = keys.local.intersection(keys.remote)
        guard !common.isEmpty else { return [] }
        let candidates = PerSide { side in UIDSet(uids: unmapped[side].filter { common.contains(key($0)) }.map(\.uid)) }
        guard let local = candidates.local, let remote = candidates.remote else { return [] }
        let sets = PerSide(local: local, remote: remote)
        let identities = try await session.both { side, endpoint in
            try await endpoint.fetchSummaries(sets[side], fields: .identity)
        }
        return MessageMatcher.rematch(changed: .remote, current: identities.remote, other: identities.local).pairs
    }
}
