import IMAPCore

/// Flag stores being collected for one side: target flags → UIDs, so that one conditional
/// `UID STORE` goes out per distinct flag list, not per message.
struct FlagStorePlan {
    private(set) var targets: [UID: FlagList] = [:]

    mutating func set(_ uid: UID, to flags: FlagList) { targets[uid] = flags }
    mutating func cancel(_ uid: UID) { targets[uid] = nil }

    /// One request per distinct list, sorted by the list's wire form (deterministic order).
    func requests(unchangedSince: ModSeqValue?) -> [FlagStoreRequest] {
        Dictionary(grouping: targets, by: \.value)
            .compactMap { flags, entries in
                UIDSet(uids: entries.map(\.key)).map {
                    FlagStoreRequest(uids: $0, flags: flags, unchangedSince: unchangedSince)
                }
            }
            .sorted { $0.flags.imapString < $1.flags.imapString }
    }

    /// Both sides of a conflict get the union; a side that has it already is left alone.
    static func resolve(_ conflict: FlagConflict, into stores: inout PerSide<FlagStorePlan>) {
        for side in Side.allCases where conflict.flags[side] != conflict.union {
            stores[side].set(conflict.pair[side], to: conflict.union)
        }
    }
}
