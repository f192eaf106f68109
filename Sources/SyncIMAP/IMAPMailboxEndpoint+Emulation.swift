import IMAPClient
import IMAPCore
import SyncEngine

/// The fallback mode (docs/sync.md, "Servers without CONDSTORE/QRESYNC"): for a mailbox without
/// modseqs the endpoint answers as QRESYNC would, from a whole `UID FETCH 1:* (FLAGS)` compared
/// with its snapshot (``FlagSnapshotDiff``), and keeps that snapshot true to what the engine did:
/// its own stores and expunges, the flags of the messages it copied. Nothing of it is visible
/// to the engine, which sees modseqs as from any server.
extension IMAPMailboxEndpoint {
    typealias StoredSnapshot = (FlagSnapshotMailbox, [UID: FlagSnapshotEntry], [UID: ModSeqValue])

    /// SELECT without modseqs (`selection` when a QRESYNC SELECT already found `[NOMODSEQ]`).
    func emulatedSelect(_ mailbox: MailboxName, since point: ResyncPoint?, stored: StoredSnapshot?,
                        selection given: MailboxSelection?) async throws -> SelectResult {
        guard let tables = fallback else { throw MailboxEndpointError.noModSequences(mailbox: mailbox) }
        let selection: MailboxSelection
        if let given { selection = given } else { selection = try await open(mailbox, qresync: nil) }
        events.reset(through: selection.eventsDelivered)
        guard let validity = selection.uidValidity?.rawValue else {
            throw IMAPEndpointError.unexpectedResponse("SELECT \(mailbox) did not report UIDVALIDITY")
        }
        // A first select compares nothing: SELECT's UIDNEXT is all it needs (RFC 3501 requires it).
        let compared = point != nil || selection.uidNext == nil
        let current = selection.exists > 0 && compared
            ? try await currentFlags(of: UIDSet(UID.min...UID.max), afterNoop: false) : [:]
        let highest = current.keys.max()?.rawValue ?? 0
        let uidNext = max(selection.uidNext?.rawValue ?? 1, highest < UInt32.max ? highest + 1 : highest)
        let since = point?.highestModSeq ?? 0
        let sameValidity = point.map { $0.uidValidity == validity } ?? false
        var found = stored
        if found == nil { found = try renamedSnapshot(to: mailbox, uidValidity: validity) }

        var record: FlagSnapshotMailbox
        var seen: [UID: FlagSnapshotEntry]?
        var vanished: [UID: ModSeqValue] = [:]
        if let (kept, flags, gone) = found, kept.uidValidity == validity, since <= kept.highestModSeq {
            (record, seen, vanished) = (kept, flags, gone)
        } else {
            // Nothing to compare with: a new record whose counter is above any modseq the engine
            // holds (its committed one may be the server's, from before the mailbox lost them).
            record = try tables.reset(mailbox: mailbox.raw, uidValidity: validity,
                                      highestModSeq: max(1, since, found?.0.highestModSeq ?? 0))
            seen = sameValidity ? nil : [:]
        }
        let known = point?.knownUIDs.map { $0.highest.rawValue &+ 1 }
        let bound = known ?? uidNext
        let result: SelectResult
        if let point, sameValidity {
            let outcome = FlagSnapshotDiff(seen: seen, vanished: vanished, counter: record.highestModSeq)
                .resync(current: current, since: point.highestModSeq, bound: bound, knownUIDs: point.knownUIDs)
            record.highestModSeq = outcome.counter
            try tables.apply(outcome.update, mailbox: record)
            seen = outcome.seen
            result = .resynced(MailboxSnapshot(uidValidity: validity, uidNext: uidNext, highestModSeq: record.highestModSeq),
                               outcome.changes)
        } else {
            let snapshot = MailboxSnapshot(uidValidity: validity, uidNext: uidNext, highestModSeq: record.highestModSeq)
            result = point == nil ? .fresh(snapshot) : .uidValidityChanged(snapshot)
        }
        let emulated = EmulatedMailbox(record: record, seen: seen ?? [:], newFrom: sameValidity ? known ?? 0 : 0)
        state.withLock { $0.selected = .init(name: mailbox, updateBound: max(bound, 1), emulated: emulated) }
        return result
    }

    /// A RENAME on the server keeps UIDs and UIDVALIDITY: the one snapshot with this UIDVALIDITY
    /// under a name the last listing no longer had is this mailbox's.
    private func renamedSnapshot(to mailbox: MailboxName, uidValidity: UIDValidityValue) throws -> StoredSnapshot? {
        guard let tables = fallback else { return nil }
        let listed = state.withLock { $0.listed }
        guard !listed.isEmpty else { return nil }
        let candidates = try tables.mailboxes().filter {
            $0.value.uidValidity == uidValidity && !listed.contains(MailboxName(raw: $0.key))
        }
        guard candidates.count == 1, let old = candidates.first?.key else { return nil }
        try tables.rename(mailbox: old, to: mailbox.raw)
        return try tables.load(mailbox: mailbox.raw)
    }

