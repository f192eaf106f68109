import IMAPCore

/// How UID STORE changes flags.
public enum FlagChange: Sendable, Hashable {
    case add([MessageFlag])
    case remove([MessageFlag])
    case replace([MessageFlag])
}

/// What UID STORE … (UNCHANGEDSINCE m) did.
public struct StoreResult: Sendable {
    /// The flags after the change of the messages in the command's set, as the server reported
    /// them (pushed changes of other messages go to the event stream).
    public var updated: [FlagUpdate] = []
    /// UIDs not changed because they were modified after `unchangedSince` (RFC 7162 MODIFIED),
    /// as the ranges the server sent.
    public var modified: UIDSet?
}

extension IMAPSession {
    /// UID STORE set [(UNCHANGEDSINCE m)] ±FLAGS[.SILENT] (…).
    public func uidStore(_ set: UIDSet, _ change: FlagChange, unchangedSince: ModSequence? = nil,
                         silent: Bool = false) -> Pending<StoreResult> {
        let flags: StoreFlags = switch change {
        case .add(let f): .add(f, silent: silent)
        case .remove(let f): .remove(f, silent: silent)
        case .replace(let f): .replace(f, silent: silent)
        }
        return submit(.uidStore(set, flags, unchangedSince: unchangedSince), role: .store(.uids(set))) { outcome in
            _ = try outcome.checked("UID STORE")
            var result = StoreResult(updated: outcome.messages.compactMap(FlagUpdate.init))
            if case .modified(let numbers)? = outcome.response.code { result.modified = UIDSet(numbers) }
            return result
        }
    }

    /// UID EXPUNGE set (RFC 4315 UIDPLUS; without it a typed error and nothing is sent).
    /// Returns the UIDs reported expunged (they also go to the event stream). Send it only once
    /// the `\Deleted` STORE it depends on completed: Dovecot may run a UID EXPUNGE pipelined
    /// behind a STORE before that STORE (seen after a STORE of a keyword new to the mailbox).
    public func uidExpunge(_ set: UIDSet) -> Pending<UIDSet?> {
        guard hasCapability(.uidplus) else {
            return .failed(.missingCapability(command: "UID EXPUNGE", capability: "UIDPLUS"))
        }
        return submit(.uidExpunge(set), role: .expunge) { outcome in
            _ = try outcome.checked("UID EXPUNGE")
            return UIDSet(expunged: outcome.data)
        }
    }
}

extension UIDSet {
    /// The VANISHED ranges (and EXPUNGEs the session could name) among a command's data.
    init?(expunged data: [UntaggedResponse]) {
        var ranges: [ClosedRange<UID>] = []
        for case .vanished(let uids, _) in data { ranges += uids.ranges }
        self.init(ranges: ranges)
    }
}
