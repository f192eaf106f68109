import IMAPCore

/// Recovers a mailbox whose last run appended (and recorded pairs) but stopped before
/// committing UIDNEXT: the pairs at or above a committed UIDNEXT are checked, not copied again
/// (InterIMAP's "Resuming interrupted sync").
public enum InterruptedRunPlanner {
    public struct Plan: Hashable, Sendable {
        /// A pair that lost one message: the survivor is removed (its deletion is propagated).
        public var expunges: PerSide<UIDSet?>
        public var mappingsToDelete: [UIDPair]
        /// Survivors whose flags differ: no trustworthy modseq tells who changed, so both get
        /// the union.
        public var flagStores: PerSide<[FlagStoreRequest]>
        public var conflicts: [FlagConflict]
        public var warnings: [SyncWarning]
    }

    /// `present`: the current flags of those UIDs that still exist on each side.
    public static func plan(pairs: [UIDPair], present: PerSide<[UID: FlagList]>,
                            unchangedSince: PerSide<ModSeqValue>) -> Plan {
        var expunge = PerSide<[UID]>(local: [], remote: [])
        var deleted: [UIDPair] = []
        var stores = PerSide(local: FlagStorePlan(), remote: FlagStorePlan())
        var conflicts: [FlagConflict] = []
        var warnings: [SyncWarning] = []
        for pair in pairs.sorted(by: { $0.local < $1.local }) {
            let flags = PerSide { side in present[side][pair[side]] }
            guard let local = flags.local, let remote = flags.remote else {
                deleted.append(pair)
                warnings.append(.interruptedPairVanished(pair))
                for side in Side.allCases where flags[side] != nil { expunge[side].append(pair[side]) }
                continue
            }
            guard local != remote else { continue }
            let conflict = FlagConflict(pair: pair, flags: PerSide(local: local, remote: remote))
            conflicts.append(conflict)
            warnings.append(.flagConflict(conflict))
            FlagStorePlan.resolve(conflict, into: &stores)
        }
        return Plan(expunges: expunge.map { UIDSet(uids: $0) }, mappingsToDelete: deleted,
                    flagStores: PerSide { side in stores[side].requests(unchangedSince: unchangedSince[side]) },
                    conflicts: conflicts, warnings: warnings)
    }
}