    /// Without modseqs the server pushes nothing the engine could use: another writer's change
    /// during the run is found by the next run's comparison (the snapshot still has the old
    /// flags). What is reported here are the UIDs a store found changed (MODIFIED), read again.
    func emulatedPendingChanges(_ selected: EndpointState.Selected, _ emulated: EmulatedMailbox) async throws -> ChangeSet {
        _ = try await events.drain()
        updateSelected { $0.modified = nil }
        var changes = ChangeSet(highestModSeq: emulated.record.highestModSeq)
        guard let modified = selected.modified?.below(selected.updateBound) else { return changes }
        let current = try await currentFlags(of: modified)
        try recordSnapshot { mailbox, update, next in
            for uid in modified {
                if let flags = current[uid] {
                    if let entry = mailbox.seen[uid], entry.flags == flags {
                        changes.flagChanges[uid] = FlagChange(flags: flags, modSeq: entry.modSeq)
                    } else {
                        mailbox.seen[uid] = FlagSnapshotEntry(flags: flags, modSeq: next)
                        update.flags.append((uid, FlagSnapshotEntry(flags: flags, modSeq: next)))
                        changes.flagChanges[uid] = FlagChange(flags: flags, modSeq: next)
                    }
                } else if mailbox.seen.removeValue(forKey: uid) != nil {
                    update.vanished.append(uid)
                }
            }
        }
        changes.vanished = UIDSet(uids: modified.filter { current[$0] == nil })
        changes.highestModSeq = try selectedState().emulated?.record.highestModSeq ?? changes.highestModSeq
        return changes
    }

    /// A conditional store without UNCHANGEDSINCE: the messages' flags are read first, and one
    /// that differs from the snapshot (another writer changed it), or whose snapshot modseq is
    /// above `unchangedSince`, is refused as MODIFIED; the others are stored. A change made
    /// between that read and the store is overwritten: the one race the mode cannot close.
    func emulatedStore(_ request: FlagStoreRequest, _ emulated: EmulatedMailbox) async throws -> SyncEngine.StoreResult {
        let current = try await currentFlags(of: request.uids)
        var storing: [UID] = []
        var modified: [UID] = []
        for uid in request.uids {
            let unchanged = emulated.seen[uid].map { entry in
                current[uid] == entry.flags && entry.modSeq <= (request.unchangedSince ?? .max)
            } ?? (current[uid] != nil)
            if unchanged { storing.append(uid) } else { modified.append(uid) }
        }
        if let set = UIDSet(uids: storing) {
            let pending = set.chunked().map { session.uidStore($0, .replace(request.flags.flags), silent: true) }
            for store in pending { _ = try await store.value }
        }
        try recordSnapshot { mailbox, update, next in
            for uid in storing {
                let entry = FlagSnapshotEntry(flags: request.flags, modSeq: next)
                mailbox.seen[uid] = entry
                update.flags.append((uid, entry))
            }
        }
        let refused = UIDSet(uids: modified)
        updateSelected { $0.modified = $0.modified.adding(refused) }
        return SyncEngine.StoreResult(modified: refused)
    }

    /// Our own expunges (and moves away) leave the snapshot with a vanished record, as a
    /// server's own modseq would count them.
    func recordVanished(_ uids: UIDSet) throws {
        try recordSnapshot { mailbox, update, _ in
            for uid in uids {
                mailbox.seen[uid] = nil
                update.vanished.append(uid)
            }
        }
    }

    /// The flags of messages new to the engine as it fetched or appended them: what the other
    /// side holds once copied, so not a change the next run should report (modseq 0).
    func recordFirstSeen(_ messages: [(UID, FlagList)]) throws {
        try recordSnapshot { mailbox, update, _ in
            for (uid, flags) in messages where uid.rawValue >= mailbox.newFrom {
                let entry = FlagSnapshotEntry(flags: flags, modSeq: 0)
                mailbox.seen[uid] = entry
                update.flags.append((uid, entry))
            }
        }
    }

    /// Changes the selected mailbox's snapshot in memory and in the tables, in one transaction
    /// with its counter (bumped to `next` whenever something is recorded).
    func recordSnapshot(_ body: (inout EmulatedMailbox, inout FlagSnapshotTables.Update, ModSeqValue) -> Void) throws {
        guard let tables = fallback, var mailbox = state.withLock({ $0.selected?.emulated }) else { return }
        let next = mailbox.record.highestModSeq + 1
        var update = FlagSnapshotTables.Update()
        update.vanishedModSeq = next
        body(&mailbox, &update, next)
        guard !update.isEmpty else { return }
        mailbox.record.highestModSeq = next
        try tables.apply(update, mailbox: mailbox.record)
        let changed = mailbox
        updateSelected { $0.emulated = changed }
    }

    /// `UID FETCH set (UID FLAGS)`, chunks pipelined: the flags of the messages present. After
    /// a NOOP unless just selected: a server may only take in other sessions' changes there
    /// (Dovecot does not on FETCH).
    func currentFlags(of set: UIDSet, afterNoop: Bool = true) async throws -> [UID: FlagList] {
        var flags: [UID: FlagList] = [:]
        let noop = afterNoop ? session.noop() : nil
        let pending = set.chunked().map { session.uidFetchFlags($0, changedSince: nil) }
        try await noop?.value
        for fetch in pending {
            for update in try await fetch.value.updates { flags[update.uid] = FlagList(wire: update.flags) }
        }
        return flags
    }

    /// The selected mailbox is emulated.
    var emulatedSelection: EmulatedMailbox? { state.withLock { $0.selected?.emulated } }
}
