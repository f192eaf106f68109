import IMAPCore

/// RFC 4315 COPYUID: where the messages went, as the ranges the server sent (pairwise in order).
public struct CopyResult: Sendable, Hashable {
    public var uidValidity: UIDValidity
    public var source: UIDSet
    public var destination: UIDSet

    /// The destination UID of `uid`, found by position in the ranges (nothing is expanded).
    public func destination(of uid: UID) -> UID? {
        guard let offset = Self.offset(of: uid, in: source.ranges) else { return nil }
        return Self.element(at: offset, in: destination.ranges)
    }

    private static func offset(of uid: UID, in ranges: [ClosedRange<UID>]) -> UInt64? {
        var offset: UInt64 = 0
        for range in ranges {
            if range.contains(uid) { return offset + UInt64(uid.rawValue - range.lowerBound.rawValue) }
            offset += UInt64(range.upperBound.rawValue - range.lowerBound.rawValue) + 1
        }
        return nil
    }

    private static func element(at offset: UInt64, in ranges: [ClosedRange<UID>]) -> UID? {
        var remaining = offset
        for range in ranges {
            let width = UInt64(range.upperBound.rawValue - range.lowerBound.rawValue) + 1
            if remaining < width { return UID(rawValue: range.lowerBound.rawValue + UInt32(remaining)) }
            remaining -= width
        }
        return nil
    }
}

extension IMAPSession {
    /// UID COPY set mailbox; COPYUID when the server reports it (UIDPLUS).
    public func uidCopy(_ set: UIDSet, to mailbox: MailboxName) -> Pending<CopyResult?> {
        submit(.uidCopy(set, to: mailbox), role: .copy) { outcome in
            try CopyResult(outcome.checked("UID COPY"))
        }
    }

    /// UID MOVE set mailbox (RFC 6851; without MOVE a typed error and nothing is sent). The
    /// expunges it causes also go to the event stream.
    public func uidMove(_ set: UIDSet, to mailbox: MailboxName) -> Pending<CopyResult?> {
        guard hasCapability(.move) else { return .failed(.missingCapability(command: "UID MOVE", capability: "MOVE")) }
        return submit(.uidMove(set, to: mailbox), role: .copy) { outcome in
            try CopyResult(outcome.checked("UID MOVE"))
        }
    }
}

extension CopyResult {
    /// From the tagged OK (COPY) or the untagged OK before the expunges (MOVE).
    init?(_ outcome: CommandOutcome) {
        var codes = [outcome.response.code]
        for case .condition(_, let code, _) in outcome.data { codes.append(code) }
        for case .copyUID(let validity, let source, let destination)? in codes {
            self.init(uidValidity: validity, source: source, destination: destination)
            return
        }
        return nil
    }
}
