import IMAPClient
import IMAPCore
import SyncEngine

extension IMAPMailboxEndpoint {
    /// `SELECT m (QRESYNC (uidvalidity modseq known-uids (seqs uids)))`: VANISHED (EARLIER) and
    /// FETCH (UID FLAGS MODSEQ) since the resync point; `[NOMODSEQ]` → `.noModSequences`.
    public func select(_ mailbox: MailboxName, since point: ResyncPoint?) async throws -> SelectResult {
        try await session.enableSettled()
        // The fallback mode keeps emulating a mailbox it has a snapshot of: its committed
        // HIGHESTMODSEQ is one of ours, not the server's.
        let stored = try fallback?.load(mailbox: mailbox.raw)
        if fallback != nil, stored != nil || !session.enabled.contains(.qresync) {
            return try await emulatedSelect(mailbox, since: point, stored: stored, selection: nil)
        }
        // Without QRESYNC enabled the session would drop the parameters: never report "no changes".
        if point != nil, !session.enabled.contains(.qresync) { throw MailboxEndpointError.missingCapability("QRESYNC") }
        var qresync: QResyncParameters?
        if let point, point.highestModSeq > 0, let validity = UIDValidity(rawValue: point.uidValidity) {
            qresync = QResyncParameters(
                uidValidity: validity, modSeq: ModSequence(point.highestModSeq), knownUIDs: point.knownUIDs,
                sequenceMatch: point.sample.map { SequenceMatch(sequenceNumbers: SequenceSet($0.sequenceNumbers), uids: $0.uids) })
        }
        let selection = try await open(mailbox, qresync: qresync)
        if selection.noModSeq, fallback != nil {
            return try await emulatedSelect(mailbox, since: point, stored: nil, selection: selection)
        }
        // Events from before this SELECT describe another mailbox.
        events.reset(through: selection.eventsDelivered)
        if selection.noModSeq { throw MailboxEndpointError.noModSequences(mailbox: mailbox) }
        guard let validity = selection.uidValidity, let uidNext = selection.uidNext,
              let highestModSeq = selection.highestModSeq, !highestModSeq.isZero else {
            throw IMAPEndpointError.unexpectedResponse("SELECT \(mailbox) did not report UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ")
        }
        let snapshot = MailboxSnapshot(uidValidity: validity.rawValue, uidNext: uidNext.rawValue,
                                       highestModSeq: highestModSeq.rawValue)
        let bound = point?.knownUIDs.map { $0.highest.rawValue &+ 1 } ?? uidNext.rawValue
        state.withLock { $0.selected = .init(name: mailbox, updateBound: max(bound, 1)) }
        guard let point else { return .fresh(snapshot) }
        guard point.uidValidity == validity.rawValue else { return .uidValidityChanged(snapshot) }
        var changes = ChangeSet(highestModSeq: snapshot.highestModSeq)
        if qresync != nil {
            var vanished: UIDSet?
            for set in selection.vanished { vanished = vanished.map { $0.union(set) } ?? set }
            changes.vanished = vanished?.below(bound)
            for update in selection.changed where update.uid.rawValue < bound {
                changes.flagChanges[update.uid] = FlagChange(flags: FlagList(wire: update.flags),
                                                             modSeq: update.modSeq.value)
            }
        } else if let known = point.knownUIDs {
            // A resync point without a modseq (the first round of a first sync): every known
            // message counts as changed; expunges cannot be told.
            for update in try await flags(of: known) where update.uid.rawValue < bound {
                changes.flagChanges[update.uid] = FlagChange(flags: FlagList(wire: update.flags), modSeq: update.modSeq.value)
            }
        }
        return .resynced(snapshot, changes)
    }

    /// SELECT, the endpoint's state forgotten first; a missing mailbox is `.noSuchMailbox`.
    func open(_ mailbox: MailboxName, qresync: QResyncParameters?) async throws -> MailboxSelection {
        state.withLock { $0.selected = nil }
        do {
            return try await session.select(mailbox, qresync: qresync).value
        } catch let error as IMAPClientError {
            // RFC 5530's [NONEXISTENT]; Dovecot says it in words on SELECT.
            if case .commandFailed(_, "NO", let text, let code) = error,
               code?.uppercased().hasPrefix("NONEXISTENT") == true || text.hasPrefix("Mailbox doesn't exist") {
                throw MailboxEndpointError.noSuchMailbox(mailbox)
            }
            throw error
        }
    }

