import IMAPCore

extension MailboxSyncDriver {
    /// `--repair` for this mailbox: a full comparison (``RepairPlanner``), its fixes applied,
    /// then a normal synchronisation (which copies what is new and commits).
    mutating func repair() async throws {
        guard let committed = try session.database.read({ try $0.state(mailbox: id) }) else { return }
        let mapping = try session.database.read { try $0.mapping(mailbox: id) }
        let wire = self.wire
        let selected = try await session.both { side, endpoint in try await endpoint.select(wire[side], since: nil) }
        let present = try await session.both { _, endpoint -> [UID: MessageSummary] in
            let found = try await endpoint.fetchSummaries(Self.everything, fields: [.internalDate])
            return Dictionary(found.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let plan = RepairPlanner.plan(mapping: mapping, present: present, committed: committed, mailbox: name.description)
        if !plan.mappingsToDelete.isEmpty, let locals = UIDSet(uids: plan.mappingsToDelete.map(\.local)) {
            try session.database.write { _ = try $0.deleteMappings(mailbox: id, side: .local, uids: locals) }
            session.checkpoint("repair: delete pairs")
        }
        // Conditional on what the select reported: a change made meanwhile is not overwritten.
        _ = try await store(PerSide { side in
            plan.flagStores[side].map { FlagStoreRequest(uids: $0.uids, flags: $0.flags,
                                                         unchangedSince: selected[side].snapshot.highestModSeq) }
        })
        summary.conflicts += plan.conflicts.count
        summary.warnings += plan.warnings
        for warning in plan.warnings { session.logger.warning("\(warning)") }
        // Unmapped on both sides yet the same message (lost pairs): paired again, not copied
        // (interimap copies them, "which in the worst case might yield a message duplicate").
        let found = try await pairByContent(PerSide { side in plan.copies[side].compactMap { present[side][$0] } })
        if !found.isEmpty {
            try session.database.write { try $0.insertMappings(mailbox: id, found) }
            session.checkpoint("repair: record found pairs")
            summary.warnings.append("\(found.count) unmapped message(s) found on both sides: paired again")
        }
        let paired = PerSide { side in Set(found.map { $0[side] }) }
        for source in Side.replicationOrder {
            let messages = plan.copies[source].filter { !paired[source].contains($0) }.compactMap { present[source][$0] }
            let limits = session.appendLimits[source.other]
            for batch in AppendBatchPlanner.batches(messages, limits: limits).batches {
                let progress = self.progress
                let copied = try await MessageCopier.copy(batch, from: source, in: session) { progress.messageStarted(bytes: $0) }
                session.checkpoint("repair: append")
                try session.database.write { try $0.insertMappings(mailbox: id, copied.pairs) }
                session.checkpoint("repair: record pairs")
                summary.copied[source.other] += copied.pairs.count
                summary.bytes += copied.bytes
            }
        }
        try await run()
    }
}
