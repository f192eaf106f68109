/// Whether a listed mailbox must be selected at all (InterIMAP's `is_dirty`): only when its
/// UIDNEXT or HIGHESTMODSEQ moved on a side since the last commit.
public enum MailboxSelectionPlanner {
    public enum Decision: Hashable, Sendable {
        /// Same counters on both sides: nothing changed, do not select.
        case clean
        /// Never synchronised: insert the initial state, then replicate everything.
        case firstSync
        /// Select both sides with the committed resync points.
        case sync
        /// The UIDVALIDITY of these sides changed: re-match by content before anything else.
        case uidValidityChanged([Side])
    }

    public static func decide(stored: PerSide<SideState>?, listed: PerSide<MailboxSnapshot>) -> Decision {
        guard let stored else { return .firstSync }
        let changed = Side.allCases.filter { stored[$0].uidValidity != listed[$0].uidValidity }
        if !changed.isEmpty { return .uidValidityChanged(changed) }
        return stored == listed ? .clean : .sync
    }
}
