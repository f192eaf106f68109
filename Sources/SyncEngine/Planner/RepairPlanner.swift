import IMAPCore

/// `--repair` (InterIMAP's `repair`): every existing message of both sides compared with the
/// mapping, without trusting the committed counters.
///
/// - a pair whose messages both exist: flags equal → nothing; changed on one side only (modseq
///   above the committed HIGHESTMODSEQ there, not on the other) → copied over; otherwise the
///   union on both (with a warning when neither changed: a flag update was missed);
/// - a pair that lost both messages: forgotten;
/// - a pair that lost one message: forgotten, and the survivor copied again to the other side
///   (a plain SELECT says nothing of expunges, so a loss is never assumed);
/// - an unmapped message below the committed UIDNEXT: copied to the other side.
public enum RepairPlanner {
    public struct Plan: Hashable, Sendable {
        public var mappingsToDelete: [UIDPair]
        public var flagStores: PerSide<[FlagStoreRequest]>
        /// UIDs on `side` to copy to `side.other`.
        public var copies: PerSide<[UID]>
        public var conflicts: [FlagConflict]
        public var warnings: [String]
    }

    public static func plan(mapping: UIDMapping, present: PerSide<[UID: MessageSummary]>,
                            committed: PerSide<SideState>, mailbox: String) -> Plan {
        var deleted: [UIDPair] = []
        var stores = PerSide(local: FlagStorePlan(), remote: FlagStorePlan())
        var copies = PerSide<[UID]>(local: [], remote: [])
        var conflicts: [FlagConflict] = []
        var warnings: [String] = []
        for pair in mapping.pairs {
            let found = PerSide { side in present[side][pair[side]] }
            switch (found.local, found.remote) {
            case let (local?, remote?):
                guard local.flags != remote.flags else { continue }
                let changed = PerSide { side in found[side].map { $0.modSeq > committed[side].highestModSeq } ?? false }
                if let t = Side.allCases.first(where: { changed[$0] && !changed[$0.other] }) {
                    stores[t.other].set(pair[t.other], to: PerSide(local: local.flags, remote: remote.flags)[t])
                    continue
                }
                if !changed.local, !changed.remote {
                    warnings.append("missed flag update in \(mailbox) for (lUID,rUID) = \(pair): repairing")
                }
                let conflict = FlagConflict(pair: pair, flags: PerSide(local: local.flags, remote: remote.flags))
                conflicts.append(conflict)
                FlagStorePlan.resolve(conflict, into: &stores)
            case (nil, nil):
                deleted.append(pair)
                warnings.append("pair (lUID,rUID) = \(pair) vanished from \(mailbox): repairing")
            case (nil, _?), (_?, nil):
                deleted.append(pair)
                let survivor: Side = found.local == nil ? .remote : .local
                copies[survivor].append(pair[survivor])
                warnings.append("\(survivor.other) UID \(pair[survivor.other]) disappeared from \(mailbox): copying \(survivor) UID \(pair[survivor]) again")
            }
        }
        for side in Side.allCases {
            for uid in present[side].keys.sorted()
            where uid.rawValue < committed[side].uidNext && mapping.counterpart(of: uid, on: side) == nil {
                copies[side].append(uid)
                warnings.append("no match for \(side) UID \(uid) in \(mailbox): copying it")
            }
        }
        return Plan(mappingsToDelete: deleted,
                    flagStores: PerSide { side in stores[side].requests(unchangedSince: nil) },
                    copies: copies.map { $0.sorted() }, conflicts: conflicts, warnings: warnings)
    }
}
