import IMAPCore
@testable import SyncEngine

/// A UID from a test constant.
func uid(_ n: UInt32) -> UID {
    guard let uid = UID(rawValue: n) else { preconditionFailure("UID 0 in a test table") }
    return uid
}

func uids(_ ns: [UInt32]) -> UIDSet? { UIDSet(uids: ns.map(uid)) }

func flags(_ names: String...) -> FlagList { FlagList(names.map { MessageFlag($0) }) }

func pairs(_ list: [(UInt32, UInt32)]) -> [UIDPair] { list.map { UIDPair(local: uid($0.0), remote: uid($0.1)) } }

func mapping(_ list: [(UInt32, UInt32)]) -> UIDMapping { UIDMapping(pairs(list)) }

/// A side's report: vanished UIDs, flag changes as (uid, flags, modseq), HIGHESTMODSEQ.
func report(vanished: [UInt32] = [], changed: [(UInt32, FlagList, ModSeqValue)] = [], hms: ModSeqValue) -> ChangeSet {
    ChangeSet(vanished: uids(vanished),
              flagChanges: Dictionary(uniqueKeysWithValues: changed.map { (uid($0.0), FlagChange(flags: $0.1, modSeq: $0.2)) }),
              highestModSeq: hms)
}

/// The stores of one side as (flags, UIDs) pairs, for comparing with a table.
func storeSummary(_ requests: [FlagStoreRequest]) -> [String] {
    requests.map { "\($0.flags) \($0.uids) <\($0.unchangedSince.map(String.init) ?? "-")" }
}
