import IMAPCore

extension MailboxSyncDriver {
    /// Every UID of a mailbox (`1:*`).
    static var everything: UIDSet { UIDSet(UID.min...UID.max) }

    /// Step 3: the last run recorded pairs at or above the committed UIDNEXT and stopped.
    /// Those pairs are checked, not copied again: a pair that lost a message loses the other,
    /// survivors with different flags get the union.
    mutating func recoverInterruptedRun() async throws {
        let pairs = try session.database.read { try $0.pairsAboveCommittedUIDNext(mailbox: id) }
        guard !pairs.isEmpty else { return }
        session.logger.info("\(name): Resuming interrupted sync (\(pairs.count) pair(s) to check)")
        let wire = self.wire
        let selected = try await session.both { side, endpoint in try await endpoint.select(wire[side], since: nil) }
        uidValidities = selected.map { $0.snapshot.uidValidity }
        let sets = PerSide { side in UIDSet(uids: pairs.map { $0[side] }) }
        let present = try await session.both { side, endpoint -> [UID: FlagList] in
            guard let set = sets[side] else { return [:] }
            let found = try await endpoint.fetchSummaries(set, fields: [])
            return Dictionary(found.map { ($0.uid, $0.flags) }, uniquingKeysWith: { first, _ in first })
        }
        let plan = InterruptedRunPlanner.plan(pairs: pairs, present: present,
                                              unchangedSince: selected.map(\.snapshot.highestModSeq))
        try await expunge(plan.expunges)
        if !plan.mappingsToDelete.isEmpty, let locals = UIDSet(uids: plan.mappingsToDelete.map(\.local)) {
            try session.database.write { _ = try $0.deleteMappings(mailbox: id, side: .local, uids: locals) }
            session.checkpoint("delete interrupted pairs")
        }
        _ = try await store(plan.flagStores)
        summary.conflicts += plan.conflicts.count
        summary.warnings += plan.warnings.compactMap {
            if case .flagConflict = $0 { return nil }
            return $0.description
        }
    }

    /// Step 7 (*ours*; interimap stops): the UIDVALIDITY of `sides` changed. Both sides'
    /// messages are re-matched by Message-ID, size, internal date and SHA-256; the mapping is
    /// replaced by the matches, and both UIDNEXTs go back to 0 so that the next pass of the
    /// machine copies exactly the unmatched messages each way (the matched ones are mapped).
    /// Matched messages whose flags differ get the union.
    mutating func rematch(_ sides: [Side], committed: PerSide<SideState>, selected: PerSide<SelectResult>) async throws {
        let found = try await session.both { _, endpoint in
            try await endpoint.fetchSummaries(Self.everything, fields: .identity)
        }
        let changed: Side = sides.contains(.remote) ? .remote : .local
        let result = MessageMatcher.rematch(changed: changed, current: found[changed], other: found[changed.other])
        let snapshots = selected.map(\.snapshot)
        try session.database.write { tx in
            _ = try tx.deleteMappings(mailbox: id, side: .local, uids: Self.everything)
            for side in sides { try tx.resetSide(side, mailbox: id, uidValidity: snapshots[side].uidValidity) }
            try tx.insertMappings(mailbox: id, result.pairs)
            // UIDNEXT 0: everything is listed again, and only the unmapped is copied.
            try tx.commitSynced(mailbox: id, snapshots.map {
                MailboxSnapshot(uidValidity: $0.uidValidity, uidNext: 0, highestModSeq: $0.highestModSeq)
            })
        }
        session.checkpoint("rematch")
        let flags = found.map { Dictionary($0.map { ($0.uid, $0.flags) }, uniquingKeysWith: { first, _ in first }) }
        let plan = InterruptedRunPlanner.plan(pairs: result.pairs, present: flags,
                                              unchangedSince: snapshots.map(\.highestModSeq))
        _ = try await store(plan.flagStores)
        summary.conflicts += plan.conflicts.count
        summary.rematched += result.pairs.count
        let was = sides.map { "\($0) \(committed[$0].uidValidity) → \(snapshots[$0].uidValidity)" }.joined(separator: ", ")
        let note = "UIDVALIDITY changed (\(was)): \(result.pairs.count) message(s) re-matched by content, "
            + "\(result.unmatched.local.count) local and \(result.unmatched.remote.count) remote unmatched (copied to the other side)"
        summary.warnings.append(note)
        session.logger.warning("\(name): \(note)")
    }
}
