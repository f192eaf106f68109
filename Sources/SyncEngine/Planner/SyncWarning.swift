import IMAPCore

/// Something the planner resolved (or could not) that the user should hear about; the engine
/// logs each one (InterIMAP's `WARNING:` lines).
public enum SyncWarning: Hashable, Sendable, CustomStringConvertible {
    /// Both sides changed the flags of one message: both get the union.
    case flagConflict(FlagConflict)
    /// UIDs vanished on `side` that the mapping does not know (never replicated).
    case unmatchedVanished(Side, UIDSet)
    /// A known UID on `side` changed but has no counterpart: `--repair` territory.
    case unmatchedFlagChange(Side, UID)
    /// A pair of an interrupted run lost one of its messages: the other is removed too.
    case interruptedPairVanished(UIDPair)

    public var description: String {
        switch self {
        case .flagConflict(let c):
            "conflicting flag update for local UID \(c.pair.local) \(c.flags.local) and remote UID \(c.pair.remote) \(c.flags.remote): setting both to the union \(c.union)"
        case .unmatchedVanished(let side, let uids):
            "no match for \(uids.count) vanished \(side) UID(s) \(uids): ignoring"
        case .unmatchedFlagChange(let side, let uid):
            "no match for modified \(side) UID \(uid)"
        case .interruptedPairVanished(let pair):
            "pair (lUID,rUID) = \(pair) of an interrupted run vanished on one side: removing it on the other"
        }
    }
}

/// Both sides of a mapped message changed its flags, differently.
public struct FlagConflict: Hashable, Sendable {
    public var pair: UIDPair
    public var flags: PerSide<FlagList>

    public init(pair: UIDPair, flags: PerSide<FlagList>) {
        self.pair = pair
        self.flags = flags
    }

    /// What both sides get (InterIMAP's `flag_conflict`).
    public var union: FlagList { flags.local.union(flags.remote) }
}
