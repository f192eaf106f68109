/// The QRESYNC `seq-match-data` (RFC 7162 §3.2.5.2): message numbers and the UIDs the client
/// knows them by, pairwise in order, so the server can tell which earlier expunges to report.
///
/// seq-match-data = "(" known-sequence-set SP known-uid-set ")"
public struct SequenceMatch: Hashable, Sendable {
    public var sequenceNumbers: SequenceSet
    public var uids: UIDSet

    public init(sequenceNumbers: SequenceSet, uids: UIDSet) {
        self.sequenceNumbers = sequenceNumbers
        self.uids = uids
    }
}
