import IMAPCore

/// A message's flags after a change, with the modseq of that change.
public struct FlagChange: Hashable, Sendable {
    public var flags: FlagList
    public var modSeq: ModSeqValue

    public init(flags: FlagList, modSeq: ModSeqValue) {
        self.flags = flags
        self.modSeq = modSeq
    }
}

/// What changed in the selected mailbox since a modseq, answered the QRESYNC way (RFC 7162
/// §3.2.5): the UIDs that vanished and the current flags of every message whose modseq grew.
///
/// The store endpoint answers it from its tombstones (UID + modseq of each expunge) and its
/// per-message modseqs. A vanished UID may also appear as changed (it changed, then went):
/// the planner lets the expunge win.
public struct ChangeSet: Hashable, Sendable {
    public var vanished: UIDSet?
    public var flagChanges: [UID: FlagChange]
    /// The mailbox's HIGHESTMODSEQ once these changes are applied: what the engine commits, and
    /// the UNCHANGEDSINCE of the stores it plans from them.
    public var highestModSeq: ModSeqValue

    public init(vanished: UIDSet? = nil, flagChanges: [UID: FlagChange] = [:], highestModSeq: ModSeqValue) {
        self.vanished = vanished
        self.flagChanges = flagChanges
        self.highestModSeq = highestModSeq
    }

    public var isEmpty: Bool { vanished == nil && flagChanges.isEmpty }
}

/// Where a mailbox was left: passed to ``MailboxEndpoint/select(_:since:)`` so the endpoint
/// can report what changed since (QRESYNC's `(uidvalidity modseq known-uids seq-match-data)`).
public struct ResyncPoint: Hashable, Sendable {
    public var uidValidity: UIDValidityValue
    public var highestModSeq: ModSeqValue
    /// UIDs below the committed UIDNEXT: changes above it are new messages, not updates.
    public var knownUIDs: UIDSet?
    /// Sequence match data, so a server that forgot old expunges can still tell which known
    /// messages vanished (RFC 7162 §3.2.5.2, InterIMAP's `sample`).
    public var sample: SequenceMatchSample?

    public init(uidValidity: UIDValidityValue, highestModSeq: ModSeqValue, knownUIDs: UIDSet?, sample: SequenceMatchSample? = nil) {
        self.uidValidity = uidValidity
        self.highestModSeq = highestModSeq
        self.knownUIDs = knownUIDs
        self.sample = sample
    }
}

/// QRESYNC's `(known-sequence-set known-uid-set)`: the highest mapped UIDs and the sequence
/// numbers they would have if no mapped message had vanished.
public struct SequenceMatchSample: Hashable, Sendable {
    public var sequenceNumbers: ClosedRange<UInt32>
    public var uids: UIDSet

    public init(sequenceNumbers: ClosedRange<UInt32>, uids: UIDSet) {
        self.sequenceNumbers = sequenceNumbers
        self.uids = uids
    }

    /// InterIMAP's rule: the largest run of highest mapped UIDs whose wire form stays within
    /// about 256 bytes (at most `limit` UIDs), numbered from the end of the mapped count.
    public static func of(mappedUIDs: [UID], limit: Int = 1024) -> SequenceMatchSample? {
        let highest = mappedUIDs.sorted(by: >).prefix(limit)
        var taken: [UID] = []
        var ranges = 0
        var length = 0
        var previous: UID?
        for uid in highest {
            if let previous, previous.rawValue == uid.rawValue + 1 {
                taken.append(uid)
            } else {
                if length > 256 { break }
                ranges += 1
                length += String(uid.rawValue).count * 2 + 2
                taken.append(uid)
            }
            previous = uid
        }
        let count = UInt32(mappedUIDs.count)
        guard let uids = UIDSet(uids: taken), count > 0 else { return nil }
        return SequenceMatchSample(sequenceNumbers: (count - UInt32(taken.count) + 1)...count, uids: uids)
    }
}

/// The answer to ``MailboxEndpoint/select(_:since:)``.
public enum SelectResult: Hashable, Sendable {
    /// First sync of this mailbox (no resync point): nothing to compare with.
    case fresh(MailboxSnapshot)
    /// Same UIDVALIDITY: the changes since the resync point.
    case resynced(MailboxSnapshot, ChangeSet)
    /// The UIDVALIDITY changed: every UID is new, the mapping must be re-matched.
    case uidValidityChanged(MailboxSnapshot)

    public var snapshot: MailboxSnapshot {
        switch self {
        case .fresh(let s), .resynced(let s, _), .uidValidityChanged(let s): s
        }
    }
}
