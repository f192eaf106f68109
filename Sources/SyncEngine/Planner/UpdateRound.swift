import IMAPCore

/// What one round of the known-messages phase starts from: the mapping and what each side
/// reported (InterIMAP's `sync_known_messages` loop body, as data).
public struct UpdateRoundInput: Sendable {
    public var mapping: UIDMapping
    public var changes: PerSide<ChangeSet>
    /// The committed UIDNEXTs: changes at or above are new messages, handled by replication.
    public var uidNext: PerSide<UInt32>
    /// Changes up to these modseqs were handled already (the committed HIGHESTMODSEQ in the
    /// first round, the previous round's afterwards).
    public var seenModSeq: PerSide<ModSeqValue>
    /// Stores of the previous round that came back MODIFIED.
    public var unapplied: UnappliedFlagStores

    public init(mapping: UIDMapping, changes: PerSide<ChangeSet>, uidNext: PerSide<UInt32>,
                seenModSeq: PerSide<ModSeqValue>, unapplied: UnappliedFlagStores = .none) {
        self.mapping = mapping
        self.changes = changes
        self.uidNext = uidNext
        self.seenModSeq = seenModSeq
        self.unapplied = unapplied
    }
}

/// Flags the engine tried to set and a conditional store refused (`[MODIFIED]`): the message
/// changed on that side meanwhile. Carried into the next round, where the new flags there are
/// weighed against these instead of silently overwriting the other side's change.
public struct UnappliedFlagStores: Hashable, Sendable {
    /// Side → UID on that side → the flags the other side has (what we tried to store).
    public var intended: PerSide<[UID: FlagList]>

    public init(intended: PerSide<[UID: FlagList]>) { self.intended = intended }

    public static let none = UnappliedFlagStores(intended: PerSide(local: [:], remote: [:]))
    public var isEmpty: Bool { intended.local.isEmpty && intended.remote.isEmpty }
}

/// The outcome of planning one round.
public enum UpdateRound: Hashable, Sendable {
    /// Nothing left to propagate: commit these HIGHESTMODSEQs (commit point 1), then replicate
    /// new messages.
    case settled(highestModSeq: PerSide<ModSeqValue>)
    /// Apply this, then ask both sides for their pending changes and plan again.
    case apply(UpdatePlan)
}

/// The effects of one round, in the order the engine performs them: expunges on both sides,
/// then the mapping deletions (in one transaction, only once both expunges succeeded), then
/// the flag stores.
public struct UpdatePlan: Hashable, Sendable {
    public var expunges: PerSide<UIDSet?>
    public var mappingsToDelete: [UIDPair]
    /// Per side, one conditional store per distinct target flag list.
    public var flagStores: PerSide<[FlagStoreRequest]>
    public var conflicts: [FlagConflict]
    public var warnings: [SyncWarning]
    /// Flag changes dropped because the message is being expunged (the expunge wins).
    public var flagChangesDroppedForExpunge: PerSide<UIDSet?>
    /// The `seenModSeq` of the next round.
    public var seenModSeq: PerSide<ModSeqValue>

    /// The stores `results` (in ``flagStores`` order, per side) refused, for the next round.
    public func unapplied(after results: PerSide<[StoreResult]>) -> UnappliedFlagStores {
        var intended = PerSide<[UID: FlagList]>(local: [:], remote: [:])
        for side in Side.allCases {
            for (request, result) in zip(flagStores[side], results[side]) {
                for uid in result.modified.uids where request.uids.contains(uid) {
                    intended[side][uid] = request.flags
                }
            }
        }
        return UnappliedFlagStores(intended: intended)
    }
}
