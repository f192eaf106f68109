import IMAPCore

/// Plans a round of the known-messages phase: expunges and flag changes on either side,
/// propagated through the mapping. Every rule is written once, for a side `t` and `t.other`.
///
/// The rules (InterIMAP 0.5.7's `sync_known_messages`, plus MODIFIED handling):
/// - A UID vanished on `t` expunges its counterpart on `t.other` (unless that one vanished
///   too) and deletes the pair. Unmapped vanished UIDs are reported and ignored.
/// - A flag change on `t` whose message is being expunged is dropped: the expunge wins.
/// - A flag change on `t` whose counterpart did not change is stored on `t.other`; if the
///   counterpart changed to the same flags nothing is done; if to other flags, both get the
///   union and a conflict is reported.
/// - A store refused as MODIFIED is weighed next round: the message's new flags there against
///   the flags we tried to store (the other side's), as a conflict if they differ.
/// - Changes at or above the committed UIDNEXT or not above `seenModSeq` are not updates.
public enum UpdatePlanner {
    public static func plan(_ input: UpdateRoundInput) -> UpdateRound {
        let vanished = PerSide { side in relevantVanished(input, side) }
        let changed = PerSide { side in relevantFlagChanges(input, side, vanished: vanished[side]) }
        let next = PerSide { side in max(input.seenModSeq[side], input.changes[side].highestModSeq) }

        if vanished.local.isEmpty, vanished.remote.isEmpty, changed.local.isEmpty, changed.remote.isEmpty,
           input.unapplied.isEmpty {
            return .settled(highestModSeq: next)
        }

        var expunge = PerSide<Set<UID>>(local: [], remote: [])
        var deleted = Set<UIDPair>()
        var warnings: [SyncWarning] = []
        for t in Side.allCases {
            var unmatched: [UID] = []
            for uid in vanished[t].sorted() {
                guard let pair = input.mapping.pair(uid, on: t) else {
                    unmatched.append(uid)
                    continue
                }
                deleted.insert(pair)
                if !vanished[t.other].contains(pair[t.other]) { expunge[t.other].insert(pair[t.other]) }
            }
            if let set = UIDSet(uids: unmatched) { warnings.append(.unmatchedVanished(t, set)) }
        }

        var stores = PerSide(local: FlagStorePlan(), remote: FlagStorePlan())
        var conflicts = Set<FlagConflict>()
        var dropped = PerSide<[UID]>(local: [], remote: [])
        for t in Side.allCases {
            for (uid, flags) in changed[t].sorted(by: { $0.key < $1.key }) {
                if expunge[t].contains(uid) {
                    dropped[t].append(uid)
                    continue
                }
                guard let pair = input.mapping.pair(uid, on: t) else {
                    warnings.append(.unmatchedFlagChange(t, uid))
                    continue
                }
                let counterpart = pair[t.other]
                // What the other side holds now: its own change, or what we stored there last
                // round and this side refused (MODIFIED).
                guard let otherFlags = changed[t.other][counterpart] ?? input.unapplied.intended[t][uid] else {
                    stores[t.other].set(counterpart, to: flags)
                    continue
                }
                guard otherFlags != flags else { continue }
                var sides = PerSide(local: flags, remote: flags)
                sides[t.other] = otherFlags
                let conflict = FlagConflict(pair: pair, flags: sides)
                conflicts.insert(conflict)
                FlagStorePlan.resolve(conflict, into: &stores)
            }
        }

        // Refused stores with no news from that side: try them again.
        for s in Side.allCases {
            for (uid, flags) in input.unapplied.intended[s] where changed[s][uid] == nil {
                guard let pair = input.mapping.pair(uid, on: s), !deleted.contains(pair),
                      changed[s.other][pair[s.other]] == nil, stores[s].targets[uid] == nil else { continue }
                stores[s].set(uid, to: flags)
            }
        }

        let sortedConflicts = conflicts.sorted { $0.pair.local < $1.pair.local }
        warnings = sortedConflicts.map(SyncWarning.flagConflict) + warnings
        return .apply(UpdatePlan(
            expunges: expunge.map { UIDSet(uids: $0) },
            mappingsToDelete: deleted.sorted { $0.local < $1.local },
            flagStores: PerSide { side in stores[side].requests(unchangedSince: input.changes[side].highestModSeq) },
            conflicts: sortedConflicts,
            warnings: warnings,
            flagChangesDroppedForExpunge: dropped.map { UIDSet(uids: $0) },
            seenModSeq: next))
    }

    /// Vanished UIDs below the committed UIDNEXT (above it: never replicated, nothing to do).
    private static func relevantVanished(_ input: UpdateRoundInput, _ side: Side) -> Set<UID> {
        Set(input.changes[side].vanished.uids.filter { $0.rawValue < input.uidNext[side] })
    }

    /// Flag changes of known messages that are newer than what was handled, `\Recent` aside.
    private static func relevantFlagChanges(_ input: UpdateRoundInput, _ side: Side,
                                            vanished: Set<UID>) -> [UID: FlagList] {
        var result: [UID: FlagList] = [:]
        for (uid, change) in input.changes[side].flagChanges
        where uid.rawValue < input.uidNext[side] && !vanished.contains(uid)
            && (change.modSeq > input.seenModSeq[side] || input.unapplied.intended[side][uid] != nil) {
            result[uid] = change.flags
        }
        return result
    }
}
