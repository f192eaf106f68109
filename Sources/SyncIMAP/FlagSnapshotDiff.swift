import IMAPCore
import SyncEngine

/// The fallback mode's answer to `select(_:since:)` without QRESYNC, as a pure function: the
/// whole mailbox's current flags (`UID FETCH 1:* (FLAGS)`) against what was seen before, each
/// message's last-seen flags carrying the synthetic modseq of the change that brought them.
///
/// "Changed since M" is then what QRESYNC would say: a difference seen now gets a new modseq
/// (above M), and one seen by an earlier run that the engine never committed (its modseq is
/// still above the committed M) is reported again. A message whose flags are as last seen with
/// a modseq at or below M is not reported: reporting it would let the union rule of a conflict
/// undo a flag removal on the other side.
struct FlagSnapshotDiff: Sendable {
    /// The mailbox's snapshot, or nil when there is none to compare with (never seen in this
    /// mode, or a resync point above its counter: a database that lost it, or a mailbox that had
    /// real modseqs before). Then every known message counts as changed and every known UID
    /// that is missing as vanished: more than happened, never less.
    var seen: [UID: FlagSnapshotEntry]?
    var vanished: [UID: ModSeqValue]
    var counter: ModSeqValue

    struct Outcome: Sendable {
        var changes: ChangeSet
        var update: FlagSnapshotTables.Update
        var counter: ModSeqValue
        /// The snapshot after the update (for the endpoint's later calls).
        var seen: [UID: FlagSnapshotEntry]
    }

    /// `bound`: changes at or above it are new messages, neither compared nor reported.
    /// `knownUIDs`: the UIDs below the committed UIDNEXT (for the no-snapshot case).
    func resync(current: [UID: FlagList], since: ModSeqValue, bound: UInt32, knownUIDs: UIDSet?) -> Outcome {
        let next = max(counter, since) + 1
        var changes = ChangeSet(highestModSeq: 0)
        var update = FlagSnapshotTables.Update()
        update.vanishedModSeq = next
        update.pruneThrough = since
        var result = seen ?? [:]
        var gone: [UID] = []
        for (uid, flags) in current where uid.rawValue < bound {
            if let entry = seen?[uid], entry.flags == flags {
                if entry.modSeq > since { changes.flagChanges[uid] = FlagChange(flags: entry.flags, modSeq: entry.modSeq) }
                continue
            }
            let entry = FlagSnapshotEntry(flags: flags, modSeq: next)
            result[uid] = entry
            update.flags.append((uid, entry))
            changes.flagChanges[uid] = FlagChange(flags: flags, modSeq: next)
        }
        if let seen {
            for uid in seen.keys where uid.rawValue < bound && current[uid] == nil { gone.append(uid) }
        } else if let known = knownUIDs?.below(bound) {
            gone = known.filter { current[$0] == nil }
        }
        for uid in gone { result[uid] = nil }
        update.vanished = gone
        let reported = gone + vanished.filter { $0.key.rawValue < bound && $0.value > since && current[$0.key] == nil }.map(\.key)
        changes.vanished = UIDSet(uids: reported)
        let counter = update.flags.isEmpty && gone.isEmpty ? max(counter, since) : next
        changes.highestModSeq = counter
        return Outcome(changes: changes, update: update, counter: counter, seen: result)
    }
}
