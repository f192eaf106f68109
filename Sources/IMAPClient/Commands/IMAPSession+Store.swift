import IMAPCore

/// How UID STORE changes flags.
public enum FlagChange: Sendable, Hashable {
    case add([MessageFlag])
    case remove([MessageFlag])
    case replace([MessageFlag])
}

/// What UID STORE … (UNCHANGEDSINCE m) did.
public struct StoreResult: Sendable {
    /// The messages' flags after the change, as the server reported them.
    public var updated: [FlagUpdate] = []
    /// UIDs not changed because they were modified after `unchangedSince` (RFC 7162 MODIFIED),
    /// as the server's ranges (never expanded).
    public var modified: UIDSet?
}

extension IMAPSession {
    /// UID STORE set [(UNCHANGEDSINCE m)] ±FLAGS (…).
    public func uidStore(_ set: UIDSet, _ change: FlagChange, unchangedSince: UInt64? = nil,
                         silent: Bool = false) async throws -> StoreResult {
        var result = StoreResult()
        var assembler = FetchAssembler()
        let flags: StoreFlags = switch change {
        case .add(let f): .add(f, silent: silent)
        case .remove(let f): .remove(f, silent: silent)
        case .replace(let f): .replace(f, silent: silent)
        }
        let response = try await run(.uidStore(set, flags, unchangedSince: unchangedSince.map { ModSequence($0) }),
                                     name: "UID STORE") { event in
            if case .fetch(let fetch) = event, let message = assembler.consume(fetch), let uid = message.uid {
                result.updated.append(FlagUpdate(uid: uid, flags: message.flags, modSeq: message.modSeq))
            }
        }
        if case .modified(let modified)? = response.code {
            result.modified = UIDSet(modified)
        }
        return result
    }

    /// UID EXPUNGE set (UIDPLUS), or nothing if the set is empty. Returns the UIDs reported expunged.
    @discardableResult
    public func uidExpunge(_ set: UIDSet) async throws -> [UInt32] {
        var gone: [UInt32] = []
        try await run(.uidExpunge(set), name: "UID EXPUNGE") { event in
            // Only those asked for: a server's VANISHED 1:* must not become four billion UIDs.
            if case .untagged(.vanished(let uids, _)) = event, let asked = uids.intersection(set) {
                gone += asked.map(\.rawValue)
            }
        }
        return gone
    }
}