    /// What others changed since the last call (pushed VANISHED / FETCH, gathered after a NOOP),
    /// and the current flags of the UIDs a store reported MODIFIED. The echoes of our own stores
    /// are dropped; UIDs at or above the update bound are new messages and left out.
    public func pendingChanges() async throws -> ChangeSet {
        let selected = try selectedState()
        if let emulated = selected.emulated { return try await emulatedPendingChanges(selected, emulated) }
        let noop = session.noop()
        // What `snapshot()` asks, in the same round trip: it usually comes right after.
        let search = session.hasCapability(.esearch) ? session.uidSearch(.all, returning: [.max, .count]) : nil
        let submissions = session.submissionCount
        try await noop.value
        if let search, let searched = try? await search.value {  // only a shortcut: a refusal costs nothing
            updateSelected { $0.probe = (submissions, searched) }
        }
        let collected = try await events.drain()
        var changes = ChangeSet(highestModSeq: 0)
        changes.vanished = collected.vanished?.below(selected.updateBound)
        if let vanished = changes.vanished, let own = selected.ownExpunges { changes.vanished = vanished.subtracting(own) }
        var echoed: [UID] = []
        for (uid, update) in collected.flags where uid.rawValue < selected.updateBound {
            let flags = FlagList(wire: update.flags)
            if selected.ownStores.contains(where: { $0.uids.contains(uid) && $0.flags == flags }) {
                echoed.append(uid)
                continue
            }
            changes.flagChanges[uid] = FlagChange(flags: flags, modSeq: update.modSeq.value)
        }
        // MODIFIED UIDs whose new flags were not pushed: read them (RFC 7162 §3.1.3, example 8).
        if let modified = selected.modified {
            let unread = UIDSet(uids: modified.filter { changes.flagChanges[$0] == nil && !(changes.vanished?.contains($0) ?? false) })
            if let unread {
                for update in try await flags(of: unread) where update.uid.rawValue < selected.updateBound {
                    changes.flagChanges[update.uid] = FlagChange(flags: FlagList(wire: update.flags), modSeq: update.modSeq.value)
                }
            }
        }
        updateSelected { $0.modified = nil }
        changes.highestModSeq = max(session.selected?.highestModSeq.value ?? 0,
                                    changes.flagChanges.values.map(\.modSeq).max() ?? 0)
        return changes
    }

    /// UIDNEXT and HIGHESTMODSEQ as the session tracked them after a NOOP, UIDNEXT raised by our
    /// APPENDUIDs and by the highest UID present: never STATUS on the selected mailbox (RFC 3501
    /// §6.3.10). With ESEARCH, `UID SEARCH RETURN (MAX COUNT) ALL` goes behind the NOOP (one
    /// round trip; none when the last `pendingChanges()` asked the same and nothing was sent
    /// since); Dovecot may answer it from the view before the NOOP's sync, so when its count is
    /// not the EXISTS the NOOP left, `FETCH <EXISTS> (UID)` tells the highest UID.
    public func snapshot() async throws -> MailboxSnapshot {
        let selected = try selectedState()
        let searched: SearchResult?
        if let probe = selected.probe, probe.submissions == session.submissionCount {
            searched = probe.search  // nothing was sent since the last pendingChanges() asked
        } else {
            let noop = session.noop()
            let search = session.hasCapability(.esearch) ? session.uidSearch(.all, returning: [.max, .count]) : nil
            try await noop.value
            searched = try await search?.value
        }
        guard let current = session.selected, let validity = current.uidValidity else {
            throw MailboxEndpointError.noMailboxSelected
        }
        var uidNext = max(current.uidNext?.rawValue ?? 1, selected.appendedUIDNext)
        if let searched, searched.count == Int(current.exists) {
            if let uid = searched.max, uid.rawValue < UInt32.max { uidNext = max(uidNext, uid.rawValue + 1) }
        } else if current.exists > 0 {
            // By the last sequence number: a `*` would not name the message the answer carries.
            for try await part in session.fetch(SequenceSet(current.exists...current.exists), [.uid]) {
                if case .attribute(.uid(let uid)) = part, uid.rawValue < UInt32.max { uidNext = max(uidNext, uid.rawValue + 1) }
            }
        }
        return MailboxSnapshot(uidValidity: validity.rawValue, uidNext: uidNext,
                               highestModSeq: state.withLock { $0.selected?.emulated?.record.highestModSeq }
                                   ?? current.highestModSeq.value)
    }

    /// `UID FETCH set (UID FLAGS MODSEQ)`, collected.
    func flags(of set: UIDSet) async throws -> [FlagUpdate] {
        var updates: [FlagUpdate] = []
        for chunk in set.chunked() {
            var current: FlagUpdate?
            for try await part in session.uidFetch(chunk, [.uid, .flags, .modSeq]) {
                switch part {
                case .messageStart(_, let uid): current = uid.map { FlagUpdate(uid: $0, flags: []) }
                case .attribute(.uid(let uid)): if current == nil { current = FlagUpdate(uid: uid, flags: []) }
                case .attribute(.flags(let flags)): current?.flags = flags
                case .attribute(.modSeq(let modSeq)): current?.modSeq = modSeq
                case .messageEnd:
                    if let current { updates.append(current) }
                    current = nil
                default: break
                }
            }
        }
        return updates
    }
}
