import IMAPCore

/// Reporting applied changes to ``SyncRunOptions/changes``: only for the sides it observes,
/// and only after the endpoint acknowledged the change.
extension MailboxSyncDriver {
    func observes(_ side: Side) -> Bool { session.options.changes?.sides.contains(side) == true }

    /// Message-ID, size and flags of `uids` in `side`'s selected mailbox, when that side is
    /// observed (an expunge reads them first: afterwards they are gone).
    func observedSummaries(_ uids: UIDSet?, on side: Side) async throws -> [UID: MessageSummary] {
        guard observes(side), let uids else { return [:] }
        let found = try await session.endpoints[side].fetchSummaries(uids, fields: [.messageID])
        return Dictionary(found.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The other side's UIDs of `uids` on `side`, from the mapping as committed now.
    func counterparts(_ uids: some Sequence<UID>, on side: Side) throws -> [UID: UID] {
        try session.database.read { tx in
            var found: [UID: UID] = [:]
            for uid in uids { found[uid] = try tx.counterpart(of: uid, on: side, mailbox: id) }
            return found
        }
    }

    /// Reports `summaries` (made on `side`) as changes of `kind`, in UID order.
    func report(_ kind: AppliedChange.Kind, on side: Side, _ summaries: some Sequence<MessageSummary>,
                counterparts: [UID: UID]) {
        guard let observer = session.options.changes, observer.sides.contains(side) else { return }
        let changes = summaries.sorted { $0.uid < $1.uid }.map { summary in
            AppliedChange(kind, side: side, mailbox: name.description, uid: summary.uid,
                          uidValidity: uidValidities[side], counterpart: counterparts[summary.uid],
                          counterpartUIDValidity: uidValidities[side.other], messageID: summary.messageID,
                          size: summary.size, flags: kind == .expunged ? nil : summary.flags)
        }
        if !changes.isEmpty { observer.report(changes) }
    }
}
